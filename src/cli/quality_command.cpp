// acme quality [--json] [--fail-below SCORE] [--rules FILE]: evaluates the data quality rules in
// one snapshot of the target, prints one line per rule and the scores, records the run.
// Exit 5 when the overall score is below --fail-below (or no rule could be scored).
#include "acme/error.hpp"
#include "acme/log/logging.hpp"
#include "acme/quality/evaluator.hpp"
#include "acme/quality/rules.hpp"
#include "acme/quality/run_output.hpp"
#include "cli/common.hpp"

#include <iostream>
#include <optional>
#include <spdlog/spdlog.h>

namespace acme::cli {
namespace {

struct QualityOptions {
  bool json = false;
  std::optional<double> fail_below;
};

int run_quality(Context& ctx, const QualityOptions& opts) {
  const config::Config c = load_config(ctx);
  config::require_target(c);
  const quality::RuleSet rules = quality::load_rules(c.quality_rules, c.closed_statuses);
  const quality::QualityRun run = quality::run_quality(c, rules);
  if (opts.json) {
    std::cout << quality::to_json(run).dump(2) << '\n';
  } else {
    std::cout << log::printable(quality::to_text(run), true);
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
  cmd->add_option("--fail-below", opts->fail_below,
                  "Exit 5 when the overall score is below this, 0 to 100")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--rules,--quality-rules", ctx.overrides.quality_rules,
                  "JSON rules file: thresholds, per-rule severity and disabling, custom rules "
                  "(docs/quality.md) [env: ACME_QUALITY_RULES, default: the built-in rules]");
  cmd->callback([&ctx, opts] { ctx.exit_code = run_quality(ctx, *opts); });
}

} // namespace acme::cli
