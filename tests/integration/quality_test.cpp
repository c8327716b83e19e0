// acme quality against the real clusters: every defect a built-in rule looks for is planted in
// the source and synced; the rules find exactly the planted rows (count, keys), the score follows
// the documented formula, the run is recorded and shown by acme status, --fail-below exits 5, a
// rules file disables rules, changes severities and adds custom rules (a broken or slow one is
// reported while the others run), and a quality run's snapshot does not hold a sync back.
#include "acme/quality/evaluator.hpp"
#include "acme/quality/rules.hpp"
#include "acme/test_point.hpp"
#include "support/etl_fixture.hpp"
#include "support/temp_dir.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <future>
#include <gtest/gtest.h>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <unistd.h>

namespace {

using nlohmann::json;

// What one rule must report: its table, violating keys (all of them: fewer than 10) and
// severity weight.
struct Expected {
  const char* table;
  std::vector<std::int64_t> keys;
  double weight;
};

const std::map<std::string, Expected>& expected() {
  static const std::map<std::string, Expected> e{
      {"item_order_missing", {"analytical_order_items", {101, 102, 103}, 5}},
      {"item_product_missing", {"analytical_order_items", {104, 105}, 3}},
      {"order_customer_missing", {"analytical_orders", {21, 22}, 3}},
      {"items_orphaned_long", {"analytical_order_items", {101}, 3}},
      {"orders_orphaned_long", {"analytical_orders", {21}, 3}},
      {"item_quantity_invalid", {"analytical_order_items", {108, 109, 110}, 3}},
      {"item_price_invalid", {"analytical_order_items", {111, 112}, 3}},
      {"product_price_invalid", {"products", {5, 6}, 3}},
      {"order_status_unknown", {"analytical_orders", {23, 24}, 3}},
      {"open_order_no_delivery_date", {"analytical_orders", {25}, 3}},
      {"delivery_before_order", {"analytical_orders", {26}, 1}},
      {"open_order_overdue", {"analytical_orders", {27}, 1}},
      {"product_barcode_shared", {"products", {7, 8}, 1}},
      {"order_without_items", {"analytical_orders", {30, 31}, 1}},
  };
  return e;
}

const std::map<std::string, std::int64_t> k_totals{
    {"analytical_order_items", 49}, {"analytical_orders", 21}, {"products", 8}};

class Quality : public acme::test::EtlTest {
protected:
  // A clean base (3 customers, 4 products, 10 orders of 3 items each) plus one defect or two of
  // every kind, each on its own keys; then a sync, and two orphans made older than the grace
  // period (their synced_at moved back two days: age cannot be planted in the source).
  void plant() {
    src_exec(fmt::format(
        R"(
      INSERT INTO {c} (customer_id, customer_name) SELECT g, 'C' || g FROM generate_series(1, 3) g;
      INSERT INTO {p} (product_id, product_name, barcode, unity_price) VALUES
        (1, 'P1', 'B1', 1.5), (2, 'P2', 'B2', 2), (3, 'P3', 'B3', 3), (4, 'P4', 'B4', 4),
        (5, 'free', 'B5', 0), (6, 'negative', 'B6', -1), (7, 'twin a', 'DUP', 1),
        (8, 'twin b', 'DUP', 1);
      INSERT INTO {o} (order_id, order_date, delivery_date, customer_id, status)
        SELECT g, current_date - 2, current_date + 1, 1 + g % 3,
               CASE WHEN g % 2 = 0 THEN 'COMPLETED' ELSE 'PENDING' END
        FROM generate_series(1, 10) g;
      INSERT INTO {i} (order_item_id, order_id, product_id, quanity)
        SELECT g, 1 + (g - 1) / 3, 1 + g % 4, 1 + g % 3 FROM generate_series(1, 30) g;
      INSERT INTO {o} (order_id, order_date, delivery_date, customer_id, status) VALUES
        (21, current_date - 2, current_date + 1, 777, 'PENDING'),
        (22, current_date - 2, current_date + 1, NULL, 'PENDING'),
        (23, current_date - 2, current_date + 1, 1, 'LOST'),
        (24, current_date - 2, current_date + 1, 1, NULL),
        (25, current_date - 2, NULL, 1, 'PENDING'),
        (26, current_date - 5, current_date - 10, 1, 'COMPLETED'),
        (27, current_date - 20, current_date - 8, 1, 'PENDING'),
        (28, current_date - 20, current_date - 7, 1, 'PROCESSING'),
        (29, current_date - 40, current_date - 30, 1, 'COMPLETED'),
        (30, current_date - 2, current_date + 1, 2, 'PENDING'),
        (31, current_date - 2, current_date + 1, 2, 'COMPLETED');
      INSERT INTO {i} (order_item_id, order_id, product_id, quanity) VALUES
        (101, 9999, 1, 1), (102, 9999, 1, 1), (103, NULL, 1, 1),
        (104, 1, 888, 1), (105, 1, NULL, 1),
        (106, 21, 1, 1), (107, 22, 1, 1),
        (108, 2, 1, NULL), (109, 2, 1, 0), (110, 2, 1, -2),
        (111, 3, 5, 1), (112, 3, 6, 1),
        (113, 23, 1, 1), (114, 24, 1, 1), (115, 25, 1, 1), (116, 26, 1, 1),
        (117, 27, 1, 1), (118, 28, 1, 1), (119, 29, 1, 1);)",
        fmt::arg("c", src("customers")), fmt::arg("p", src("products")),
        fmt::arg("o", src("orders")), fmt::arg("i", src("order_items"))));
    sync();
    tgt_exec(fmt::format("UPDATE {} SET synced_at = now() - interval '2 days' WHERE "
                         "order_item_id = 101",
                         tgt("analytical_order_items")));
    tgt_exec(fmt::format("UPDATE {} SET synced_at = now() - interval '2 days' WHERE order_id = 21",
                         tgt("analytical_orders")));
  }

  // `acme quality --json` with `args`; the parsed document (exit code checked by the caller).
  json quality_json(const std::vector<std::string>& args, int expect_exit = 0) {
    std::vector<std::string> argv{"quality", "--json"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = acme(argv);
    EXPECT_EQ(r.exit_code, expect_exit) << r.out << r.err;
    return json::parse(r.out);
  }

  // A rules file with `text`; `marker` (if given) replaced by `value` as a JSON string's content.
  std::string rules_file(std::string text, const std::string& marker = "",
                         const std::string& value = "") {
    if (!marker.empty()) {
      const std::string quoted = json(value).dump();
      text.replace(text.find('"' + marker + '"'), marker.size() + 2, quoted);
    }
    std::string path = m_dir.str() + "/rules.json";
    std::ofstream(path) << text;
    return path;
  }

  static std::map<std::string, json> by_name(const json& doc) {
    std::map<std::string, json> out;
    for (const auto& r : doc["rules"]) {
      out[r["name"].get<std::string>()] = r;
    }
    return out;
  }

  acme::test::TempDir m_dir{"quality"};
};

TEST_F(Quality, EveryPlantedDefectIsFoundWithItsExactCountAndKeys) {
  plant();
  const json doc = quality_json({});
  const auto rules = by_name(doc);
  ASSERT_EQ(rules.size(), expected().size()) << doc.dump(2);
  double passed = 0;
  double weights = 0;
  for (const auto& [name, e] : expected()) {
    SCOPED_TRACE(name);
    const json& r = rules.at(name);
    ASSERT_FALSE(r.contains("error")) << r.dump();
    EXPECT_EQ(r["table"], e.table);
    EXPECT_EQ(r["violating_rows"].get<std::int64_t>(), static_cast<std::int64_t>(e.keys.size()));
    EXPECT_EQ(r["sample_keys"].get<std::vector<std::int64_t>>(), e.keys);
    EXPECT_EQ(r["total_rows"].get<std::int64_t>(), k_totals.at(e.table));
    const double share =
        static_cast<double>(e.keys.size()) / static_cast<double>(k_totals.at(e.table));
    EXPECT_NEAR(r["share"].get<double>(), share, 1e-12);
    passed += e.weight * (1 - share);
    weights += e.weight;
  }
  // The orphans made two days old say so; the overdue order is 8 days past its date.
  EXPECT_GE(rules.at("items_orphaned_long").value("oldest_seconds", -1.0), 2 * 86400 - 60);
  EXPECT_NEAR(rules.at("open_order_overdue").value("oldest_seconds", -1.0), 8 * 86400, 1);
  EXPECT_NEAR(doc["score"].get<double>(), 100 * passed / weights, 1e-9);
  EXPECT_EQ(doc["rules_failed"], 0);

  // Recorded: the run with its score, one result row per rule with its keys.
  const auto run_id = doc["run_id"].get<std::int64_t>();
  EXPECT_EQ(tgt_value(fmt::format("SELECT count(*) FROM {}", tgt("acme_quality_runs"))), "1");
  EXPECT_NEAR(std::stod(tgt_value(fmt::format("SELECT score FROM {} WHERE run_id = {}",
                                              tgt("acme_quality_runs"), run_id))),
              doc["score"].get<double>(), 1e-9);
  EXPECT_EQ(tgt_value(fmt::format("SELECT count(*) FROM {} WHERE run_id = {}",
                                  tgt("acme_quality_results"), run_id)),
            std::to_string(expected().size()));
  EXPECT_EQ(tgt_value(fmt::format("SELECT sample_keys::text FROM {} WHERE run_id = {} AND "
                                  "rule_name = 'item_order_missing'",
                                  tgt("acme_quality_results"), run_id)),
            "{101,102,103}");
  EXPECT_EQ(
      tgt_value(fmt::format("SELECT length(config_digest) FROM {}", tgt("acme_quality_runs"))),
      "64");

  // acme status shows it.
  const auto st = acme({"status", "--json"});
  const json status = json::parse(st.out);
  EXPECT_EQ(status["quality"]["run_id"].get<std::int64_t>(), run_id) << st.out;
  EXPECT_NEAR(status["quality"]["score"].get<double>(), doc["score"].get<double>(), 1e-9);
  EXPECT_NE(acme({"status"}).out.find("quality:         score "), std::string::npos);
}

TEST_F(Quality, TheTextOutputHasOneLinePerRuleAndTheScores) {
  plant();
  const auto r = acme({"quality"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& [name, e] : expected()) {
    EXPECT_NE(r.out.find("\n" + name + " "), std::string::npos) << name << "\n" << r.out;
  }
  EXPECT_NE(r.out.find("keys 101,102,103"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  overall "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nanomalies "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nstuck orders as of "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\nprofile: "), std::string::npos) << "profiled without --profile";
}

TEST_F(Quality, ExportReportsQualityWritesTheNewestRunsRules) {
  plant();
  const auto none = acme({"export-reports", "--quality", "--stdout"});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(std::count(none.out.begin(), none.out.end(), '\n'), 1) << "no run yet: the header only";
  ASSERT_EQ(acme({"quality"}).exit_code, 0);
  const auto r = acme({"export-reports", "--quality", "--stdout"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')),
            "run_id,finished_at,run_score,rule,table_name,severity,violating_rows,total_rows,"
            "share,sample_keys,oldest_seconds,error");
  EXPECT_EQ(static_cast<std::size_t>(std::count(r.out.begin(), r.out.end(), '\n')),
            expected().size() + 1)
      << r.out;
  EXPECT_NE(r.out.find(",item_order_missing,analytical_order_items,critical,3,"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("101 102 103"), std::string::npos) << r.out;
}

TEST_F(Quality, ExportReportsProfileWritesDataProfileCsvListedInTheManifest) {
  plant();
  const std::string dir = m_dir.str() + "/out";
  const auto r = acme({"export-reports", "--profile", "--output-dir", dir});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    files.insert(e.path().filename().string());
  }
  EXPECT_EQ(files, (std::set<std::string>{"data_profile.csv", "manifest.json"}));
  const std::string csv = acme::test::read_file(dir + "/data_profile.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "table,column,type,rows,null_share,distinct,distinct_method,min,max,top_values");
  // 49 items, one of them (108) planted with a NULL quantity; 0 and -2 are the smallest.
  const auto line = csv.find("\nanalytical_order_items,quantity,");
  ASSERT_NE(line, std::string::npos) << csv;
  const std::string quantity = csv.substr(line + 1, csv.find('\n', line + 1) - line - 1);
  EXPECT_NE(quantity.find(",49,0.0204,"), std::string::npos) << quantity;
  EXPECT_NE(quantity.find(",exact,-2,"), std::string::npos) << quantity;
  const auto rows = static_cast<std::size_t>(std::count(csv.begin(), csv.end(), '\n')) - 1;
  std::ifstream m(dir + "/manifest.json");
  const auto manifest = json::parse(m);
  ASSERT_EQ(manifest["files"].size(), 1U) << manifest.dump(2);
  const auto& entry = manifest["files"][0];
  EXPECT_EQ(entry["report"], "profile");
  EXPECT_EQ(entry["file"], "data_profile.csv");
  EXPECT_EQ(entry["rows"].get<std::size_t>(), rows);
  EXPECT_EQ(entry["columns"][0], "table");

  const auto refused = acme({"export-reports", "--profile", "--stdout"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("not --profile"), std::string::npos) << refused.err;
}

TEST_F(Quality, ProfileAndAnomaliesComeWithTheRunInTextAndJson) {
  plant();
  const auto text = acme({"quality", "--profile"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("\nprofile: "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("analytical_order_items  quantity "), std::string::npos) << text.out;
  const auto r = acme({"quality", "--json", "--profile"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j.contains("rules")) << r.out.substr(0, 400);
  ASSERT_TRUE(j.contains("anomalies"));
  EXPECT_EQ(j["anomalies"]["series"].size(), 4U);
  ASSERT_TRUE(j.contains("stuck_orders"));
  ASSERT_TRUE(j.contains("profile"));
  bool quantity = false;
  for (const auto& c : j["profile"]) {
    quantity = quantity || (c["table"] == "analytical_order_items" && c["column"] == "quantity");
  }
  EXPECT_TRUE(quantity) << j["profile"].dump().substr(0, 400);
}

TEST_F(Quality, AScoreBelowFailBelowExits5) {
  plant();
  const double score = quality_json({})["score"].get<double>();
  quality_json({"--fail-below", fmt::format("{:.3f}", score + 0.01)}, 5);
  quality_json({"--fail-below", fmt::format("{:.3f}", score - 0.01)}, 0);
  EXPECT_EQ(acme({"quality", "--fail-below", "101"}).exit_code, 2);
  EXPECT_EQ(tgt_value(fmt::format("SELECT count(*) FROM {}", tgt("acme_quality_runs"))), "3");
}

TEST_F(Quality, ARulesFileDisablesRulesChangesSeveritiesAndAddsCustomRules) {
  plant();
  // A predicate that closes the rule's statement, commits the READ ONLY transaction and drops a
  // table, then opens a statement the rest of the rule's SQL completes: one statement only.
  const std::string escape = fmt::format(
      "true)) SELECT 1 AS violating, '' AS samples, NULL::float8 AS oldest_seconds; COMMIT; "
      "DROP TABLE {}; WITH v AS (SELECT 1 AS key, NULL::interval AS age WHERE (true",
      tgt("customers"));
  const auto path = rules_file(R"({
    "statement_timeout_seconds": 1,
    "thresholds": {"overdue_days": 30, "known_statuses": ["PENDING", "PROCESSING", "LOST"]},
    "rules": {"order_without_items": {"enabled": false},
              "product_barcode_shared": {"severity": "critical"}},
    "custom_rules": [
      {"name": "big_quantity", "table": "analytical_order_items", "severity": "minor",
       "where": "quantity >= 3", "description": "three or more of a product"},
      {"name": "broken", "table": "analytical_orders", "where": "no_such_column > 1"},
      {"name": "slow", "table": "products", "where": "pg_sleep(5) IS NOT NULL"},
      {"name": "escape", "table": "customers", "where": "ESCAPE"}
    ]})",
                               "ESCAPE", escape);
  const json doc = quality_json({"--rules", path});
  auto rules = by_name(doc);
  EXPECT_EQ(rules.count("order_without_items"), 0U);
  EXPECT_EQ(rules.at("product_barcode_shared").value("severity", ""), "critical");
  EXPECT_EQ(rules.at("open_order_overdue").value("violating_rows", -1), 0); // 8 days < 30
  // Known statuses: LOST now known, NULL still not; the closed ones are always known.
  EXPECT_EQ(rules.at("order_status_unknown").value("sample_keys", json()), json::array({24}));
  const auto big = tgt_value(
      fmt::format("SELECT count(*) FROM {} WHERE quantity >= 3", tgt("analytical_order_items")));
  EXPECT_EQ(std::to_string(rules.at("big_quantity").value("violating_rows", -1)), big)
      << rules.at("big_quantity").dump();
  EXPECT_NE(rules.at("broken").value("error", "").find("no_such_column"), std::string::npos);
  EXPECT_NE(rules.at("slow").value("error", "").find("statement timeout"), std::string::npos)
      << rules.at("slow").dump();
  EXPECT_NE(rules.at("escape").value("error", "").find("multiple commands"), std::string::npos)
      << rules.at("escape").dump();
  EXPECT_EQ(tgt_value(fmt::format("SELECT count(*) FROM {}", tgt("customers"))), "3");
  EXPECT_EQ(doc["rules_failed"], 3);
  // The rules after the broken ones ran, and the failed ones are recorded with their error.
  EXPECT_EQ(rules.at("item_order_missing").value("violating_rows", -1), 3);
  EXPECT_EQ(tgt_value(fmt::format("SELECT count(*) FROM {} WHERE error IS NOT NULL AND "
                                  "violating_rows IS NULL",
                                  tgt("acme_quality_results"))),
            "3");
  EXPECT_EQ(tgt_value(fmt::format("SELECT rules_failed FROM {}", tgt("acme_quality_runs"))), "3");
}

TEST_F(Quality, ABadRulesFileExits2NamingTheProblem) {
  plant();
  const auto r = acme({"quality", "--rules", rules_file(R"({"custom_rules": [{"name": "x",
      "table": "pg_authid", "where": "true"}]})")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("not an analytical table"), std::string::npos) << r.err;
  const auto env = acme({"quality"}, {"ACME_QUALITY_RULES=" + rules_file("{\"rules\": 1")});
  EXPECT_EQ(env.exit_code, 2) << env.err;
  EXPECT_NE(env.err.find("not valid JSON"), std::string::npos) << env.err;
}

// The target schema is an identifier everywhere, in the built-in rules and the custom ones.
TEST_F(Quality, ASchemaNameWithQuotesWorks) {
  plant();
  const std::string hostile = fmt::format("acme q'b \"{}\"", ::getpid());
  const auto drop = [&] {
    tgt_exec("DROP SCHEMA IF EXISTS " + m_tgt->quote_name(hostile) + " CASCADE");
  };
  drop();
  const std::vector<std::string> env{"ACME_TARGET_SCHEMA=" + hostile};
  ASSERT_EQ(acme({"run-etl"}, env).exit_code, 0);
  const auto path = rules_file(R"({"custom_rules": [{"name": "no_name", "table": "customers",
                                                      "where": "customer_name IS NULL"}]})");
  const auto r = acme({"quality", "--json", "--rules", path}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json doc = json::parse(r.out);
  EXPECT_EQ(doc["rules_failed"], 0) << r.out;
  const auto rules = by_name(doc);
  EXPECT_EQ(rules.at("item_order_missing").value("sample_keys", json()),
            json::array({101, 102, 103}));
  EXPECT_EQ(rules.at("no_name").value("violating_rows", -1), 0);
  drop();
}

#if ACME_TEST_HOOKS // it pauses at the quality-snapshot point, which only test builds have
// The rules read one snapshot with plain SELECTs: a sync started while it is open commits, and
// what it brings is not in the run.
TEST_F(Quality, ASyncCommitsWhileTheQualitySnapshotIsOpen) {
  plant();
  bool synced = false;
  acme::test_point::set_callback([&](std::string_view point) {
    if (point != "quality-snapshot") {
      return;
    }
    src_exec(fmt::format("INSERT INTO {} (order_item_id, order_id, product_id, quanity) VALUES "
                         "(200, 1, 1, 0)",
                         src("order_items")));
    auto done = std::async(std::launch::async, [this] { sync(); });
    synced = done.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
    if (synced) {
      done.get();
    }
  });
  const auto rules = acme::quality::load_rules("", m_closed);
  acme::quality::QualityRun run;
  try {
    run = acme::quality::run_quality(config(), rules);
  } catch (...) {
    acme::test_point::set_callback({});
    throw;
  }
  acme::test_point::set_callback({});
  EXPECT_TRUE(synced) << "the sync did not finish while the quality snapshot was open";
  EXPECT_EQ(tgt_value(fmt::format("SELECT quantity FROM {} WHERE order_item_id = 200",
                                  tgt("analytical_order_items"))),
            "0");
  for (const auto& r : run.results) {
    if (r.name == "item_quantity_invalid") {
      EXPECT_EQ(r.samples, (std::vector<std::int64_t>{108, 109, 110}));
    }
  }
}
#endif

} // namespace
