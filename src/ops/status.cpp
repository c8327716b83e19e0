#include "acme/ops/status.hpp"

#include "acme/cdc/status.hpp"
#include "acme/db/connection.hpp"
#include "acme/db/migrator.hpp"
#include "acme/db/writer_lock.hpp"
#include "acme/etl/cursor.hpp"
#include "acme/log/logging.hpp"
#include "acme/quality/evaluator.hpp"
#include "acme/sql/embedded.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>

namespace acme::ops {
namespace {

nlohmann::json field(const pqxx::field& f) {
  if (f.is_null()) {
    return nullptr;
  }
  return f.as<std::string>();
}

nlohmann::json run_json(const pqxx::row& r) {
  nlohmann::json j;
  j["run_id"] = r["run_id"].as<long long>();
  j["started_at"] = field(r["started_at"]);
  j["finished_at"] = field(r["finished_at"]);
  j["mode"] = field(r["mode"]);
  j["status"] = field(r["status"]);
  j["horizon_kind"] = field(r["horizon_kind"]);
  j["horizon"] = field(r["horizon"]);
  j["rows"] = r["rows"].is_null() ? nlohmann::json(nullptr)
                                  : nlohmann::json::parse(r["rows"].as<std::string>());
  j["error"] = field(r["error"]);
  return j;
}

// The cursor's format as a quoted literal, for {ts_format}.
std::string ts_format() {
  return "'" + std::string(etl::k_ts_format) + "'";
}

// Each table's cursor and when it was last read whole and reconciled.
nlohmann::json table_cursors(pqxx::transaction_base& tx, const std::string& schema) {
  auto tables = nlohmann::json::object();
  for (const auto& r :
       tx.exec(db::render(sql::ops_status_cursors,
                          {{"ts_format", ts_format()}, {"schema", db::quote_ident(schema)}}))) {
    nlohmann::json t;
    t["cursor_updated_at"] = field(r["cursor_ts"]);
    t["cursor_key"] = r["cursor_pk"].is_null() ? nlohmann::json(nullptr)
                                               : nlohmann::json(r["cursor_pk"].as<long long>());
    t["last_full_read_at"] = field(r["last_full_at"]);
    t["last_reconciled_at"] = field(r["last_reconciled_at"]);
    tables[r["table_name"].as<std::string>()] = t;
  }
  return tables;
}

// Fresh: the newest proof that acme syncs. A successful cycle; in CDC mode also the stream's
// stored position, which an idle stream refreshes (a heartbeat) while it has nothing to apply.
// Older than the allowed age: stale and unhealthy, with the writer lock's holder if any.
void freshness(Status& s, pqxx::transaction_base& tx, const config::Config& config, int version) {
  auto& j = s.report;
  const std::string schema = db::quote_ident(config.target_schema);
  const std::string cdc_seen =
      version >= 3 ? db::render(sql::ops_status_cdc_seen,
                                {{"schema", schema}, {"slot", tx.quote(config.cdc_slot)}})
                   : std::string("NULL::timestamptz");
  const auto fresh = tx.exec(
      db::render(sql::ops_status_sync_age, {{"schema", schema}, {"cdc_seen", cdc_seen}}))[0][0];
  const double max_age = std::chrono::duration<double>(config.effective_max_sync_age()).count();
  j["max_sync_age_seconds"] = max_age;
  j["sync_age_seconds"] =
      fresh.is_null() ? nlohmann::json(nullptr) : nlohmann::json(fresh.as<double>());
  if (!fresh.is_null() && fresh.as<double>() > max_age) {
    s.healthy = false;
    s.stale = true;
    j["stale"] = true;
    if (auto holder = db::writer_lock_holder(tx, config.target_schema)) {
      j["writer_lock_holder"] = *holder;
      s.lock_holder = *holder;
    }
  }
}

// The history tables' sizes (all their partitions) and retention (migration 4 on).
nlohmann::json history(pqxx::transaction_base& tx, const config::Config& config) {
  const auto q = [&](const char* t) { return db::qualify(config.target_schema, t); };
  const auto h =
      tx.exec_params(db::with_schema(sql::ops_status_history, config.target_schema),
                     q("analytical_order_status_history"), q("analytical_customer_history"))[0];
  return {{"status_intervals", h["statuses"].as<long long>()},
          {"open_status_intervals", h["open_statuses"].as<long long>()},
          {"customer_versions", h["customers"].as<long long>()},
          {"bytes", h["bytes"].as<long long>()},
          {"retention_days", config.history_days ? nlohmann::json(*config.history_days)
                                                 : nlohmann::json("keep all")}};
}

// The prepared transactions that pin the cursors (migration 2 on), oldest pin first.
nlohmann::json prepared_transactions(pqxx::transaction_base& tx, const std::string& schema) {
  auto out = nlohmann::json::array();
  for (const auto& r : tx.exec(db::with_schema(sql::ops_status_prepared_transactions, schema))) {
    out.push_back({{"gid", r["gid"].as<std::string>()},
                   {"prepared_at", r["prepared_at"].as<std::string>()},
                   {"pinning_since", r["first_seen"].as<std::string>()}});
  }
  return out;
}

// How far the last successful sync's horizon is behind the source's clock, or why that is unknown.
void source_lag(nlohmann::json& j, const config::Config& config, const pqxx::result& ok) {
  j["lag_seconds"] = nullptr;
  if (config.source_dsn.empty()) {
    // Never fall back to libpq's defaults: that would measure some other database.
    j["source_error"] = "no source database configured (ACME_SOURCE_DSN or --source-dsn)";
  } else if (!ok.empty() && !ok[0]["horizon"].is_null()) {
    try {
      auto source = db::connect(config.source_dsn, "source", "acme status");
      pqxx::nontransaction stx(*source);
      const auto r = stx.exec_params(std::string(sql::source_status_lag), config.source_timezone,
                                     ok[0]["horizon"].as<std::string>());
      j["lag_seconds"] = r[0][0].as<double>();
    } catch (const std::exception& e) {
      j["source_error"] = e.what();
    }
  }
}

// The last quality run's score, or that there is none.
std::string quality_line(const nlohmann::json& q) {
  if (q.is_null()) {
    return "quality:         never evaluated (acme quality)\n";
  }
  const int failed = q["rules_failed"].get<int>();
  return fmt::format(
      "quality:         score {} (quality run #{}, finished {}{})\n",
      q["score"].is_null() ? std::string("-") : fmt::format("{:.2f}", q["score"].get<double>()),
      q["run_id"].get<long long>(), q["finished_at"].get<std::string>(),
      failed == 0 ? std::string() : fmt::format("; {} rule(s) could not be evaluated", failed));
}

} // namespace

Status read_status(const config::Config& config) {
  Status s;
  auto& j = s.report;
  j["target_schema"] = config.target_schema;
  auto target = db::connect(config.target_dsn, "target", "acme status");
  const int version = db::current_version(*target, config.target_schema);
  j["migration_version"] = version;
  if (version == 0) {
    j["state"] = "never synced: the target schema does not exist yet (run acme run-etl)";
    j["tables"] = nlohmann::json::object();
    return s;
  }
  pqxx::nontransaction tx(*target);
  j["tables"] = table_cursors(tx, config.target_schema);
  const std::string run_sql =
      db::render(sql::ops_status_run,
                 {{"schema", db::quote_ident(config.target_schema)}, {"ts_format", ts_format()}});
  const auto last = tx.exec_params(run_sql, false);
  const auto ok = tx.exec_params(run_sql, true);
  j["last_run"] = last.empty() ? nlohmann::json(nullptr) : run_json(last[0]);
  j["last_success"] = ok.empty() ? nlohmann::json(nullptr) : run_json(ok[0]);
  s.healthy = !last.empty() && last[0]["status"].as<std::string>() == "succeeded";
  freshness(s, tx, config, version);
  if (!ok.empty()) {
    j["late_commit_horizon"] =
        ok[0]["horizon_kind"].is_null() ? "unknown" : ok[0]["horizon_kind"].as<std::string>();
  }
  if (version >= 4) {
    j["history"] = history(tx, config);
  }
  if (version >= 10) {
    j["quality"] = quality::last_run(tx, config.target_schema);
  }
  j["prepared_transactions"] =
      version >= 2 ? prepared_transactions(tx, config.target_schema) : nlohmann::json::array();
  if (version >= 3) {
    if (auto cdc = cdc::read_status(config, tx)) {
      j["cdc"] = std::move(*cdc);
    }
  }
  source_lag(j, config, ok);
  return s;
}

std::string format_status(const nlohmann::json& j) {
  std::string out =
      fmt::format("target schema:   {} (migration {})\n", j["target_schema"].get<std::string>(),
                  j["migration_version"].get<int>());
  if (j.contains("state")) {
    return out + "state:           " + j["state"].get<std::string>() + "\n";
  }
  auto str = [](const nlohmann::json& v) {
    return v.is_null() ? std::string("-") : v.get<std::string>();
  };
  const auto& last = j["last_run"];
  if (last.is_null()) {
    out += "last run:        none\n";
  } else {
    out += fmt::format("last run:        #{} {} {} (started {}, finished {})\n",
                       last["run_id"].get<long long>(), str(last["mode"]), str(last["status"]),
                       str(last["started_at"]), str(last["finished_at"]));
    if (!last["error"].is_null()) {
      out += "  error:         " + last["error"].get<std::string>() + "\n";
    }
  }
  const auto& ok = j["last_success"];
  if (!ok.is_null()) {
    // A CDC run has no horizon: the stream's position is shown under cdc.
    out +=
        fmt::format("last success:    #{} finished {}{}\n", ok["run_id"].get<long long>(),
                    str(ok["finished_at"]),
                    ok["horizon"].is_null() ? std::string()
                                            : "; complete up to source time " + str(ok["horizon"]));
  }
  if (j.contains("stale")) {
    out += fmt::format(
        "STALE:           nothing synced for {:.0f} s (ACME_MAX_SYNC_AGE {:.0f} s){}\n",
        j["sync_age_seconds"].get<double>(), j["max_sync_age_seconds"].get<double>(),
        j.contains("writer_lock_holder")
            ? "; the writer lock is held by " + j["writer_lock_holder"].get<std::string>()
            : std::string("; is acme running?"));
  }
  if (j.contains("late_commit_horizon")) {
    const std::string kind = j["late_commit_horizon"].get<std::string>();
    out += "late commits:    " +
           (kind == "exact" ? std::string("exact horizon (open source transactions are visible)")
            : kind == "cdc"
                ? std::string("none in cdc mode (the stream delivers commits in commit order)")
                : "lookback window (the source role cannot see other sessions; grant "
                  "pg_read_all_stats for an exact horizon)") +
           "\n";
  }
  if (!j["lag_seconds"].is_null()) {
    out += fmt::format("behind source:   {:.1f} s\n", j["lag_seconds"].get<double>());
  } else if (j.contains("source_error")) {
    out += "behind source:   unknown (" + j["source_error"].get<std::string>() + ")\n";
  }
  if (j.contains("cdc")) {
    out += cdc::format_status(j["cdc"]);
  }
  for (const auto& p : j["prepared_transactions"]) {
    out += fmt::format("pinned cursors:  prepared transaction '{}' (prepared {}) holds the cursors "
                       "back since {} until COMMIT/ROLLBACK PREPARED\n",
                       log::printable(p["gid"].get<std::string>()),
                       p["prepared_at"].get<std::string>(), p["pinning_since"].get<std::string>());
  }
  if (j.contains("history")) {
    const auto& h = j["history"];
    out += fmt::format(
        "history:         {} status intervals ({} open), {} customer versions, {:.1f} "
        "MB; retention {}\n",
        h["status_intervals"].get<long long>(), h["open_status_intervals"].get<long long>(),
        h["customer_versions"].get<long long>(),
        static_cast<double>(h["bytes"].get<long long>()) / 1048576.0,
        h["retention_days"].is_number() ? std::to_string(h["retention_days"].get<int>()) + " days"
                                        : std::string("keep all"));
  }
  if (j.contains("quality")) {
    out += quality_line(j["quality"]);
  }
  if (!j["tables"].empty()) {
    out += "tables:\n";
  }
  for (const auto& [name, t] : j["tables"].items()) {
    out += fmt::format("  {:<12} cursor ({}, {})  full read {}  reconciled {}\n", name,
                       str(t["cursor_updated_at"]),
                       t["cursor_key"].is_null() ? std::string("-")
                                                 : std::to_string(t["cursor_key"].get<long long>()),
                       str(t["last_full_read_at"]), str(t["last_reconciled_at"]));
  }
  return out;
}

} // namespace acme::ops
