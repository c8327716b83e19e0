// acme export-reports --html against a real target, rendered by headless Chromium
// (Debian's chromium package, scripts/install-deps): the page is not blank, has every chart and
// table with the snapshot's rows, and hostile names show as text and run nothing.
#include "acme/db/connection.hpp"
#include "acme/db/migrator.hpp"
#include "acme/report/html_report.hpp"
#include "acme/report/reports.hpp"
#include "acme/sql/embedded.hpp"
#include "support/chromium.hpp"
#include "support/csv_reader.hpp"
#include "support/pg.hpp"
#include "support/temp_dir.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using acme::test::read_file;
using acme::test::run_process;
using acme::test::TempDir;

namespace {

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

std::string lower(std::string s) {
  for (auto& c : s) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

// A PNG's size from its IHDR chunk; {0, 0} if the bytes are not a PNG.
std::pair<std::uint32_t, std::uint32_t> png_size(const std::string& png) {
  const std::string signature = "\x89PNG\r\n\x1a\n";
  if (png.size() < 24 || png.compare(0, 8, signature) != 0 || png.compare(12, 4, "IHDR") != 0) {
    return {0, 0};
  }
  auto be32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      v = (v << 8) | static_cast<unsigned char>(png[at + i]);
    }
    return v;
  };
  return {be32(16), be32(20)};
}

// Text of an element as Chromium serializes it: tags dropped, &amp; &lt; &gt; &quot; &nbsp;
// decoded.
std::string text_of(const std::string& html) {
  std::string out;
  bool in_tag = false;
  for (const char c : html) {
    if (c == '<') {
      in_tag = true;
    } else if (c == '>') {
      in_tag = false;
    } else if (!in_tag) {
      out += c;
    }
  }
  const std::pair<std::string, std::string> entities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&nbsp;", "\xC2\xA0"}, {"&amp;", "&"}};
  for (const auto& [from, to] : entities) {
    for (auto pos = out.find(from); pos != std::string::npos;
         pos = out.find(from, pos + to.size())) {
      out.replace(pos, from.size(), to);
    }
  }
  return out;
}

// The body rows of <table id="{id}">, each as its cells' text.
std::vector<std::vector<std::string>> table_rows(const std::string& dom, const std::string& id) {
  std::vector<std::vector<std::string>> rows;
  const auto start = dom.find("<table id=\"" + id + "\"");
  if (start == std::string::npos) {
    return rows;
  }
  const auto body = dom.find("<tbody>", start);
  const auto end = dom.find("</table>", start);
  for (auto tr = dom.find("<tr>", body); tr != std::string::npos && tr < end;
       tr = dom.find("<tr>", tr + 4)) {
    const auto tr_end = dom.find("</tr>", tr);
    std::vector<std::string> cells;
    for (auto td = dom.find("<td", tr); td != std::string::npos && td < tr_end;
         td = dom.find("<td", td + 3)) {
      const auto open_end = dom.find('>', td);
      const auto close = dom.find("</td>", open_end);
      cells.push_back(text_of(dom.substr(open_end + 1, close - open_end - 1)));
    }
    rows.push_back(cells);
  }
  return rows;
}

std::string neutralized(const std::string& text) {
  if (!text.empty() && std::string("=+-@\t\r").find(text.front()) != std::string::npos) {
    return "'" + text;
  }
  return text;
}

// Hostile customer and product names next to ordinary ones: markup, script, an event handler
// that would mark the page if it ran, quotes, right-to-left override, emoji, formula triggers.
// Every one of them lands in the page: customers 2, 3 and 7 have the most pending orders,
// products 1-4, 7 and 8 are among the 20 with the most pending items (of 24).
constexpr const char* k_data = R"sql(
INSERT INTO {schema}.analytical_orders (order_id, customer_id, customer_name, delivery_date,
                                        status, total_amount, is_open)
SELECT g,
       1 + g % 7,
       (ARRAY['=HYPERLINK("x")', '<script>alert(1)</script>', 'O"Brien & ''Sons'' 🚚',
              'Plain 4', 'Plain 5', 'Plain 6',
              '<img src=x onerror="document.documentElement.setAttribute(''data-pwned'',''1'')">'])
         [1 + g % 7],
       DATE '2024-02-01' + (g % 11),
       (ARRAY['PENDING', 'PENDING', 'PROCESSING', 'REPROCESSING', 'COMPLETED'])[1 + g % 5],
       round((g * 1.37)::numeric, 2),
       g % 5 <> 4
FROM generate_series(1, 300) g;
INSERT INTO {schema}.analytical_order_items (order_item_id, order_id, product_id, product_name,
                                             quantity, price, order_status, delivery_date, is_open)
SELECT row_number() OVER (), o.order_id, 1 + (o.order_id + k) % 30,
       CASE 1 + (o.order_id + k) % 30
         WHEN 1 THEN '<script>alert(1)</script>'
         WHEN 2 THEN '<script>document.title=''pwned''</script>'
         WHEN 3 THEN E'\u202Eevil\u202C مرحبا'
         WHEN 4 THEN 'Zoë 🚚 👩‍👩‍👧 東京'
         WHEN 7 THEN '<img src=x onerror="document.documentElement.setAttribute(''data-pwned'',''1'')">'
         WHEN 8 THEN '=cmd|calc'
         ELSE 'Product ' || (1 + (o.order_id + k) % 30) END,
       1 + k, 2.50, o.status, o.delivery_date, o.is_open
FROM {schema}.analytical_orders o, generate_series(0, 2) k;
INSERT INTO {schema}.acme_runs (run_id, started_at, finished_at, mode, status, acme_version) VALUES
  (1, now() - interval '10 minutes', now() - interval '7 minutes', 'incremental', 'succeeded', 'x');
)sql";

class HtmlExport : public acme::test::PgTest {
protected:
  void SetUp() override {
    PgTest::SetUp();
    acme::db::migrate(*m_tgt, m_target_schema);
  }

  void sql(const std::string& text) { tgt_exec(acme::db::with_schema(text, m_target_schema)); }

  TempDir m_out{"html"};
};

} // namespace

TEST_F(HtmlExport, ChromiumRendersEveryChartAndTableAndHostileNamesStayText) {
  sql(k_data);
  const auto r = acme({"export-reports", "--all", "--output-dir", m_out.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path page = m_out.path() / "report.html";
  ASSERT_TRUE(fs::is_regular_file(page));
  const std::string html = read_file(page);
  EXPECT_EQ(lower(html).find("<script"), std::string::npos) << "no script element in the file";

  // The DOM as Chromium built it.
  const auto dump = acme::test::chromium("file://" + page.string(), {"--dump-dom"});
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  const std::string& dom = dump.out;
  ASSERT_NE(dom.find("<h1>ACME orders"), std::string::npos) << dom.substr(0, 2000);
  EXPECT_EQ(count(dom, "<svg"), 4U)
      << "one chart per report with rows (no history, no quality run, no order dates here)";
  EXPECT_EQ(lower(dom).find("<script"), std::string::npos) << "no injected script element";
  EXPECT_EQ(dom.find("<img"), std::string::npos) << "no injected image element";
  EXPECT_EQ(dom.find("data-pwned=\"1\""), std::string::npos) << "the event handler never ran";
  EXPECT_EQ(dom.find("<title>pwned</title>"), std::string::npos) << "the script never ran";
  EXPECT_NE(dom.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos)
      << "the name shows as text";
  EXPECT_NE(dom.find("Zoë 🚚 👩‍👩‍👧 東京"), std::string::npos);
  EXPECT_NE(dom.find("\u202Eevil\u202C مرحبا"), std::string::npos);
  EXPECT_NE(dom.find("id=\"freshness\""), std::string::npos);
  EXPECT_NE(dom.find("incremental (run 1)"), std::string::npos);
  EXPECT_NE(dom.find("Lag"), std::string::npos);

  // Tables hold the same snapshot's rows as the CSVs.
  auto csv_rows = [&](const char* file) {
    auto rows = acme::test::parse_csv(read_file(m_out.path() / file));
    rows.erase(rows.begin());
    return rows;
  };
  const auto open_csv = csv_rows("open_orders_by_delivery_date_and_status.csv");
  const auto open_html = table_rows(dom, "open-orders-table");
  ASSERT_EQ(open_html.size(), open_csv.size());
  EXPECT_EQ(open_html.size(), 11U * 3U) << "11 dates x 3 open statuses";
  EXPECT_EQ(open_html, open_csv);
  EXPECT_EQ(table_rows(dom, "top-dates-table"), csv_rows("top_delivery_dates.csv"));

  const auto items_csv = csv_rows("pending_items_by_product.csv");
  auto items_html = table_rows(dom, "pending-items-table");
  ASSERT_EQ(items_csv.size(), 24U) << "products with pending items";
  ASSERT_EQ(items_html.size(), 20U) << "top 20 products";
  for (auto& row : items_html) {
    row[1] = neutralized(row[1]);
  }
  EXPECT_EQ(items_html,
            std::vector<std::vector<std::string>>(items_csv.begin(), items_csv.begin() + 20));
  EXPECT_NE(dom.find("Top 20 of 24 products"), std::string::npos);

  auto customers_html = table_rows(dom, "top-customers-table");
  for (auto& row : customers_html) {
    row[1] = neutralized(row[1]);
  }
  EXPECT_EQ(customers_html, csv_rows("top_customers_by_pending_orders.csv"));

  // The screenshot is a real rendering: a 1280 x 2000 PNG far larger than a blank page's.
  const TempDir shots("shots");
  const fs::path png = shots.path() / "report.png";
  const auto shot = acme::test::chromium(
      "file://" + page.string(), {"--screenshot=" + png.string(), "--window-size=1280,2000"});
  ASSERT_EQ(shot.exit_code, 0) << shot.err;
  const std::string bytes = read_file(png);
  EXPECT_EQ(png_size(bytes), (std::pair<std::uint32_t, std::uint32_t>{1280, 2000}));
  const fs::path blank_page = shots.path() / "blank.html";
  std::ofstream(blank_page) << "<!DOCTYPE html><html><body></body></html>\n";
  const fs::path blank_png = shots.path() / "blank.png";
  const auto blank =
      acme::test::chromium("file://" + blank_page.string(),
                           {"--screenshot=" + blank_png.string(), "--window-size=1280,2000"});
  ASSERT_EQ(blank.exit_code, 0) << blank.err;
  const auto blank_size = fs::file_size(blank_png);
  EXPECT_GT(bytes.size(), 40U * 1024U);
  EXPECT_GT(bytes.size(), 10U * blank_size)
      << "report " << bytes.size() << " B, blank page " << blank_size << " B";

  // Listed in the manifest after the CSVs.
  const auto m = nlohmann::json::parse(read_file(m_out.path() / "manifest.json"));
  const auto& c = acme::report::catalog();
  const auto in_all =
      std::count_if(c.begin(), c.end(), [](const auto& report) { return report.in_all; });
  ASSERT_EQ(m["files"].size(), static_cast<std::size_t>(in_all) + 1);
  EXPECT_EQ(m["files"].back()["file"], "report.html");
  EXPECT_EQ(m["files"].back()["reports"].size(), acme::report::html_sections().size());
}

// The quality section shows the newest recorded run (score, one table row per rule, as
// data_quality.csv has them) and the anomalies section marks a planted spike: 5 new orders a day
// for 90 days, then 40 yesterday (the target's yesterday: the last complete day scored).
TEST_F(HtmlExport, ChromiumShowsTheQualityRunAndMarksTheFlaggedDay) {
  sql(k_data);
  sql(R"sql(
INSERT INTO {schema}.analytical_orders (order_id, customer_id, order_date, status, total_amount,
                                        is_open)
SELECT 1000 + row_number() OVER (), 1, current_date - d, 'COMPLETED', 10, false
FROM generate_series(1, 90) d, generate_series(1, 5) k
UNION ALL
SELECT 2000 + k, 1, current_date - 1, 'COMPLETED', 10, false FROM generate_series(1, 35) k;
)sql");
  const std::string yesterday =
      tgt_exec("SELECT (current_date - 1)::text").front().front().as<std::string>();
  ASSERT_EQ(acme({"quality"}).exit_code, 0);
  const auto r =
      acme({"export-reports", "--quality", "--html", "--output-dir", m_out.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto dump =
      acme::test::chromium("file://" + (m_out.path() / "report.html").string(), {"--dump-dom"});
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  const std::string& dom = dump.out;

  auto rules = acme::test::parse_csv(read_file(m_out.path() / "data_quality.csv"));
  rules.erase(rules.begin());
  ASSERT_FALSE(rules.empty());
  const auto shown = table_rows(dom, "quality-table");
  ASSERT_EQ(shown.size(), rules.size());
  for (std::size_t i = 0; i < rules.size(); ++i) {
    EXPECT_EQ(shown[i][0], rules[i][3]) << "rule";
    EXPECT_EQ(shown[i][1], rules[i][4]) << "table";
    EXPECT_EQ(shown[i][3], rules[i][6]) << "violating rows of " << rules[i][3];
  }
  EXPECT_NE(dom.find("Score " + rules[0][2] + " of 100"), std::string::npos) << "the run's score";
  EXPECT_NE(dom.find("id=\"quality\""), std::string::npos);

  const auto flagged = table_rows(dom, "anomalies-table");
  ASSERT_FALSE(flagged.empty()) << dom.substr(dom.find("id=\"anomalies\""), 2000);
  EXPECT_EQ(flagged[0][0], "new_orders");
  EXPECT_EQ(flagged[0][1], yesterday);
  EXPECT_EQ(flagged[0][2], "40");
  EXPECT_EQ(flagged[0][3], "5.00") << "the baseline median";
  // In the chart, yesterday's bar is in the flagged series; the day before is not.
  EXPECT_NE(dom.find("<title>" + yesterday + " — Flagged: 40</title>"), std::string::npos);
  const std::string before =
      tgt_exec("SELECT (current_date - 2)::text").front().front().as<std::string>();
  EXPECT_NE(dom.find("<title>" + before + " — Within its baseline: 5</title>"), std::string::npos);
  EXPECT_EQ(count(dom, "— Flagged: "), flagged.size()) << "one flagged bar per flagged day";
}

TEST_F(HtmlExport, HtmlAloneWritesOnlyThePageAndTheManifest) {
  sql(k_data);
  const auto r = acme({"export-reports", "--html", "--output-dir", m_out.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(m_out.path())) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"manifest.json", "report.html"}));
  const auto m = nlohmann::json::parse(read_file(m_out.path() / "manifest.json"));
  ASSERT_EQ(m["files"].size(), 1U);
  EXPECT_EQ(m["files"][0]["format"], "html");
  EXPECT_NE(r.out.find("report.html"), std::string::npos) << r.out;
}

TEST_F(HtmlExport, HtmlWithOneCsvWritesBothFromOneRun) {
  sql(k_data);
  const auto r =
      acme({"export-reports", "--top-dates", "--html", "--output-dir", m_out.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_regular_file(m_out.path() / "top_delivery_dates.csv"));
  EXPECT_TRUE(fs::is_regular_file(m_out.path() / "report.html"));
  EXPECT_FALSE(fs::exists(m_out.path() / "pending_items_by_product.csv"));
  const std::string html = read_file(m_out.path() / "report.html");
  EXPECT_EQ(count(html, "<svg"), 4U) << "the page shows every report whatever CSVs are chosen";
}

TEST_F(HtmlExport, EmptyTargetPageSaysSoAndWarnsThatItWasNeverSynced) {
  const auto r = acme({"export-reports", "--html", "--output-dir", m_out.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path page = m_out.path() / "report.html";
  const auto dump = acme::test::chromium("file://" + page.string(), {"--dump-dom"});
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_EQ(count(dump.out, "<svg"), 0U) << "no chart, not even of daily series at zero";
  EXPECT_EQ(count(dump.out, "<table"), 0U);
  EXPECT_EQ(count(dump.out, "class=\"empty\""), acme::report::html_sections().size() + 1)
      << "every report and the anomalies (nothing to score)";
  EXPECT_NE(dump.out.find("nothing to score"), std::string::npos);
  EXPECT_NE(dump.out.find("class=\"banner warning\""), std::string::npos);
  EXPECT_NE(dump.out.find("never been synced"), std::string::npos);
}

TEST_F(HtmlExport, AFailedExportLeavesThePreviousPageInPlace) {
  sql(k_data);
  ASSERT_EQ(acme({"export-reports", "--html", "--output-dir", m_out.path().string()}).exit_code, 0);
  const std::string before = read_file(m_out.path() / "report.html");
  tgt_exec("DROP TABLE " + acme::db::qualify(m_target_schema, "acme_runs") + " CASCADE");
  const auto r = acme({"export-reports", "--html", "--output-dir", m_out.path().string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(read_file(m_out.path() / "report.html"), before);
  for (const auto& e : fs::directory_iterator(m_out.path())) {
    const auto name = e.path().filename().string();
    EXPECT_TRUE(name == "report.html" || name == "manifest.json") << "leftover " << name;
  }
}

TEST_F(HtmlExport, ThePagesContentSecurityPolicyStopsAScriptThatGotIn) {
  // Defence in depth: were escaping ever to fail, the page's own policy still runs nothing.
  sql(k_data);
  ASSERT_EQ(acme({"export-reports", "--html", "--output-dir", m_out.path().string()}).exit_code, 0);
  const fs::path page = m_out.path() / "report.html";
  std::string html = read_file(page);
  const auto body = html.find("<body>");
  ASSERT_NE(body, std::string::npos);
  html.insert(body + 6, "<script>document.documentElement.setAttribute('data-pwned','1')</script>"
                        "<img src=x onerror=\"document.title='pwned'\">");
  const fs::path tampered = m_out.path() / "tampered.html";
  std::ofstream(tampered) << html;
  const auto dump = acme::test::chromium("file://" + tampered.string(), {"--dump-dom"});
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_NE(dump.out.find("<script>"), std::string::npos) << "the injected element is there";
  EXPECT_EQ(dump.out.find("data-pwned=\"1\""), std::string::npos) << "but it did not run";
  EXPECT_EQ(dump.out.find("<title>pwned</title>"), std::string::npos) << "nor did the handler";
}
