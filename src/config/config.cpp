#include "acme/config/config.hpp"

#include "acme/config/dotenv.hpp"
#include "acme/config/dsn.hpp"
#include "acme/error.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <set>
#include <string_view>
#include <thread>

namespace acme::config {
namespace {

// Resolves one setting by precedence and records where it came from.
class Resolver {
public:
  Resolver(EnvLookup env, std::map<std::string, std::string> dotenv, std::string dotenv_path,
           std::map<std::string, std::string>& origin)
      : m_env(env), m_dotenv(std::move(dotenv)), m_dotenv_path(std::move(dotenv_path)),
        m_origin(origin) {}

  std::optional<std::string> get(const char* var, const std::optional<std::string>& flag) {
    m_asked.insert(var);
    if (flag) {
      m_origin[var] = "flag";
      return flag;
    }
    if (auto v = m_env(var)) {
      m_origin[var] = "environment";
      return v;
    }
    if (auto it = m_dotenv.find(var); it != m_dotenv.end()) {
      m_origin[var] = m_dotenv_path;
      return it->second;
    }
    return std::nullopt;
  }

  // The file's ACME_* keys that no setting asked for (a typo, or a variable of another release)
  // and that the docker compose stack does not read either.
  std::vector<std::string> unknown_keys() const {
    std::vector<std::string> out;
    for (const auto& [key, value] : m_dotenv) {
      if (key.rfind("ACME_", 0) == 0 && m_asked.count(key) == 0 &&
          std::find(std::begin(k_compose_keys), std::end(k_compose_keys), key) ==
              std::end(k_compose_keys)) {
        out.push_back(key);
      }
    }
    return out;
  }

private:
  // Read from the same .env by docker-compose.yaml, not by acme.
  static constexpr std::string_view k_compose_keys[] = {"ACME_API_PASSWORD",
                                                        "ACME_API_PORT",
                                                        "ACME_API_USER",
                                                        "ACME_APP_MODE",
                                                        "ACME_DEMO_IMAGE",
                                                        "ACME_IMAGE",
                                                        "ACME_METRICS_PORT",
                                                        "ACME_READER_PASSWORD",
                                                        "ACME_READER_REPLICATION",
                                                        "ACME_READER_USER",
                                                        "ACME_REPORTS_GID",
                                                        "ACME_REPORTS_UID",
                                                        "ACME_SOURCE_OWNER_PASSWORD",
                                                        "ACME_SOURCE_OWNER_USER",
                                                        "ACME_WRITER_PASSWORD",
                                                        "ACME_WRITER_USER"};
  std::set<std::string> m_asked;
  EnvLookup m_env;
  std::map<std::string, std::string> m_dotenv;
  std::string m_dotenv_path;
  std::map<std::string, std::string>& m_origin;
};

// "ACME_LOCK_WAIT (--lock-wait)": a setting's variable and its flag, for error messages. Every
// flag is its variable's name without ACME_, in lower case, with dashes.
std::string setting(const char* var) {
  std::string flag = "--";
  for (const char* ch = var + (std::string_view(var).rfind("ACME_", 0) == 0 ? 5 : 0); *ch != '\0';
       ++ch) {
    flag += *ch == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(*ch)));
  }
  return fmt::format("{} ({})", var, flag);
}

// A decimal integer in [min, max]: no sign-less wrap-around, no hex or octal.
long parse_long(const char* var, const std::string& value, long min, long max) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || errno != 0 || v < min || v > max) {
    throw UsageError(fmt::format("{} must be an integer from {} to {}, got '{}'", setting(var), min,
                                 max, value));
  }
  return v;
}

// Seconds in [min_seconds, max_seconds], fractions allowed, as milliseconds. Only a plain
// decimal number: strtod's hexadecimal floats, infinities and NaN are refused.
std::chrono::milliseconds parse_seconds(const char* var, const std::string& value,
                                        double max_seconds, double min_seconds = 0) {
  char* end = nullptr;
  const double v = std::strtod(value.c_str(), &end);
  const bool plain = value.find_first_not_of("0123456789.+-eE") == std::string::npos;
  if (value.empty() || !plain || *end != '\0' || !std::isfinite(v) || v < min_seconds ||
      v > max_seconds) {
    throw UsageError(fmt::format("{} must be a number of seconds from {} to {}, got '{}'",
                                 setting(var), min_seconds, max_seconds, value));
  }
  return std::chrono::milliseconds(std::llround(v * 1000.0));
}

std::vector<std::string> split_list(const std::string& value) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= value.size()) {
    auto comma = value.find(',', start);
    if (comma == std::string::npos) {
      comma = value.size();
    }
    std::string item = value.substr(start, comma - start);
    const auto b = item.find_first_not_of(" \t");
    const auto e = item.find_last_not_of(" \t");
    if (b != std::string::npos) {
      out.push_back(item.substr(b, e - b + 1));
    }
    start = comma + 1;
  }
  return out;
}

} // namespace

std::optional<std::string> process_env(const char* name) {
  const char* v = std::getenv(name); // NOLINT(concurrency-mt-unsafe): read before threads start
  if (v == nullptr) {
    return std::nullopt;
  }
  return std::string(v);
}

std::optional<double> cgroup_cpu_limit() {
  // cgroup v2: "max 100000" (no limit) or "<quota> <period>".
  if (std::ifstream f{"/sys/fs/cgroup/cpu.max"}) {
    std::string quota;
    double period = 0;
    if (f >> quota >> period && quota != "max" && period > 0) {
      return std::stod(quota) / period;
    }
    return std::nullopt;
  }
  // cgroup v1: a quota of -1 means none.
  std::ifstream q{"/sys/fs/cgroup/cpu/cpu.cfs_quota_us"};
  std::ifstream p{"/sys/fs/cgroup/cpu/cpu.cfs_period_us"};
  double quota = -1;
  double period = 0;
  if (q >> quota && p >> period && quota > 0 && period > 0) {
    return quota / period;
  }
  return std::nullopt;
}

int default_jobs() {
  double cpus = std::max(1U, std::thread::hardware_concurrency());
  if (const auto limit = cgroup_cpu_limit()) {
    cpus = std::min(cpus, std::max(1.0, std::floor(*limit)));
  }
  return static_cast<int>(std::clamp(cpus, 1.0, static_cast<double>(k_default_jobs_cap)));
}

std::vector<std::string> Config::secrets() const {
  auto out = dsn_secrets(source_dsn);
  auto more = dsn_secrets(target_dsn);
  out.insert(out.end(), more.begin(), more.end());
  if (!api_token.empty()) {
    out.push_back(api_token);
  }
  return out;
}

void check_identifier(const std::string& name, const std::string& value) {
  if (value.empty() || value.size() > 63 || value.find('\0') != std::string::npos) {
    throw UsageError(
        fmt::format("{} must be a PostgreSQL identifier of 1 to 63 bytes, got '{}'", name, value));
  }
}

namespace {

// The env file to read: --env-file, else ACME_ENV_FILE, else .env. A file the user named must
// exist; the default one may not.
std::string env_file_path(const Overrides& flags, EnvLookup env) {
  std::string env_file = ".env";
  bool explicit_file = false;
  if (flags.env_file) {
    env_file = *flags.env_file;
    explicit_file = true;
  } else if (auto v = env("ACME_ENV_FILE")) {
    env_file = *v;
    explicit_file = true;
  }
  if (explicit_file && !std::ifstream(env_file)) {
    throw UsageError(fmt::format("cannot read the env file '{}' ({}): check --env-file / "
                                 "ACME_ENV_FILE",
                                 env_file, flags.env_file ? "--env-file" : "ACME_ENV_FILE"));
  }
  return env_file;
}

// The databases and their schemas.
void resolve_connections(Resolver& r, const Overrides& flags, Config& c) {
  if (auto v = r.get("ACME_SOURCE_DSN", flags.source_dsn)) {
    c.source_dsn = *v;
  }
  if (auto v = r.get("ACME_TARGET_DSN", flags.target_dsn)) {
    c.target_dsn = *v;
  }
  if (auto v = r.get("ACME_SOURCE_SCHEMA", flags.source_schema)) {
    c.source_schema = *v;
  }
  if (auto v = r.get("ACME_TARGET_SCHEMA", flags.target_schema)) {
    c.target_schema = *v;
  }
}

void resolve_logging(Resolver& r, const Overrides& flags, Config& c) {
  if (auto v = r.get("ACME_LOG_LEVEL", flags.log_level)) {
    c.log_level = *v;
  }
  if (auto v = r.get("ACME_LOG_FORMAT", flags.log_format)) {
    c.log_format = *v;
  }
  if (auto v = r.get("ACME_LOG_DIR", flags.log_dir)) {
    c.log_dir = *v;
  }
}

// What a sync computes and how it reads: closed statuses, batches, the late-commit window and
// time zone, cadences and waits, history retention, parallel jobs.
void resolve_sync(Resolver& r, const Overrides& flags, Config& c) {
  if (auto v = r.get("ACME_CLOSED_STATUSES", flags.closed_statuses)) {
    c.closed_statuses = split_list(*v);
  }
  if (auto v = r.get("ACME_BATCH_SIZE", flags.batch_size)) {
    c.batch_size = parse_long("ACME_BATCH_SIZE", *v, 1, 100000000);
  }
  if (auto v = r.get("ACME_LATE_COMMIT_LOOKBACK", flags.lookback)) {
    c.lookback = parse_seconds("ACME_LATE_COMMIT_LOOKBACK", *v, 30.0 * 24 * 3600);
  }
  if (auto v = r.get("ACME_SOURCE_TIMEZONE", flags.source_timezone)) {
    c.source_timezone = *v;
  }
  if (auto v = r.get("ACME_RECONCILE_EVERY", flags.reconcile_every)) {
    c.reconcile_every = static_cast<int>(parse_long("ACME_RECONCILE_EVERY", *v, 1, 1000000));
  }
  if (auto v = r.get("ACME_LOCK_WAIT", flags.lock_wait)) {
    c.lock_wait = parse_seconds("ACME_LOCK_WAIT", *v, 3600);
  }
  if (auto v = r.get("ACME_POLLING_INTERVAL", flags.polling_interval)) {
    c.polling_interval = parse_seconds("ACME_POLLING_INTERVAL", *v, 86400, 0.01);
  }
  if (auto v = r.get("ACME_HISTORY_DAYS", flags.history_days)) {
    if (!v->empty()) {
      c.history_days = static_cast<int>(parse_long("ACME_HISTORY_DAYS", *v, 1, 100000));
    }
  }
  if (auto v = r.get("ACME_JOBS", flags.jobs)) {
    if (!v->empty()) { // empty: the default
      c.jobs = static_cast<int>(parse_long("ACME_JOBS", *v, 1, 64));
    }
  }
}

// The mode and the stream's settings, and the sync age acme status accepts (a CDC stream's
// position or heartbeat counts as a sync). ACME_MAX_SYNC_AGE is read before ACME_CDC_SLOT_WAIT
// so that, both being invalid, the error reported is ACME_MAX_SYNC_AGE's.
void resolve_cdc(Resolver& r, const Overrides& flags, Config& c) {
  if (auto v = r.get("ACME_MODE", flags.mode)) {
    if (*v != "poll" && *v != "cdc") {
      throw UsageError(
          fmt::format("{} must be 'poll' or 'cdc', got '{}'", setting("ACME_MODE"), *v));
    }
    c.mode = *v == "cdc" ? SyncMode::cdc : SyncMode::poll;
  }
  if (auto v = r.get("ACME_CDC_SLOT", flags.cdc_slot)) {
    c.cdc_slot = *v;
  }
  if (auto v = r.get("ACME_CDC_PUBLICATION", flags.cdc_publication)) {
    c.cdc_publication = *v;
  }
  if (auto v = r.get("ACME_CDC_FLUSH_MS", flags.cdc_flush_ms)) {
    c.cdc_flush = std::chrono::milliseconds(parse_long("ACME_CDC_FLUSH_MS", *v, 0, 60000));
  }
  if (auto v = r.get("ACME_CDC_RECEIVE_TIMEOUT", flags.cdc_receive_timeout)) {
    c.cdc_receive_timeout = parse_seconds("ACME_CDC_RECEIVE_TIMEOUT", *v, 3600, 0.1);
  }
  if (auto v = r.get("ACME_MAX_SYNC_AGE", flags.max_sync_age)) {
    if (!v->empty()) { // empty: the default
      c.max_sync_age = parse_seconds("ACME_MAX_SYNC_AGE", *v, 30 * 86400.0, 1);
    }
  }
  if (auto v = r.get("ACME_CDC_SLOT_WAIT", flags.cdc_slot_wait)) {
    c.cdc_slot_wait = parse_seconds("ACME_CDC_SLOT_WAIT", *v, 86400, 1);
  }
}

// Names acme passes to the servers: the slot, the publication, the schemas, and the DSNs' syntax.
void validate_names(const Config& c) {
  for (const char ch : c.cdc_slot) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) {
      throw UsageError(fmt::format("{} may contain only a-z, 0-9 and _ (PostgreSQL "
                                   "slot names), got '{}'",
                                   setting("ACME_CDC_SLOT"), c.cdc_slot));
    }
  }
  for (const auto& [var, dsn] :
       {std::pair{"ACME_SOURCE_DSN", &c.source_dsn}, std::pair{"ACME_TARGET_DSN", &c.target_dsn}}) {
    if (dsn->empty()) {
      continue; // required only by the commands that connect (require_source/require_target)
    }
    if (auto why = dsn_syntax_error(*dsn)) {
      throw UsageError(fmt::format("{} is not a libpq connection string: {}", setting(var), *why));
    }
  }
  check_identifier(setting("ACME_CDC_SLOT"), c.cdc_slot);
  check_identifier(setting("ACME_CDC_PUBLICATION"), c.cdc_publication);
  check_identifier(setting("ACME_SOURCE_SCHEMA"), c.source_schema);
  check_identifier(setting("ACME_TARGET_SCHEMA"), c.target_schema);
}

// acme serve's settings. The token is read from the environment or .env only (no flag).
void resolve_api(Resolver& r, const Overrides& flags, Config& c) {
  if (auto v = r.get("ACME_API_LISTEN", flags.api_listen)) {
    c.api_listen = *v; // checked by the serve command, with the token rule
  }
  if (auto v = r.get("ACME_API_TOKEN", std::optional<std::string>())) {
    c.api_token = *v;
  }
  if (auto v = r.get("ACME_API_THREADS", flags.api_threads)) {
    c.api_threads = static_cast<int>(parse_long("ACME_API_THREADS", *v, 1, 256));
  }
  if (auto v = r.get("ACME_API_POOL_SIZE", flags.api_pool_size)) {
    c.api_pool_size = static_cast<int>(parse_long("ACME_API_POOL_SIZE", *v, 1, 64));
  }
  if (auto v = r.get("ACME_API_STATEMENT_TIMEOUT", flags.api_statement_timeout)) {
    c.api_statement_timeout = parse_seconds("ACME_API_STATEMENT_TIMEOUT", *v, 3600, 0.01);
  }
  // PEM paths, both or neither (checked by the serve command); an empty value is unset.
  if (auto v = r.get("ACME_API_TLS_CERT", flags.api_tls_cert)) {
    c.api_tls_cert = *v;
  }
  if (auto v = r.get("ACME_API_TLS_KEY", flags.api_tls_key)) {
    c.api_tls_key = *v;
  }
}

void validate_logging(const Config& c) {
  if (c.log_format != "text" && c.log_format != "json") {
    throw UsageError(fmt::format("{} must be 'text' or 'json', got '{}'",
                                 setting("ACME_LOG_FORMAT"), c.log_format));
  }
  static const char* const levels[] = {"trace", "debug",    "info", "warn",
                                       "error", "critical", "off"};
  bool level_ok = false;
  for (const char* l : levels) {
    level_ok = level_ok || c.log_level == l;
  }
  if (!level_ok) {
    throw UsageError(
        fmt::format("{} must be one of trace, debug, info, warn, error, critical, off; got '{}'",
                    setting("ACME_LOG_LEVEL"), c.log_level));
  }
}

} // namespace

Config load(const Overrides& flags, EnvLookup env) {
  Config c;
  const std::string env_file = env_file_path(flags, env);
  Resolver r(env, load_dotenv_file(env_file), env_file, c.origin);
  resolve_connections(r, flags, c);
  resolve_logging(r, flags, c);
  resolve_sync(r, flags, c);
  if (auto v = r.get("ACME_METRICS_ADDRESS", flags.metrics_address)) {
    c.metrics_address = *v; // checked by obs::serve_metrics, before any connection
  }
  if (auto v = r.get("ACME_QUALITY_RULES", flags.quality_rules)) {
    c.quality_rules = *v; // read and checked by acme quality (quality::load_rules)
  }
  resolve_cdc(r, flags, c);
  resolve_api(r, flags, c);
  validate_names(c);
  validate_logging(c);
  for (const auto& key : r.unknown_keys()) {
    c.ignored.push_back(fmt::format("{}: {} is not an acme setting and is ignored", env_file, key));
  }
  if (c.closed_statuses.empty()) {
    throw UsageError(setting("ACME_CLOSED_STATUSES") + " must name at least one status");
  }
  return c;
}

void require_source(const Config& config) {
  if (config.source_dsn.empty()) {
    throw UsageError("no source database configured: set ACME_SOURCE_DSN (environment or .env) "
                     "or pass --source-dsn");
  }
}

void require_target(const Config& config) {
  if (config.target_dsn.empty()) {
    throw UsageError("no target database configured: set ACME_TARGET_DSN (environment or .env) "
                     "or pass --target-dsn");
  }
}

} // namespace acme::config
