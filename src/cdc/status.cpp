#include "acme/cdc/status.hpp"

#include "acme/db/connection.hpp"
#include "acme/sql/embedded.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>

namespace acme::cdc {
namespace {

nlohmann::json text_or_null(const pqxx::field& f) {
  return f.is_null() ? nlohmann::json(nullptr) : nlohmann::json(f.as<std::string>());
}

nlohmann::json int_or_null(const pqxx::field& f) {
  return f.is_null() ? nlohmann::json(nullptr) : nlohmann::json(f.as<long long>());
}

std::string bytes(long long n) {
  constexpr double k_mb = 1024.0 * 1024.0;
  if (n < 1024LL * 1024) {
    return fmt::format("{} bytes", n);
  }
  return fmt::format("{} bytes ({:.1f} MB)", n, static_cast<double>(n) / k_mb);
}

std::string basis_text(const std::string& basis) {
  if (basis == "flush_lag") {
    return "the walsender's flush_lag: from WAL written to acme's confirmation";
  }
  if (basis == "caught_up") {
    return "caught up: acme confirmed everything the walsender sent";
  }
  return "age of the last flush that applied source commits: an upper bound, idle time counts";
}

} // namespace

namespace {

// The slot's row (sql/source/cdc_slot_status.sql) into `j`, with the lag and what it is based on:
// the walsender's flush_lag, caught up, or the age of the last applying flush (`applied_age`).
void slot_fields(const pqxx::row& s, const std::optional<double>& applied_age, nlohmann::json& j) {
  const bool active = s["active"].as<bool>();
  j["active"] = active;
  j["active_pid"] = int_or_null(s["active_pid"]);
  j["confirmed_flush_lsn"] = text_or_null(s["confirmed_flush_lsn"]);
  j["lag_bytes"] = int_or_null(s["lag_bytes"]);
  j["retained_bytes"] = int_or_null(s["retained_bytes"]);
  j["wal_status"] = text_or_null(s["wal_status"]);
  j["safe_wal_size"] = int_or_null(s["safe_wal_size"]);
  if (active && !s["flush_lag"].is_null()) {
    j["lag_seconds"] = s["flush_lag"].as<double>();
    j["lag_basis"] = "flush_lag";
  } else if (active && s["caught_up"].as<bool>()) {
    j["lag_seconds"] = 0.0;
    j["lag_basis"] = "caught_up";
  } else if (applied_age) {
    j["lag_seconds"] = *applied_age;
    j["lag_basis"] = "last_applied_flush";
  }
}

// What an operator must know about the slot: missing, invalidated or about to be, left behind
// by a polling acme, or retaining WAL without limit.
void slot_warnings(const config::Config& config, const std::optional<pqxx::row>& slot,
                   bool cdc_mode, const std::string& max_slot_wal_keep_size,
                   nlohmann::json& warnings) {
  if (!slot) {
    warnings.push_back(fmt::format("replication slot '{}' does not exist on the source: the "
                                   "next cdc start creates it and re-snapshots",
                                   config.cdc_slot));
    return; // no slot: nothing retains WAL
  }
  const std::string wal_status = (*slot)["wal_status"].as<std::string>("");
  if (wal_status == "lost") {
    warnings.push_back(
        fmt::format("replication slot '{}' is invalidated (wal_status lost: it retained more than "
                    "max_slot_wal_keep_size): the next cdc start re-creates it and re-snapshots",
                    config.cdc_slot));
  } else if (wal_status == "unreserved") {
    warnings.push_back(fmt::format(
        "replication slot '{}' is about to be invalidated (wal_status unreserved: it retains "
        "more than max_slot_wal_keep_size)",
        config.cdc_slot));
  }
  if (!cdc_mode) {
    warnings.push_back(fmt::format(
        "acme is polling, but replication slot '{}' still exists and retains WAL on the "
        "source: run acme in cdc mode again, or drop it (acme cdc drop-slot)",
        config.cdc_slot));
  }
  if (max_slot_wal_keep_size == "-1") {
    warnings.push_back(fmt::format(
        "max_slot_wal_keep_size = -1: the source retains WAL for slot '{}' without limit, so a "
        "stopped or lagging acme can fill the source's disk; set max_slot_wal_keep_size, and "
        "drop the slot when CDC is no longer used (acme cdc drop-slot)",
        config.cdc_slot));
  }
}

} // namespace

std::optional<nlohmann::json> read_status(const config::Config& config,
                                          pqxx::transaction_base& target) {
  const auto q = [&](const char* t) { return db::qualify(config.target_schema, t); };
  const auto state = target.exec_params(
      db::with_schema(sql::etl_state_load_cdc, config.target_schema), config.cdc_slot);
  if (state.empty()) {
    return std::nullopt;
  }
  nlohmann::json j;
  const auto last =
      target.exec("SELECT mode FROM " + q("acme_runs") + " ORDER BY run_id DESC LIMIT 1");
  const bool cdc_mode =
      !last.empty() && !last[0][0].is_null() && last[0][0].as<std::string>().rfind("cdc", 0) == 0;
  j["mode"] = cdc_mode ? "cdc" : "poll";
  j["slot"] = config.cdc_slot;
  j["publication"] = config.cdc_publication;
  j["applied_lsn"] = state[0][0].as<std::string>();
  j["needs_snapshot"] = state[0][1].as<bool>();
  // The last flush that applied source commits (or the snapshot hand-off): the target was
  // complete up to the source as of then.
  const auto applied =
      target.exec(db::with_schema(sql::etl_state_last_cdc_applied, config.target_schema));
  j["last_applied_at"] = applied.empty() ? nlohmann::json(nullptr) : text_or_null(applied[0][0]);
  const std::optional<double> applied_age = applied.empty() || applied[0][1].is_null()
                                                ? std::nullopt
                                                : std::optional<double>(applied[0][1].as<double>());
  for (const char* key :
       {"active", "active_pid", "confirmed_flush_lsn", "lag_bytes", "retained_bytes", "lag_seconds",
        "lag_basis", "wal_status", "safe_wal_size", "max_slot_wal_keep_size"}) {
    j[key] = nullptr;
  }
  j["slot_exists"] = nullptr;
  j["warnings"] = nlohmann::json::array();
  if (config.source_dsn.empty()) {
    j["source_error"] = "no source database configured (ACME_SOURCE_DSN or --source-dsn)";
    return j;
  }
  try {
    auto source = db::connect(config.source_dsn, "source", "acme status");
    pqxx::read_transaction stx(*source);
    const auto keep =
        stx.exec("SELECT current_setting('max_slot_wal_keep_size')")[0][0].as<std::string>();
    j["max_slot_wal_keep_size"] = keep;
    const auto r = stx.exec_params(std::string(sql::source_cdc_slot_status), config.cdc_slot);
    j["slot_exists"] = !r.empty();
    if (!r.empty()) {
      slot_fields(r[0], applied_age, j);
    }
    slot_warnings(config, r.empty() ? std::nullopt : std::optional<pqxx::row>(r[0]), cdc_mode, keep,
                  j["warnings"]);
    stx.commit();
  } catch (const std::exception& e) {
    j["source_error"] = e.what();
  }
  return j;
}

std::string format_status(const nlohmann::json& j) {
  const auto str = [](const nlohmann::json& v) {
    return v.is_null() ? std::string("-") : v.get<std::string>();
  };
  std::string out = fmt::format(
      "cdc:             mode {}, slot {} (publication {}), applied to the "
      "target up to {}{}\n",
      str(j["mode"]), str(j["slot"]), str(j["publication"]), str(j["applied_lsn"]),
      j["needs_snapshot"].get<bool>() ? "; the next cdc start takes a fresh snapshot (polling "
                                        "ran, or the slot was dropped, since)"
                                      : "");
  if (j.contains("source_error")) {
    out += "  slot:          unknown (" + j["source_error"].get<std::string>() + ")\n";
  } else if (j["slot_exists"].get<bool>()) {
    out += fmt::format(
        "  slot:          {}, confirmed_flush_lsn {}\n",
        j["active"].get<bool>()
            ? fmt::format("active (pid {})", j["active_pid"].is_null()
                                                 ? std::string("?")
                                                 : std::to_string(j["active_pid"].get<long long>()))
            : std::string("inactive"),
        str(j["confirmed_flush_lsn"]));
    out += fmt::format(
        "  lag:           {}, {}\n",
        j["lag_bytes"].is_null() ? std::string("- bytes") : bytes(j["lag_bytes"].get<long long>()),
        j["lag_seconds"].is_null() ? std::string("- s")
                                   : fmt::format("{:.3f} s ({})", j["lag_seconds"].get<double>(),
                                                 basis_text(str(j["lag_basis"]))));
    out += fmt::format("  wal:           wal_status {}, safe_wal_size {}, retained {}, "
                       "max_slot_wal_keep_size {}\n",
                       str(j["wal_status"]),
                       j["safe_wal_size"].is_null() ? std::string("unlimited")
                                                    : bytes(j["safe_wal_size"].get<long long>()),
                       j["retained_bytes"].is_null() ? std::string("-")
                                                     : bytes(j["retained_bytes"].get<long long>()),
                       str(j["max_slot_wal_keep_size"]));
  }
  for (const auto& w : j["warnings"]) {
    out += "  WARNING:       " + w.get<std::string>() + "\n";
  }
  return out;
}

} // namespace acme::cdc
