// acme's settings: the command-line overrides, the resolved Config (flags > environment > .env >
// defaults) and load(), and the checks that the required DSNs and identifiers are set and valid.
#pragma once

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace acme::config {

// One setting as the user may give it: a flag value (highest precedence) if any.
struct Overrides {
  std::optional<std::string> source_dsn;
  std::optional<std::string> target_dsn;
  std::optional<std::string> source_schema;
  std::optional<std::string> target_schema;
  std::optional<std::string> log_level;
  std::optional<std::string> log_format;
  std::optional<std::string> log_dir;
  std::optional<std::string> env_file;
  std::optional<std::string> closed_statuses;
  std::optional<std::string> batch_size;
  std::optional<std::string> lookback;
  std::optional<std::string> source_timezone;
  std::optional<std::string> reconcile_every;
  std::optional<std::string> lock_wait;
  std::optional<std::string> polling_interval;
  std::optional<std::string> mode;
  std::optional<std::string> cdc_slot;
  std::optional<std::string> cdc_publication;
  std::optional<std::string> cdc_flush_ms;
  std::optional<std::string> cdc_receive_timeout;
  std::optional<std::string> cdc_slot_wait;
  std::optional<std::string> max_sync_age;
  std::optional<std::string> history_days;
  std::optional<std::string> jobs;
  std::optional<std::string> metrics_address;
  std::optional<std::string> api_listen;
  std::optional<std::string> api_threads;
  std::optional<std::string> api_pool_size;
  std::optional<std::string> api_statement_timeout;
  std::optional<std::string> api_tls_cert;
  std::optional<std::string> api_tls_key;
  std::optional<std::string> quality_rules;
};

// Where changes come from: polling the source tables, or the logical replication stream.
enum class SyncMode { poll, cdc };

// The default of ACME_JOBS: the CPUs acme may use (the host's cores, or fewer under a cgroup CPU
// quota, as in a container with --cpus), at most k_default_jobs_cap. Each job is a source
// session reading with work_mem 128 MB: the default must not overwhelm a production source.
inline constexpr int k_default_jobs_cap = 4;
int default_jobs();
// The CPU quota of acme's cgroup in CPUs (v2 cpu.max or v1 cfs quota), nullopt when unlimited.
std::optional<double> cgroup_cpu_limit();

// The resolved configuration: flags > environment > .env > defaults.
struct Config {
  std::string source_dsn;
  std::string target_dsn;
  std::string source_schema = "operations";
  std::string target_schema = "analytics";
  std::string log_level = "info";
  std::string log_format = "text"; // text | json
  std::string log_dir;             // empty: no log file
  std::vector<std::string> closed_statuses{"COMPLETED", "CANCELLED"};
  long batch_size = 500000;                          // rows per table per incremental batch
  std::chrono::milliseconds lookback{120000};        // late-commit window when sessions are hidden
  std::string source_timezone;                       // empty: the source server's TimeZone
  int reconcile_every = 30;                          // continuous mode: key reconciliation cadence
  std::chrono::milliseconds lock_wait{10000};        // how long to wait for another writer's lock
  std::chrono::milliseconds polling_interval{10000}; // continuous poll mode: cycle start to start
  SyncMode mode = SyncMode::poll;
  std::string cdc_slot = "acme";                   // the replication slot acme creates and owns
  std::string cdc_publication = "cdc_publication"; // the publication it streams
  std::chrono::milliseconds cdc_flush{0}; // least time between the starts of two CDC flushes
  // A stream silent this long (no data, no keepalive) is dead: reconnect (wal_receiver_timeout).
  std::chrono::milliseconds cdc_receive_timeout{60000};
  // How long a start waits for its slot: held by another process (a previous walsender that has
  // not exited yet), or being created behind transactions that were open when creation began.
  std::chrono::milliseconds cdc_slot_wait{120000};
  // acme status fails once the newest successful sync (a committed cycle, or a CDC stream's
  // stored position or heartbeat) is older than this; empty: max(300 s, 3 polling intervals).
  std::optional<std::chrono::milliseconds> max_sync_age;
  std::chrono::milliseconds effective_max_sync_age() const {
    return max_sync_age.value_or(std::max<std::chrono::milliseconds>(
        std::chrono::milliseconds(300000), polling_interval * 3));
  }
  std::string metrics_address;     // run-continuous-etl: HOST:PORT serving /metrics; empty: off
  std::optional<int> history_days; // prune closed history intervals older than this; empty: keep
  int jobs = default_jobs();       // connections per side of a full load (parallel COPY, indexes)
  // acme serve: where it listens, its bearer token (environment or .env only: never a flag,
  // which `ps` shows), request threads, target sessions and their statement timeout, and its
  // TLS certificate and key (PEM files; both empty: plain HTTP).
  std::string api_listen = "127.0.0.1:8080";
  std::string api_token;
  int api_threads = 8;
  int api_pool_size = 4;
  std::chrono::milliseconds api_statement_timeout{5000};
  std::string api_tls_cert;
  std::string api_tls_key;
  std::string quality_rules; // acme quality: the rules file (JSON); empty: built-in defaults
  std::map<std::string, std::string> origin; // setting name -> where it came from
  std::vector<std::string> ignored;          // the .env's unknown ACME_* keys, to warn about

  // Every password contained in a configured DSN, and the API token, for redaction.
  std::vector<std::string> secrets() const;
};

// Where a lookup reads the environment from; injectable so tests need no setenv.
using EnvLookup = std::optional<std::string> (*)(const char* name);

// The process environment (getenv).
std::optional<std::string> process_env(const char* name);

// Resolves all settings. Throws UsageError on a malformed .env or an invalid value.
Config load(const Overrides& flags, EnvLookup env = &process_env);

// Throws UsageError naming the variable and the flag unless the DSN(s) are set.
void require_source(const Config& config);
void require_target(const Config& config);

// Validates a PostgreSQL identifier given as a setting (non-empty, at most 63 bytes, no NUL).
void check_identifier(const std::string& name, const std::string& value);

} // namespace acme::config
