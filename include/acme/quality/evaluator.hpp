// A quality run: every rule of a RuleSet evaluated in one REPEATABLE READ READ ONLY snapshot of
// the target (each under a savepoint and a statement timeout), the scores, the run recorded in
// acme_quality_runs / acme_quality_results, and the last recorded run for acme status.
#pragma once

#include "acme/config/config.hpp"
#include "acme/quality/rules.hpp"
#include "acme/quality/score.hpp"

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/connection>
#include <pqxx/transaction_base>
#include <string>
#include <vector>

namespace acme::quality {

// One rule's result. error set: the rule could not be evaluated (broken SQL, statement timeout);
// its counts are then 0 and it is left out of the scores.
struct RuleResult {
  std::string name;
  std::string table;
  Severity severity = Severity::major;
  std::string description;
  bool custom = false;
  std::int64_t violating = 0;
  std::int64_t total = 0; // rows of `table` in the snapshot
  double share = 0.0;
  std::vector<std::int64_t> samples;    // up to 10 violating keys, smallest first
  std::optional<double> oldest_seconds; // the longest-standing violation, when the rule knows
  std::optional<std::string> error;
};

// A whole run: results in rule order, scores, what the snapshot was, the settings used.
struct QualityRun {
  std::optional<std::int64_t> run_id; // set once recorded
  std::string started_at;             // the snapshot's transaction start
  std::string finished_at;            // set once recorded
  std::vector<RuleResult> results;
  Scores scores;
  nlohmann::json snapshot;
  std::string settings_json;
};

// Evaluates `rules` in one REPEATABLE READ READ ONLY transaction on `target` (plain SELECTs:
// it never blocks a sync). A rule that fails gets its error and the others still run; losing
// the connection throws.
QualityRun evaluate(pqxx::connection& target, const std::string& schema, const RuleSet& rules);

// Records `run` in one short write transaction; sets its run_id and finished_at.
void record(pqxx::connection& target, const std::string& schema, QualityRun& run);

// Connects to the target, checks its schema is at migration 10 or later, evaluates and records.
// Throws acme::Fatal when the target was never synced or not migrated yet.
QualityRun run_quality(const config::Config& config, const RuleSet& rules);

// A recorded run as /metrics shows it: the score per table and "overall", and the violating
// rows of each rule that could be evaluated.
struct RunGauges {
  std::int64_t run_id = 0;
  std::map<std::string, double> scores;
  std::map<std::string, double> violations;
};

// The id of the newest recorded run, or nullopt when there is none.
std::optional<std::int64_t> newest_run_id(pqxx::transaction_base& tx, const std::string& schema);

// Recorded run `run_id` as gauges (sql/quality/gauges.sql).
RunGauges run_gauges(pqxx::transaction_base& tx, const std::string& schema, std::int64_t run_id);

// The newest recorded run (run_id, finished_at, score, tables, rules_failed) for acme status, or
// null when there is none. Needs migration 10.
nlohmann::json last_run(pqxx::transaction_base& tx, const std::string& schema);

} // namespace acme::quality
