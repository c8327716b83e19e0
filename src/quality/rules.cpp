#include "acme/quality/rules.hpp"

#include "acme/db/connection.hpp"
#include "acme/error.hpp"
#include "acme/sql/embedded.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace acme::quality {

std::string_view severity_name(Severity s) {
  switch (s) {
  case Severity::critical:
    return "critical";
  case Severity::major:
    return "major";
  case Severity::minor:
    return "minor";
  }
  return "major";
}

std::optional<Severity> parse_severity(std::string_view name) {
  for (const Severity s : {Severity::critical, Severity::major, Severity::minor}) {
    if (severity_name(s) == name) {
      return s;
    }
  }
  return std::nullopt;
}

double severity_weight(Severity s) {
  switch (s) {
  case Severity::critical:
    return 5.0;
  case Severity::major:
    return 3.0;
  case Severity::minor:
    return 1.0;
  }
  return 3.0;
}

const std::vector<RuleTable>& rule_tables() {
  static const std::vector<RuleTable> tables{{"analytical_orders", "order_id"},
                                             {"analytical_order_items", "order_item_id"},
                                             {"customers", "customer_id"},
                                             {"products", "product_id"}};
  return tables;
}

const RuleTable* find_rule_table(std::string_view name) {
  for (const auto& t : rule_tables()) {
    if (t.name == name) {
      return &t;
    }
  }
  return nullptr;
}

namespace {

using nlohmann::json;

// A built-in rule as the catalog declares it.
struct Builtin {
  const char* name;
  const char* table;
  Severity severity;
  std::string_view sql;
  const char* description;
};

const std::vector<Builtin>& builtins() {
  static const std::vector<Builtin> rules{
      {"item_order_missing", "analytical_order_items", Severity::critical,
       sql::quality_rule_item_order_missing,
       "items whose order does not exist: they count in no order's totals"},
      {"item_product_missing", "analytical_order_items", Severity::major,
       sql::quality_rule_item_product_missing,
       "items whose product does not exist: no name, no price, no amount"},
      {"order_customer_missing", "analytical_orders", Severity::major,
       sql::quality_rule_order_customer_missing,
       "orders whose customer does not exist: no customer name in the reports"},
      {"items_orphaned_long", "analytical_order_items", Severity::major,
       sql::quality_rule_items_orphaned_long,
       "items whose order or product has been missing for longer than orphan_grace_hours"},
      {"orders_orphaned_long", "analytical_orders", Severity::major,
       sql::quality_rule_orders_orphaned_long,
       "orders whose customer has been missing for longer than orphan_grace_hours"},
      {"item_quantity_invalid", "analytical_order_items", Severity::major,
       sql::quality_rule_item_quantity_invalid,
       "items with a NULL, zero or negative quantity: totals count them as 0"},
      {"item_price_invalid", "analytical_order_items", Severity::major,
       sql::quality_rule_item_price_invalid,
       "items of an existing product with a missing, zero or negative price"},
      {"product_price_invalid", "products", Severity::major,
       sql::quality_rule_product_price_invalid,
       "products with a missing, zero or negative unity_price"},
      {"order_status_unknown", "analytical_orders", Severity::major,
       sql::quality_rule_order_status_unknown,
       "orders whose status is NULL or not a known status: they count as open"},
      {"open_order_no_delivery_date", "analytical_orders", Severity::major,
       sql::quality_rule_open_order_no_delivery_date,
       "open orders without a delivery date: missing from the delivery reports"},
      {"delivery_before_order", "analytical_orders", Severity::minor,
       sql::quality_rule_delivery_before_order,
       "orders whose delivery date is before their order date"},
      {"open_order_overdue", "analytical_orders", Severity::minor,
       sql::quality_rule_open_order_overdue,
       "open orders whose delivery date is more than overdue_days days past"},
      {"product_barcode_shared", "products", Severity::minor,
       sql::quality_rule_product_barcode_shared,
       "products sharing their barcode with another product"},
      {"order_without_items", "analytical_orders", Severity::minor,
       sql::quality_rule_order_without_items, "orders without any item"},
  };
  return rules;
}

// Throws a UsageError about the rules file.
[[noreturn]] void bad(const std::string& origin, const std::string& what) {
  throw UsageError(fmt::format("rules file '{}' (ACME_QUALITY_RULES, --rules): {}", origin, what));
}

// Refuses keys of `object` (at `where`) outside `known`.
void only_keys(const json& object, const std::string& where, const std::set<std::string>& known,
               const std::string& origin) {
  if (!object.is_object()) {
    bad(origin, where + " must be a JSON object");
  }
  for (const auto& [key, value] : object.items()) {
    if (known.count(key) == 0) {
      std::string list;
      for (const auto& k : known) {
        list += (list.empty() ? "" : ", ") + k;
      }
      bad(origin, fmt::format("unknown key '{}' in {} (known: {})", key, where, list));
    }
  }
}

int integer(const json& v, const std::string& where, int min, int max, const std::string& origin) {
  if (!v.is_number_integer() || v.get<long long>() < min || v.get<long long>() > max) {
    bad(origin,
        fmt::format("{} must be an integer from {} to {}, got {}", where, min, max, v.dump()));
  }
  return v.get<int>();
}

std::string text(const json& v, const std::string& where, const std::string& origin) {
  if (!v.is_string() || v.get<std::string>().empty()) {
    bad(origin, fmt::format("{} must be a non-empty string, got {}", where, v.dump()));
  }
  return v.get<std::string>();
}

Severity severity(const json& v, const std::string& where, const std::string& origin) {
  if (auto s = v.is_string() ? parse_severity(v.get<std::string>()) : std::nullopt) {
    return *s;
  }
  bad(origin,
      fmt::format("{} must be \"critical\", \"major\" or \"minor\", got {}", where, v.dump()));
}

bool enabled(const json& rule, const std::string& where, const std::string& origin) {
  if (!rule.contains("enabled")) {
    return true;
  }
  if (!rule["enabled"].is_boolean()) {
    bad(origin, where + ".enabled must be true or false");
  }
  return rule["enabled"].get<bool>();
}

Thresholds thresholds(const json& doc, const std::string& origin) {
  Thresholds t;
  if (doc.contains("statement_timeout_seconds")) {
    t.statement_timeout_ms = 1000 * integer(doc["statement_timeout_seconds"],
                                            "statement_timeout_seconds", 1, 86400, origin);
  }
  if (!doc.contains("thresholds")) {
    return t;
  }
  const json& j = doc["thresholds"];
  only_keys(j, "thresholds", {"overdue_days", "orphan_grace_hours", "known_statuses"}, origin);
  if (j.contains("overdue_days")) {
    t.overdue_days = integer(j["overdue_days"], "thresholds.overdue_days", 0, 36500, origin);
  }
  if (j.contains("orphan_grace_hours")) {
    t.orphan_grace_hours =
        integer(j["orphan_grace_hours"], "thresholds.orphan_grace_hours", 0, 876000, origin);
  }
  if (j.contains("known_statuses")) {
    const json& k = j["known_statuses"];
    if (!k.is_array() || k.empty()) {
      bad(origin, "thresholds.known_statuses must be a non-empty array of strings");
    }
    for (const auto& s : k) {
      t.known_statuses.push_back(text(s, "thresholds.known_statuses[]", origin));
    }
  }
  return t;
}

// A SQL text[] literal: '{"a","b"}'::text[] (quotes doubled; standard_conforming_strings).
std::string text_array_literal(const std::vector<std::string>& values) {
  std::string out = "'";
  for (const char c : db::text_array(values)) {
    out += c == '\'' ? std::string("''") : std::string(1, c);
  }
  return out + "'::text[]";
}

// The built-in rules with the file's per-rule settings ("rules": {name: {severity, enabled}}).
std::vector<Rule> builtin_rules(const json& doc, const Thresholds& t, const std::string& origin) {
  const json overrides = doc.contains("rules") ? doc["rules"] : json::object();
  std::set<std::string> names;
  for (const auto& b : builtins()) {
    names.insert(b.name);
  }
  only_keys(overrides, "rules (the built-in rules)", names, origin);
  const std::map<std::string, std::string> values{
      {"known", text_array_literal(t.known_statuses)},
      {"overdue_days", std::to_string(t.overdue_days)},
      {"grace_hours", std::to_string(t.orphan_grace_hours)}};
  std::vector<Rule> out;
  for (const auto& b : builtins()) {
    Rule r{b.name, b.table, b.severity, b.description, b.sql, values, false};
    if (overrides.contains(b.name)) {
      const std::string where = std::string("rules.") + b.name;
      const json& o = overrides[b.name];
      only_keys(o, where, {"severity", "enabled"}, origin);
      if (o.contains("severity")) {
        r.severity = severity(o["severity"], where + ".severity", origin);
      }
      if (!enabled(o, where, origin)) {
        continue;
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

// One custom rule: {name, table, severity, where, description[, enabled]}; nullopt if disabled.
std::optional<Rule> custom_rule(const json& c, const std::string& where, const std::string& origin,
                                const std::set<std::string>& taken) {
  only_keys(c, where, {"name", "table", "severity", "where", "description", "enabled"}, origin);
  for (const char* required : {"name", "table", "where"}) {
    if (!c.contains(required)) {
      bad(origin, fmt::format("{} has no \"{}\"", where, required));
    }
  }
  Rule r;
  r.name = text(c["name"], where + ".name", origin);
  const bool name_ok = std::all_of(r.name.begin(), r.name.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
  });
  if (!name_ok || r.name.size() > 63) {
    bad(origin,
        fmt::format("{}.name '{}' may contain only a-z, 0-9 and _ (at most 63)", where, r.name));
  }
  if (taken.count(r.name) != 0) {
    bad(origin, fmt::format("{}.name '{}' is already a rule's name", where, r.name));
  }
  r.table = text(c["table"], where + ".table", origin);
  const RuleTable* table = find_rule_table(r.table);
  if (table == nullptr) {
    bad(origin, fmt::format("{}.table '{}' is not an analytical table (analytical_orders, "
                            "analytical_order_items, customers, products)",
                            where, r.table));
  }
  r.severity = c.contains("severity") ? severity(c["severity"], where + ".severity", origin)
                                      : Severity::major;
  r.description = c.contains("description") ? text(c["description"], where + ".description", origin)
                                            : "custom rule";
  r.sql = sql::quality_custom_rule;
  r.values = {{"key", db::quote_ident(table->key)},
              {"relation", db::quote_ident(table->name)},
              {"where", text(c["where"], where + ".where", origin)}};
  r.custom = true;
  if (!enabled(c, where, origin)) {
    return std::nullopt;
  }
  return r;
}

// The resolved settings, recorded with each run.
std::string settings_json(const RuleSet& set) {
  json rules = json::array();
  for (const auto& r : set.rules) {
    json j{{"name", r.name}, {"table", r.table}, {"severity", severity_name(r.severity)}};
    if (r.custom) {
      j["where"] = r.values.at("where");
    }
    rules.push_back(j);
  }
  return json{{"overdue_days", set.thresholds.overdue_days},
              {"orphan_grace_hours", set.thresholds.orphan_grace_hours},
              {"known_statuses", set.thresholds.known_statuses},
              {"statement_timeout_ms", set.thresholds.statement_timeout_ms},
              {"rules", rules}}
      .dump();
}

} // namespace

RuleSet parse_rules(const std::string& text_json, const std::string& origin,
                    const std::vector<std::string>& closed_statuses) {
  json doc = json::object();
  if (!text_json.empty()) {
    try {
      doc = json::parse(text_json);
    } catch (const json::parse_error& e) {
      bad(origin, std::string("not valid JSON: ") + e.what());
    }
  }
  only_keys(doc, "the top level",
            {"thresholds", "rules", "custom_rules", "statement_timeout_seconds"}, origin);
  RuleSet set;
  set.thresholds = thresholds(doc, origin);
  auto& known = set.thresholds.known_statuses;
  if (known.empty()) {
    known = k_known_statuses;
  }
  for (const auto& s : closed_statuses) {
    if (std::find(known.begin(), known.end(), s) == known.end()) {
      known.push_back(s);
    }
  }
  set.rules = builtin_rules(doc, set.thresholds, origin);
  std::set<std::string> taken;
  for (const auto& n : builtin_rule_names()) {
    taken.insert(n);
  }
  if (doc.contains("custom_rules")) {
    if (!doc["custom_rules"].is_array()) {
      bad(origin, "custom_rules must be an array of rules");
    }
    for (std::size_t i = 0; i < doc["custom_rules"].size(); ++i) {
      const auto where = fmt::format("custom_rules[{}]", i);
      if (auto r = custom_rule(doc["custom_rules"][i], where, origin, taken)) {
        taken.insert(r->name);
        set.rules.push_back(std::move(*r));
      }
    }
  }
  set.settings_json = settings_json(set);
  return set;
}

RuleSet load_rules(const std::string& path, const std::vector<std::string>& closed_statuses) {
  if (path.empty()) {
    return parse_rules("", "(defaults)", closed_statuses);
  }
  std::error_code ec;
  std::ifstream in(path);
  if (!std::filesystem::is_regular_file(path, ec) || !in) {
    bad(path, "cannot be read (not a readable file)");
  }
  std::ostringstream text_json;
  text_json << in.rdbuf();
  if (text_json.str().find_first_not_of(" \t\r\n") == std::string::npos) {
    bad(path, "is empty (the built-in rules with their defaults: {})");
  }
  return parse_rules(text_json.str(), path, closed_statuses);
}

std::vector<std::string> builtin_rule_names() {
  std::vector<std::string> out;
  for (const auto& b : builtins()) {
    out.emplace_back(b.name);
  }
  return out;
}

} // namespace acme::quality
