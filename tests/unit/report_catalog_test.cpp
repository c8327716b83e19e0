#include "acme/report/exporter.hpp"
#include "acme/report/reports.hpp"

#include <gtest/gtest.h>
#include <set>
#include <string>

using acme::report::catalog;
using acme::report::CellKind;
using acme::report::find_report;

TEST(ReportCatalog, HasEveryReportWithItsExactFileAndColumns) {
  const auto& c = catalog();
  ASSERT_EQ(c.size(), 6U);
  auto names = [](const acme::report::Report& r) {
    std::string out;
    for (const auto& col : r.columns) {
      out += (out.empty() ? "" : ",") + std::string(col.name);
    }
    return out;
  };
  EXPECT_EQ(c[0].file_name, "open_orders_by_delivery_date_and_status.csv");
  EXPECT_EQ(names(c[0]), "delivery_date,status,order_count,total_amount");
  EXPECT_EQ(c[1].file_name, "top_delivery_dates.csv");
  EXPECT_EQ(names(c[1]), "delivery_date,open_order_count,unique_customers");
  EXPECT_EQ(c[2].file_name, "pending_items_by_product.csv");
  EXPECT_EQ(names(c[2]), "product_id,product_name,pending_items,pending_amount");
  EXPECT_EQ(c[3].file_name, "top_customers_by_pending_orders.csv");
  EXPECT_EQ(names(c[3]), "customer_id,customer_name,pending_order_count,pending_amount");
  EXPECT_EQ(c[4].file_name, "status_durations.csv");
  EXPECT_EQ(names(c[4]), "status,intervals,orders,avg_hours,p50_hours,p90_hours,max_hours,"
                         "open_intervals,open_p90_hours");
  EXPECT_EQ(c[5].file_name, "data_quality.csv");
  EXPECT_EQ(names(c[5]), "run_id,finished_at,run_score,rule,table_name,severity,violating_rows,"
                         "total_rows,share,sample_keys,oldest_seconds,error");
  for (std::size_t i = 0; i < c.size(); ++i) {
    EXPECT_EQ(c[i].in_all, i < 5) << c[i].name << ": --all exports the orders' reports only";
  }
}

TEST(ReportCatalog, DaysAndSchemaAreSubstitutedEverywhere) {
  const auto* r = find_report("status-durations");
  ASSERT_NE(r, nullptr);
  const auto sql = acme::report::report_sql(*r, {"an\"alytics", 7});
  EXPECT_EQ(sql.find("{days}"), std::string::npos);
  EXPECT_EQ(sql.find("{schema}"), std::string::npos);
  EXPECT_NE(sql.find("7 * interval '1 day'"), std::string::npos);
  EXPECT_NE(sql.find("\"an\"\"alytics\".analytical_order_status_history"), std::string::npos);
}

TEST(ReportCatalog, OnlyNameAndStatusColumnsAreText) {
  std::set<std::string> text;
  for (const auto& r : catalog()) {
    for (const auto& col : r.columns) {
      if (col.kind == CellKind::text) {
        text.insert(std::string(r.name) + "." + std::string(col.name));
      }
    }
  }
  EXPECT_EQ(text,
            (std::set<std::string>{"open-orders.status", "pending-items.product_name",
                                   "top-customers.customer_name", "status-durations.status",
                                   "quality.finished_at", "quality.rule", "quality.table_name",
                                   "quality.severity", "quality.sample_keys", "quality.error"}));
}

TEST(ReportCatalog, EveryQueryIsSchemaQualifiedAndCursorSafe) {
  for (const auto& r : catalog()) {
    EXPECT_NE(r.sql.find("{schema}."), std::string_view::npos) << r.name;
    // The exporter wraps the text in DECLARE ... CURSOR FOR: one statement, no semicolon.
    std::string code; // the text without its -- comments
    std::size_t pos = 0;
    while (pos < r.sql.size()) {
      auto end = r.sql.find('\n', pos);
      end = end == std::string_view::npos ? r.sql.size() : end;
      const auto line = r.sql.substr(pos, end - pos);
      code += line.substr(0, line.find("--"));
      code += '\n';
      pos = end + 1;
    }
    EXPECT_EQ(code.find(';'), std::string::npos) << r.name;
    EXPECT_NE(code.find("SELECT"), std::string::npos) << r.name;
    for (const auto& col : r.columns) {
      EXPECT_NE(r.sql.find(col.name), std::string_view::npos) << r.name << "." << col.name;
    }
  }
}

TEST(ReportCatalog, FindsReportsByFlagName) {
  ASSERT_NE(find_report("open-orders"), nullptr);
  EXPECT_EQ(find_report("top-customers")->file_name, "top_customers_by_pending_orders.csv");
  EXPECT_EQ(find_report("nope"), nullptr);
}

TEST(ReportManifest, RecordsSnapshotSettingsSyncStateAndFiles) {
  acme::report::ExportOptions options{"analytics", {"COMPLETED", "CANCELLED"}, "out", {}};
  nlohmann::ordered_json sync = {{"last_successful_sync_at", nullptr},
                                 {"cursors", nlohmann::ordered_json::object()}};
  std::vector<acme::report::WrittenFile> files{
      {"csv", "out/top_delivery_dates.csv", {&catalog()[1]}, 3, {}, {}},
      {"csv", "out/top_customers_by_pending_orders.csv", {&catalog()[3]}, 0, {}, {}},
      {"html",
       "out/report.html",
       {&catalog()[0], &catalog()[1], &catalog()[2], &catalog()[3]},
       0,
       {},
       {}},
      {"csv", "out/data_profile.csv", {}, 41, "profile", {"table", "column"}}};
  const auto m = acme::report::make_manifest("2024-05-01T10:00:00.000000Z", options, sync, files);
  EXPECT_EQ(m["generated_at"], "2024-05-01T10:00:00.000000Z");
  EXPECT_EQ(m["target_schema"], "analytics");
  EXPECT_EQ(m["closed_statuses"], nlohmann::ordered_json::array({"COMPLETED", "CANCELLED"}));
  EXPECT_TRUE(m["sync"]["last_successful_sync_at"].is_null());
  ASSERT_EQ(m["files"].size(), 4U);
  EXPECT_EQ(m["files"][0]["report"], "top-dates");
  EXPECT_EQ(m["files"][0]["format"], "csv");
  EXPECT_EQ(m["files"][0]["file"], "top_delivery_dates.csv");
  EXPECT_EQ(m["files"][0]["rows"], 3);
  EXPECT_EQ(m["files"][1]["rows"], 0);
  EXPECT_EQ(m["files"][1]["columns"][1], "customer_name");
  EXPECT_EQ(m["files"][2]["file"], "report.html");
  EXPECT_EQ(m["files"][2]["format"], "html");
  EXPECT_EQ(m["files"][2]["reports"],
            nlohmann::ordered_json::array(
                {"open-orders", "top-dates", "pending-items", "top-customers"}));
  EXPECT_FALSE(m["files"][2].contains("rows"));
  // A CSV that is not a catalog report: named and described by the file itself.
  EXPECT_EQ(m["files"][3], nlohmann::ordered_json({{"report", "profile"},
                                                   {"file", "data_profile.csv"},
                                                   {"format", "csv"},
                                                   {"rows", 41},
                                                   {"columns", {"table", "column"}}}));
  EXPECT_FALSE(m["acme_version"].get<std::string>().empty());
}
