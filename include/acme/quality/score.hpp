// The quality score (docs/quality.md): per table and overall, 0-100, the severity-weighted mean
// of the rules' pass fractions. Pure functions, unit-tested.
#pragma once

#include "acme/quality/rules.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace acme::quality {

// What the score needs of one evaluated rule.
struct RuleOutcome {
  std::string table;
  Severity severity = Severity::major;
  std::int64_t violating = 0;
  std::int64_t total = 0;
  bool failed = false; // the rule could not be evaluated: left out of the scores
};

// A rule's share of violating rows: violating / total, 0 for an empty table, at most 1.
double violation_share(std::int64_t violating, std::int64_t total);

// The scores of one run: overall and per table (tables without a scored rule are absent).
// nullopt overall: no rule could be scored.
struct Scores {
  std::optional<double> overall;
  std::map<std::string, double> tables;
};

// score = 100 * sum(weight * (1 - share)) / sum(weight) over the rules that did not fail, per
// table and over all rules; weight = severity_weight(severity).
Scores compute_scores(const std::vector<RuleOutcome>& outcomes);

} // namespace acme::quality
