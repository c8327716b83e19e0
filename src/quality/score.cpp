#include "acme/quality/score.hpp"

#include <algorithm>

namespace acme::quality {

double violation_share(std::int64_t violating, std::int64_t total) {
  if (total <= 0 || violating <= 0) {
    return 0.0;
  }
  return std::min(1.0, static_cast<double>(violating) / static_cast<double>(total));
}

namespace {

// Weighted sums of pass fractions and of weights.
struct Sums {
  double passed = 0.0;
  double weights = 0.0;
  void add(const RuleOutcome& o) {
    const double w = severity_weight(o.severity);
    passed += w * (1.0 - violation_share(o.violating, o.total));
    weights += w;
  }
  double score() const { return 100.0 * passed / weights; }
};

} // namespace

Scores compute_scores(const std::vector<RuleOutcome>& outcomes) {
  Sums all;
  std::map<std::string, Sums> by_table;
  for (const auto& o : outcomes) {
    if (o.failed) {
      continue;
    }
    all.add(o);
    by_table[o.table].add(o);
  }
  Scores s;
  if (all.weights > 0) {
    s.overall = all.score();
  }
  for (const auto& [table, sums] : by_table) {
    s.tables[table] = sums.score();
  }
  return s;
}

} // namespace acme::quality
