// The quality score (docs/quality.md) and the rules file: the formula on known inputs, and the
// clear errors of a bad file.
#include "acme/error.hpp"
#include "acme/quality/rules.hpp"
#include "acme/quality/run_output.hpp"
#include "acme/quality/score.hpp"

#include <gtest/gtest.h>

using acme::quality::compute_scores;
using acme::quality::RuleOutcome;
using acme::quality::Severity;

TEST(QualityScore, ShareIsViolatingOverTotalAndZeroForAnEmptyTable) {
  EXPECT_DOUBLE_EQ(acme::quality::violation_share(3, 60), 0.05);
  EXPECT_DOUBLE_EQ(acme::quality::violation_share(0, 0), 0.0);
  EXPECT_DOUBLE_EQ(acme::quality::violation_share(5, 0), 0.0);
  EXPECT_DOUBLE_EQ(acme::quality::violation_share(70, 60), 1.0);
}

TEST(QualityScore, TableAndOverallAreSeverityWeightedMeansOfPassFractions) {
  const std::vector<RuleOutcome> outcomes{
      {"items", Severity::critical, 10, 100, false}, // pass 0.9, weight 5
      {"items", Severity::minor, 50, 100, false},    // pass 0.5, weight 1
      {"orders", Severity::major, 0, 20, false},     // pass 1.0, weight 3
      {"orders", Severity::major, 5, 20, false},     // pass 0.75, weight 3
  };
  const auto s = compute_scores(outcomes);
  EXPECT_NEAR(s.tables.at("items"), 100.0 * (5 * 0.9 + 1 * 0.5) / 6, 1e-9);
  EXPECT_NEAR(s.tables.at("orders"), 100.0 * (3 * 1.0 + 3 * 0.75) / 6, 1e-9);
  ASSERT_TRUE(s.overall);
  EXPECT_NEAR(*s.overall, 100.0 * (4.5 + 0.5 + 3.0 + 2.25) / 12, 1e-9);
}

TEST(QualityScore, FailedRulesAreLeftOutAndNoScoredRuleMeansNoScore) {
  const auto s = compute_scores(
      {{"items", Severity::critical, 0, 0, true}, {"orders", Severity::minor, 1, 4, false}});
  EXPECT_EQ(s.tables.count("items"), 0U);
  EXPECT_NEAR(*s.overall, 75.0, 1e-9);
  EXPECT_FALSE(compute_scores({{"items", Severity::major, 0, 0, true}}).overall);
  EXPECT_NEAR(*compute_scores({{"items", Severity::major, 0, 0, false}}).overall, 100.0, 1e-9);
}

TEST(QualityScore, SeverityWeights) {
  EXPECT_EQ(acme::quality::severity_weight(Severity::critical), 5.0);
  EXPECT_EQ(acme::quality::severity_weight(Severity::major), 3.0);
  EXPECT_EQ(acme::quality::severity_weight(Severity::minor), 1.0);
}

TEST(QualityRules, DefaultsAreEveryBuiltinWithTheKnownAndClosedStatuses) {
  const auto set = acme::quality::parse_rules("", "x", {"COMPLETED", "SHIPPED"});
  EXPECT_EQ(set.rules.size(), acme::quality::builtin_rule_names().size());
  EXPECT_EQ(set.thresholds.overdue_days, 7);
  const auto& known = set.thresholds.known_statuses;
  EXPECT_NE(std::find(known.begin(), known.end(), "SHIPPED"), known.end());
  EXPECT_NE(std::find(known.begin(), known.end(), "REPROCESSING"), known.end());
}

TEST(QualityRules, AFileSetsThresholdsSeveritiesDisablingAndCustomRules) {
  const auto set = acme::quality::parse_rules(
      R"({"thresholds": {"overdue_days": 3, "known_statuses": ["A"]},
          "statement_timeout_seconds": 5,
          "rules": {"open_order_overdue": {"severity": "critical"},
                    "order_without_items": {"enabled": false}},
          "custom_rules": [{"name": "big_orders", "table": "analytical_orders",
                            "severity": "minor", "where": "total_amount > 1000",
                            "description": "large"}]})",
      "f.json", {"COMPLETED"});
  EXPECT_EQ(set.thresholds.overdue_days, 3);
  EXPECT_EQ(set.thresholds.statement_timeout_ms, 5000);
  EXPECT_EQ(set.thresholds.known_statuses, (std::vector<std::string>{"A", "COMPLETED"}));
  bool overdue = false;
  for (const auto& r : set.rules) {
    EXPECT_NE(r.name, "order_without_items");
    if (r.name == "open_order_overdue") {
      overdue = true;
      EXPECT_EQ(r.severity, Severity::critical);
      EXPECT_EQ(r.values.at("overdue_days"), "3");
    }
  }
  EXPECT_TRUE(overdue);
  EXPECT_EQ(set.rules.back().name, "big_orders");
  EXPECT_TRUE(set.rules.back().custom);
  EXPECT_EQ(set.rules.back().severity, Severity::minor);
}

TEST(QualityRules, ABadFileIsAUsageErrorNamingTheProblem) {
  const auto message = [](const std::string& json) {
    try {
      acme::quality::parse_rules(json, "r.json", {"COMPLETED"});
    } catch (const acme::UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("{").find("not valid JSON"), std::string::npos);
  EXPECT_NE(message(R"({"tresholds": {}})").find("unknown key 'tresholds'"), std::string::npos);
  EXPECT_NE(message(R"({"rules": {"no_such_rule": {}}})").find("no_such_rule"), std::string::npos);
  EXPECT_NE(message(R"({"rules": {"order_without_items": {"severity": "huge"}}})").find("critical"),
            std::string::npos);
  EXPECT_NE(message(R"({"custom_rules": [{"name": "x", "table": "pg_authid", "where": "true"}]})")
                .find("not an analytical table"),
            std::string::npos);
  EXPECT_NE(message(R"({"custom_rules": [{"name": "x", "table": "products"}]})").find("\"where\""),
            std::string::npos);
  EXPECT_NE(message(R"({"custom_rules": [{"name": "item_order_missing", "table": "products",
                                          "where": "true"}]})")
                .find("already"),
            std::string::npos);
  EXPECT_NE(message(R"({"thresholds": {"overdue_days": -1}})").find("overdue_days"),
            std::string::npos);
  EXPECT_NE(message("{").find("r.json"), std::string::npos);
}

TEST(QualityOutput, AgesAreShortAndExact) {
  EXPECT_EQ(acme::quality::format_age(12), "12s");
  EXPECT_EQ(acme::quality::format_age(42 * 60 + 10), "42m 10s");
  EXPECT_EQ(acme::quality::format_age(5 * 3600 + 12 * 60), "5h 12m");
  EXPECT_EQ(acme::quality::format_age(3 * 86400 + 4 * 3600 + 59), "3d 04h");
}
