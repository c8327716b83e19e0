// The data quality rules: severities, the built-in rules over the analytical tables, the rules
// file (thresholds, per-rule severity and disabling, custom rules) and the resolved rule set.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace acme::quality {

// How much a rule's violations weigh in the score (docs/quality.md).
enum class Severity { critical, major, minor };

// "critical", "major", "minor".
std::string_view severity_name(Severity s);
// The severity called `name`, or nullopt.
std::optional<Severity> parse_severity(std::string_view name);
// A severity's weight in the score: critical 5, major 3, minor 1.
double severity_weight(Severity s);

// The analytical tables a rule may check, and their primary keys (the sample keys).
struct RuleTable {
  std::string_view name; // e.g. "analytical_orders"
  std::string_view key;  // e.g. "order_id"
};
const std::vector<RuleTable>& rule_tables();
// The table called `name`, or nullptr.
const RuleTable* find_rule_table(std::string_view name);

// Thresholds the built-in rules read.
struct Thresholds {
  int overdue_days = 7;                    // open_order_overdue: delivery date this far past
  int orphan_grace_hours = 24;             // *_orphaned_long: orphaned for longer than this
  std::vector<std::string> known_statuses; // order_status_unknown; empty: k_known_statuses
  int statement_timeout_ms = 60000;        // each rule's statement_timeout
};

// The statuses acme knows (design.md §2); the closed statuses are added to them.
inline const std::vector<std::string> k_known_statuses{"PENDING", "PROCESSING", "REPROCESSING",
                                                       "COMPLETED", "CANCELLED"};

// One rule, ready to evaluate: `sql` is a SELECT over one analytical table returning the
// violating rows as (key bigint, age interval) — age is how long the row has been in violation
// when the rule knows it (orphans, overdue orders), NULL otherwise. It is rendered (db::render)
// with `values` plus {schema}.
struct Rule {
  std::string name;
  std::string table; // one of rule_tables()
  Severity severity = Severity::major;
  std::string description; // what a violation means
  std::string_view sql;    // an embedded sql/quality/*.sql
  std::map<std::string, std::string> values;
  bool custom = false; // from the rules file's custom_rules
};

// The rule set of one run: enabled rules in evaluation order, thresholds, and the settings as
// JSON (recorded with the run, digested into its config_digest).
struct RuleSet {
  std::vector<Rule> rules;
  Thresholds thresholds;
  std::string settings_json;
};

// The rule set for the rules file text `json` (empty: every built-in with its defaults), the
// known statuses completed with `closed_statuses`. Throws acme::UsageError naming `origin` (the
// file) on bad JSON, an unknown key, rule, table or severity, or a bad value.
RuleSet parse_rules(const std::string& json, const std::string& origin,
                    const std::vector<std::string>& closed_statuses);

// parse_rules() of the file at `path` (empty path: the defaults). An unreadable file is a
// UsageError.
RuleSet load_rules(const std::string& path, const std::vector<std::string>& closed_statuses);

// The names of the built-in rules, in evaluation order.
std::vector<std::string> builtin_rule_names();

} // namespace acme::quality
