// acme quality [--json] [--fail-below SCORE] [--rules FILE] [--profile]: evaluates the data quality
// rules in one snapshot of the target, prints one line per rule and the scores, records the run;
// then the daily series' anomalies and the stuck orders (a second, short snapshot: reading the
// status history holds back a sync that creates a month partition, so not for the rules' whole
// run), and with --profile every column's profile (a third snapshot).
// Exit 5 when the overall score is below --fail-below (or no rule could be scored).
#include "acme/db/connection.hpp"
#include "acme/error.hpp"
#include "acme/log/logging.hpp"
#include "acme/quality/anomalies.hpp"
#include "acme/quality/evaluator.hpp"
#include "acme/quality/findings_output.hpp"
#include "acme/quality/profile.hpp"
#include "acme/quality/rules.hpp"
#include "acme/quality/run_output.hpp"
#include "cli/common.hpp"

#include <iostream>
#include <optional>
#include <pqxx/transaction>
#include <spdlog/spdlog.h>

namespace acme::cli {
namespace {

struct QualityOptions {
  bool json = false;
  bool profile = false;
  std::optional<double> fail_below;
};

using Snapshot = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;

// The anomalies and stuck orders, and with `profile` the column profile, each read in a snapshot
// of its own; added to `out` (JSON) or printed.
void findings(const config::Config& c, bool profile, bool json, nlohmann::json& out) {
  auto conn = db::connect(c.target_dsn, "target", "acme quality");
  quality::AnomalyResult anomalies;
  quality::StuckResult stuck;
  {
    Snapshot tx(*conn, "acme quality findings");
    anomalies = quality::anomalies(tx, c.target_schema);
    stuck = quality::stuck_orders(tx, c.target_schema);
  }
  if (json) {
    out["anomalies"] = quality::to_json(anomalies);
    out["stuck_orders"] = quality::to_json(stuck);
  } else {
    std::cout << log::printable(quality::findings_text(anomalies, stuck), true);
  }
  if (!profile) {
    return;
  }
  Snapshot tx(*conn, "acme quality profile");
  const quality::ProfileResult p = quality::profile(tx, c.target_schema);
  if (json) {
    out["profile"] = quality::to_json(p);
  } else {
    std::cout << log::printable(quality::profile_text(p), true);
  }
}

int run_quality(Context& ctx, const QualityOptions& opts) {
  const config::Config c = load_config(ctx);
  config::require_target(c);
  const quality::RuleSet rules = quality::load_rules(c.quality_rules, c.closed_statuses);
  const quality::QualityRun run = quality::run_quality(c, rules);
  nlohmann::json out;
  if (opts.json) {
    out = quality::to_json(run);
  } else {
    std::cout << log::printable(quality::to_text(run), true);
  }
  findings(c, opts.profile, opts.json, out);
  if (opts.json) {
    std::cout << out.dump(2) << '\n';
  }
  for (const auto& r : run.results) {
    if (r.error) {
      spdlog::warn("quality rule {} could not be evaluated: {}", r.name, *r.error);
    }
  }
  const auto& score = run.scores.overall;
  if (opts.fail_below && (!score || *score < *opts.fail_below)) {
    spdlog::error("quality score {} is below --fail-below {}",
                  score ? fmt::format("{:.2f}", *score) : std::string("unknown (no rule scored)"),
                  *opts.fail_below);
    return static_cast<int>(ExitCode::quality);
  }
  return 0;
}

} // namespace

void add_quality_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<QualityOptions>();
  auto* cmd = app.add_subcommand(
      "quality", "Evaluate the data quality rules over the target's analytical tables in one "
                 "read-only snapshot: one line per rule (violating rows, share, sample keys, "
                 "meaning), scores per table and overall (0-100); the run is recorded in "
                 "acme_quality_runs (exit 5 when the score is below --fail-below)");
  cmd->add_flag("--json", opts->json, "Print JSON");
  cmd->add_flag("--profile", opts->profile,
                "Also profile every column of the analytical tables: null share, distinct count "
                "(exact, or estimated from the planner's statistics on large tables), min, max, "
                "top values");
  cmd->add_option("--fail-below", opts->fail_below,
                  "Exit 5 when the overall score is below this, 0 to 100")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--rules,--quality-rules", ctx.overrides.quality_rules,
                  "JSON rules file: thresholds, per-rule severity and disabling, custom rules "
                  "(docs/quality.md) [env: ACME_QUALITY_RULES, default: the built-in rules]");
  cmd->callback([&ctx, opts] { ctx.exit_code = run_quality(ctx, *opts); });
}

} // namespace acme::cli
