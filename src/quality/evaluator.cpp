#include "acme/quality/evaluator.hpp"

#include "acme/db/connection.hpp"
#include "acme/db/migrator.hpp"
#include "acme/error.hpp"
#include "acme/sql/embedded.hpp"
#include "acme/test_point.hpp"
#include "acme/version.hpp"

#include <fmt/format.h>
#include <map>
#include <pqxx/pqxx>

namespace acme::quality {
namespace {

using ReadTx = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;

// The first migration that has the quality tables.
constexpr int k_quality_migration = 10;

std::vector<std::int64_t> parse_keys(const std::string& text) {
  std::vector<std::int64_t> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string::npos) {
      comma = text.size();
    }
    out.push_back(std::stoll(text.substr(start, comma - start)));
    start = comma + 1;
  }
  return out;
}

// Each rule table's rows in the snapshot.
std::map<std::string, std::int64_t> table_totals(pqxx::transaction_base& tx,
                                                 const std::string& schema) {
  std::map<std::string, std::int64_t> out;
  for (const auto& r : tx.exec(db::with_schema(sql::quality_table_totals, schema))) {
    out[r["table_name"].as<std::string>()] = r["total"].as<std::int64_t>();
  }
  return out;
}

nlohmann::json snapshot_info(pqxx::transaction_base& tx, const std::string& schema,
                             QualityRun& run) {
  const auto r = tx.exec(db::with_schema(sql::quality_snapshot, schema))[0];
  run.started_at = r["started_at"].as<std::string>();
  return {{"snapshot", r["snapshot"].as<std::string>()},
          {"sync_run_id", r["sync_run_id"].is_null()
                              ? nlohmann::json(nullptr)
                              : nlohmann::json(r["sync_run_id"].as<std::int64_t>())},
          {"sync_finished_at", r["sync_finished_at"].is_null()
                                   ? nlohmann::json(nullptr)
                                   : nlohmann::json(r["sync_finished_at"].as<std::string>())}};
}

RuleResult result_of(const Rule& rule, std::int64_t total) {
  RuleResult r;
  r.name = rule.name;
  r.table = rule.table;
  r.severity = rule.severity;
  r.description = rule.description;
  r.custom = rule.custom;
  r.total = total;
  return r;
}

// One rule under a savepoint: a failing statement (syntax, timeout, permission) rolls back to
// it and becomes the rule's error; a lost connection is no rule's fault and propagates.
RuleResult evaluate_rule(pqxx::dbtransaction& tx, const std::string& schema, const Rule& rule,
                         std::int64_t total, int timeout_ms) {
  RuleResult r = result_of(rule, total);
  auto values = rule.values;
  values["schema"] = db::quote_ident(schema);
  try {
    const std::string sql =
        db::render(sql::quality_evaluate_rule, {{"violations", db::render(rule.sql, values)}});
    pqxx::subtransaction sub(tx, "acme_quality_rule");
    // exec(), not exec_params(): libpqxx 6.4 sends the SAVEPOINT before a subtransaction's first
    // exec() only, and without it a failed rule would abort the whole snapshot.
    sub.exec(fmt::format("SET LOCAL statement_timeout = {}", timeout_ms));
    // exec_params: the extended protocol runs one statement only, so a custom predicate cannot
    // end the READ ONLY transaction and start another.
    const auto row = sub.exec_params(sql)[0];
    sub.commit();
    r.violating = row["violating"].as<std::int64_t>();
    r.share = violation_share(r.violating, r.total);
    r.samples = parse_keys(row["samples"].as<std::string>());
    if (!row["oldest_seconds"].is_null()) {
      r.oldest_seconds = row["oldest_seconds"].as<double>();
    }
  } catch (const pqxx::sql_error& e) {
    r.error = one_line(e.what());
  } catch (const Fatal& e) { // render: a custom predicate cannot carry a placeholder
    r.error = one_line(e.what());
  }
  return r;
}

nlohmann::json results_json(const QualityRun& run) {
  auto out = nlohmann::json::array();
  for (const auto& r : run.results) {
    const bool ok = !r.error;
    out.push_back({{"rule_name", r.name},
                   {"table_name", r.table},
                   {"severity", severity_name(r.severity)},
                   {"custom", r.custom},
                   {"violating_rows", ok ? nlohmann::json(r.violating) : nlohmann::json(nullptr)},
                   {"total_rows", r.total},
                   {"share", ok ? nlohmann::json(r.share) : nlohmann::json(nullptr)},
                   {"sample_keys", ok ? nlohmann::json(r.samples) : nlohmann::json(nullptr)},
                   {"oldest_seconds",
                    r.oldest_seconds ? nlohmann::json(*r.oldest_seconds) : nlohmann::json(nullptr)},
                   {"error", r.error ? nlohmann::json(*r.error) : nlohmann::json(nullptr)}});
  }
  return out;
}

int failed_rules(const QualityRun& run) {
  int n = 0;
  for (const auto& r : run.results) {
    n += r.error ? 1 : 0;
  }
  return n;
}

} // namespace

QualityRun evaluate(pqxx::connection& target, const std::string& schema, const RuleSet& rules) {
  QualityRun run;
  run.settings_json = rules.settings_json;
  ReadTx tx(target, "acme quality");
  tx.exec(fmt::format("SET LOCAL statement_timeout = {}", rules.thresholds.statement_timeout_ms));
  run.snapshot = snapshot_info(tx, schema, run);
  const auto totals = table_totals(tx, schema);
  // Tests hold the snapshot open here while a sync runs.
  test_point::reach("quality-snapshot");
  std::vector<RuleOutcome> outcomes;
  for (const auto& rule : rules.rules) {
    const auto it = totals.find(rule.table);
    run.results.push_back(evaluate_rule(tx, schema, rule, it == totals.end() ? 0 : it->second,
                                        rules.thresholds.statement_timeout_ms));
    const auto& r = run.results.back();
    outcomes.push_back({r.table, r.severity, r.violating, r.total, r.error.has_value()});
  }
  tx.commit();
  run.scores = compute_scores(outcomes);
  return run;
}

void record(pqxx::connection& target, const std::string& schema, QualityRun& run) {
  pqxx::work tx(target, "acme quality record");
  nlohmann::json tables = run.scores.tables;
  const auto r = tx.exec_params(
      db::with_schema(sql::quality_record_run, schema), run.started_at,
      run.scores.overall ? fmt::format("{}", *run.scores.overall) : std::string(), tables.dump(),
      static_cast<int>(run.results.size()), failed_rules(run), run.snapshot.dump(),
      run.settings_json, std::string(version()), results_json(run).dump())[0];
  tx.commit();
  run.run_id = r["run_id"].as<std::int64_t>();
  run.finished_at = r["finished_at"].as<std::string>();
}

QualityRun run_quality(const config::Config& config, const RuleSet& rules) {
  auto target = db::connect(config.target_dsn, "target", "acme quality");
  const int version = db::current_version(*target, config.target_schema);
  if (version == 0) {
    throw Fatal(fmt::format("the target schema '{}' holds no data yet: run acme run-etl first",
                            config.target_schema));
  }
  if (version < k_quality_migration) {
    throw Fatal(fmt::format("the target schema '{}' is at migration {}; the quality tables come "
                            "with migration {}: run acme migrate (or a sync) first",
                            config.target_schema, version, k_quality_migration));
  }
  QualityRun run;
  try {
    run = evaluate(*target, config.target_schema, rules);
    record(*target, config.target_schema, run);
  } catch (const Fatal&) {
    throw;
  } catch (...) {
    db::rethrow_classified("evaluating the quality rules");
  }
  return run;
}

std::optional<std::int64_t> newest_run_id(pqxx::transaction_base& tx, const std::string& schema) {
  const auto row = tx.exec1(db::with_schema(sql::quality_newest_run, schema));
  return row["run_id"].is_null() ? std::nullopt
                                 : std::optional<std::int64_t>(row["run_id"].as<std::int64_t>());
}

RunGauges run_gauges(pqxx::transaction_base& tx, const std::string& schema, std::int64_t run_id) {
  RunGauges g;
  g.run_id = run_id;
  for (const auto& row : tx.exec_params(db::with_schema(sql::quality_gauges, schema), run_id)) {
    auto& into = row["kind"].as<std::string>() == "score" ? g.scores : g.violations;
    into[row["name"].as<std::string>()] = row["value"].as<double>();
  }
  return g;
}

nlohmann::json last_run(pqxx::transaction_base& tx, const std::string& schema) {
  const auto rows = tx.exec(db::with_schema(sql::quality_last_run, schema));
  if (rows.empty()) {
    return nullptr;
  }
  const auto& r = rows[0];
  return {{"run_id", r["run_id"].as<std::int64_t>()},
          {"finished_at", r["finished_at"].as<std::string>()},
          {"score", r["score"].is_null() ? nlohmann::json(nullptr)
                                         : nlohmann::json(r["score"].as<double>())},
          {"table_scores", nlohmann::json::parse(r["table_scores"].as<std::string>())},
          {"rules", r["rules"].as<int>()},
          {"rules_failed", r["rules_failed"].as<int>()}};
}

} // namespace acme::quality
