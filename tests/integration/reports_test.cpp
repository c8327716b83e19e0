// acme export-reports against a real target. Each test builds the target schema from the
// embedded migrations and writes analytical rows directly (no sync needed), the way the
// ETL keeps them (is_open from the default closed set, items denormalized from their order and
// product). Every report is compared with an independently written SQL oracle.
#include "acme/db/connection.hpp"
#include "acme/db/migrator.hpp"
#include "acme/report/atomic_file.hpp"
#include "acme/sql/embedded.hpp"
#include "support/csv_reader.hpp"
#include "support/pg.hpp"
#include "support/temp_dir.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using acme::test::read_file;
using acme::test::run_process;

namespace {

using Table = std::vector<std::vector<std::string>>;

constexpr const char* k_open_orders = "open_orders_by_delivery_date_and_status.csv";
constexpr const char* k_top_dates = "top_delivery_dates.csv";
constexpr const char* k_pending_items = "pending_items_by_product.csv";
constexpr const char* k_top_customers = "top_customers_by_pending_orders.csv";

using acme::test::parse_csv;

std::string neutralized(const std::string& text) {
  if (!text.empty() && std::string("=+-@\t\r").find(text.front()) != std::string::npos) {
    return "'" + text;
  }
  return text;
}

std::string describe(const Table& t) {
  std::string out;
  for (const auto& row : t) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      out += (i > 0 ? " | " : "") + row[i];
    }
    out += '\n';
  }
  return out;
}

// Random but reproducible analytical rows with every awkward value the reports must survive.
// {schema} is the target schema. Dimension tables hold the names the oracle joins back to.
constexpr const char* k_generate = R"sql(
SELECT setseed(0.42);
INSERT INTO {schema}.customers (customer_id, customer_name)
SELECT g, (ARRAY['Smith, John', 'O"Brien', E'multi\nline', 'Zoë Ünïcödé 東京', '=1+2',
                 '+33 1 23', '-minus', '@SUM(A1)', E'\ttab', 'plain ' || g, 'Ana "the" best, Inc.'])
          [1 + g % 11] || ' #' || g
FROM generate_series(1, 40) g;
INSERT INTO {schema}.products (product_id, product_name, unity_price)
SELECT g, (ARRAY['Widget, large', 'Bolt "M8"', E'Two\r\nlines', 'Café ñandú', '=cmd|calc',
                 '+plus', '-5 discount', '@at', 'Plain'])[1 + g % 9] || ' #' || g,
       round((random() * 100)::numeric, 2)
FROM generate_series(1, 30) g;
INSERT INTO {schema}.analytical_orders (order_id, customer_id, customer_name, order_date,
                                        delivery_date, status)
SELECT g,
       CASE WHEN random() < 0.05 THEN NULL ELSE 1 + floor(random() * 44)::int END,
       NULL, DATE '2024-01-01',
       CASE WHEN random() < 0.1 THEN NULL ELSE DATE '2024-02-01' + floor(random() * 15)::int END,
       (ARRAY['PENDING', 'PENDING', 'PROCESSING', 'REPROCESSING', 'COMPLETED', 'CANCELLED',
              NULL, 'ON_HOLD', 'pending'])[1 + floor(random() * 9)::int]
FROM generate_series(1, 700) g;
UPDATE {schema}.analytical_orders o SET customer_name = c.customer_name
FROM {schema}.customers c WHERE c.customer_id = o.customer_id;
UPDATE {schema}.analytical_orders
SET is_open = status IS NULL OR status NOT IN ('COMPLETED', 'CANCELLED');
INSERT INTO {schema}.analytical_order_items (order_item_id, order_id, product_id, quantity,
                                             order_status, delivery_date, is_open)
SELECT row_number() OVER (), o.order_id,
       CASE WHEN random() < 0.03 THEN NULL ELSE 1 + floor(random() * 33)::int END,
       CASE WHEN random() < 0.05 THEN NULL ELSE 1 + floor(random() * 10)::int END,
       o.status, o.delivery_date, o.is_open
FROM {schema}.analytical_orders o, generate_series(1, 1 + (o.order_id % 6)) k;
UPDATE {schema}.analytical_order_items i SET product_name = p.product_name, price = p.unity_price
FROM {schema}.products p WHERE p.product_id = i.product_id;
UPDATE {schema}.analytical_orders o
SET total_items = t.items, total_amount = t.amount
FROM (SELECT order_id, sum(coalesce(quantity, 0)) AS items,
             coalesce(sum(quantity * price), 0) AS amount
      FROM {schema}.analytical_order_items GROUP BY order_id) t
WHERE t.order_id = o.order_id;
ANALYZE {schema}.analytical_orders;
ANALYZE {schema}.analytical_order_items;
)sql";

// The oracles: the same reports written differently (openness from the status and the closed
// set rather than is_open, items' status from their order, names from the dimension tables,
// ranking with window functions, explicit text formatting) so a slip in one is caught.
constexpr const char* k_oracle_open_orders = R"sql(
SELECT to_char(delivery_date, 'YYYY-MM-DD'), status, count(order_id)::text,
       sum(total_amount)::text
FROM {schema}.analytical_orders
WHERE status IS NULL OR status NOT IN ('COMPLETED', 'CANCELLED')
GROUP BY delivery_date, status
ORDER BY delivery_date IS NULL, delivery_date, status IS NULL, convert_to(status, 'UTF8')
)sql";

constexpr const char* k_oracle_top_dates = R"sql(
SELECT d, n::text, u::text FROM (
  SELECT to_char(delivery_date, 'YYYY-MM-DD') AS d, count(*) AS n,
         count(DISTINCT customer_id) AS u,
         row_number() OVER (ORDER BY count(*) DESC, delivery_date) AS rn
  FROM {schema}.analytical_orders
  WHERE (status IS NULL OR status NOT IN ('COMPLETED', 'CANCELLED'))
    AND delivery_date IS NOT NULL
  GROUP BY delivery_date) ranked
WHERE rn <= 3 ORDER BY rn
)sql";

constexpr const char* k_oracle_pending_items = R"sql(
SELECT i.product_id::text, (SELECT p.product_name FROM {schema}.products p
                            WHERE p.product_id = i.product_id),
       sum(CASE WHEN i.quantity IS NULL THEN 0 ELSE i.quantity END)::text AS items,
       sum(CASE WHEN i.quantity IS NULL OR i.price IS NULL THEN 0
                ELSE i.quantity * i.price END)::text
FROM {schema}.analytical_order_items i
JOIN {schema}.analytical_orders o ON o.order_id = i.order_id
WHERE o.status = 'PENDING'
GROUP BY i.product_id
ORDER BY sum(CASE WHEN i.quantity IS NULL THEN 0 ELSE i.quantity END) DESC,
         i.product_id IS NULL, i.product_id
)sql";

constexpr const char* k_oracle_top_customers = R"sql(
SELECT id::text, (SELECT c.customer_name FROM {schema}.customers c WHERE c.customer_id = id),
       n::text, amount::text FROM (
  SELECT customer_id AS id, count(*) AS n, sum(total_amount) AS amount,
         rank() OVER (ORDER BY count(*) DESC, customer_id) AS rn
  FROM {schema}.analytical_orders
  WHERE status = 'PENDING' AND customer_id IS NOT NULL
  GROUP BY customer_id) ranked
WHERE rn <= 3 ORDER BY rn
)sql";

class ReportExport : public acme::test::PgTest {
protected:
  std::string schema() const { return acme::db::quote_ident(m_target_schema); }

  // The target as migrations leave it (what acme migrate / the first run-etl will create).
  void migrate() { acme::db::migrate(*m_tgt, m_target_schema); }

  void sql(const std::string& text) { tgt_exec(acme::db::with_schema(text, m_target_schema)); }

  // Runs an oracle and renders its rows as the CSV must read back: NULL as an empty field,
  // text columns neutralized.
  Table oracle(const std::string& query, const std::vector<std::size_t>& text_columns) {
    Table t;
    for (const auto& row : tgt_exec(acme::db::with_schema(query, m_target_schema))) {
      std::vector<std::string> cells;
      for (std::size_t i = 0; i < row.size(); ++i) {
        const auto f = row[static_cast<pqxx::row::size_type>(i)];
        std::string v = f.is_null() ? "" : f.as<std::string>();
        for (const auto c : text_columns) {
          if (c == i) {
            v = neutralized(v);
          }
        }
        cells.push_back(v);
      }
      t.push_back(cells);
    }
    return t;
  }

  acme::test::ProcessResult export_reports(std::vector<std::string> flags) {
    std::vector<std::string> args{"export-reports"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"--output-dir", m_out.path().string()});
    return acme(args);
  }

  Table csv(const char* file) { return parse_csv(read_file(m_out.path() / file)); }

  nlohmann::json manifest() {
    return nlohmann::json::parse(read_file(m_out.path() / "manifest.json"));
  }

  acme::test::TempDir m_out{"out"};
};

void expect_report(const Table& got, const std::vector<std::string>& header, const Table& want,
                   const char* file) {
  ASSERT_FALSE(got.empty()) << file << " has no header";
  EXPECT_EQ(got.front(), header) << file;
  const Table rows(got.begin() + 1, got.end());
  EXPECT_EQ(rows, want) << file << "\n--- got:\n"
                        << describe(rows) << "--- want:\n"
                        << describe(want);
}

} // namespace

TEST_F(ReportExport, EveryReportMatchesAnIndependentOracle) {
  migrate();
  sql(k_generate);
  const auto r = export_reports({"--all"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const Table open_orders = oracle(k_oracle_open_orders, {1});
  const Table top_dates = oracle(k_oracle_top_dates, {});
  const Table pending_items = oracle(k_oracle_pending_items, {1});
  const Table top_customers = oracle(k_oracle_top_customers, {1});
  ASSERT_GT(open_orders.size(), 40U);
  ASSERT_EQ(top_dates.size(), 3U);
  ASSERT_GT(pending_items.size(), 20U);
  ASSERT_EQ(top_customers.size(), 3U);

  expect_report(csv(k_open_orders), {"delivery_date", "status", "order_count", "total_amount"},
                open_orders, k_open_orders);
  expect_report(csv(k_top_dates), {"delivery_date", "open_order_count", "unique_customers"},
                top_dates, k_top_dates);
  expect_report(csv(k_pending_items),
                {"product_id", "product_name", "pending_items", "pending_amount"}, pending_items,
                k_pending_items);
  expect_report(csv(k_top_customers),
                {"customer_id", "customer_name", "pending_order_count", "pending_amount"},
                top_customers, k_top_customers);

  const auto m = manifest();
  ASSERT_EQ(m["files"].size(), 6U) << "--all: the five CSVs and report.html";
  EXPECT_EQ(m["files"][4]["file"], "status_durations.csv");
  EXPECT_EQ(m["files"][4]["rows"], 0) << "no status history was written";
  EXPECT_EQ(m["files"][4]["days"], 30);
  EXPECT_EQ(m["files"].back()["file"], "report.html");
  EXPECT_EQ(m["files"].back()["format"], "html");
  EXPECT_TRUE(fs::is_regular_file(m_out.path() / "report.html"));
  EXPECT_EQ(m["files"][0]["rows"], open_orders.size());
  EXPECT_EQ(m["files"][1]["rows"], top_dates.size());
  EXPECT_EQ(m["files"][2]["rows"], pending_items.size());
  EXPECT_EQ(m["files"][3]["rows"], top_customers.size());
  EXPECT_NE(r.out.find(k_pending_items), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("manifest.json"), std::string::npos) << r.out;
}

TEST_F(ReportExport, EmptyTargetWritesHeaderOnlyFilesAndANeverSyncedManifest) {
  migrate();
  const auto r = export_reports({"--all"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(m_out.path() / k_open_orders),
            "delivery_date,status,order_count,total_amount\n");
  EXPECT_EQ(read_file(m_out.path() / k_top_dates),
            "delivery_date,open_order_count,unique_customers\n");
  EXPECT_EQ(read_file(m_out.path() / k_pending_items),
            "product_id,product_name,pending_items,pending_amount\n");
  EXPECT_EQ(read_file(m_out.path() / k_top_customers),
            "customer_id,customer_name,pending_order_count,pending_amount\n");
  const auto m = manifest();
  EXPECT_TRUE(m["sync"]["last_successful_sync_at"].is_null()) << m.dump(2);
  EXPECT_TRUE(m["sync"]["last_successful_run"].is_null()) << m.dump(2);
  EXPECT_TRUE(m["sync"]["cursors"].is_object() && m["sync"]["cursors"].empty()) << m.dump(2);
  for (const auto& f : m["files"]) {
    if (f["format"] == "csv") {
      EXPECT_EQ(f["rows"], 0) << f.dump();
    }
  }
  const auto html = read_file(m_out.path() / "report.html");
  EXPECT_NE(html.find("never been synced"), std::string::npos);
  EXPECT_NE(html.find("No open orders in this snapshot."), std::string::npos);
  EXPECT_EQ(html.find("<svg"), std::string::npos) << "empty reports draw no chart";
}

TEST_F(ReportExport, NullDeliveryDatesAndStatusesAreEmptyFieldsSortedLast) {
  migrate();
  sql(R"sql(
INSERT INTO {schema}.analytical_orders (order_id, customer_id, delivery_date, status,
                                        total_amount, is_open) VALUES
  (1, 7, NULL, NULL, 1.10, TRUE),
  (2, 7, NULL, 'PENDING', 2.20, TRUE),
  (3, NULL, '2024-03-02', NULL, 3.30, TRUE),
  (4, 8, '2024-03-02', 'PROCESSING', 4.40, TRUE),
  (5, 8, '2024-03-02', 'PENDING', 5.50, TRUE),
  (6, 9, '2024-03-01', 'PENDING', 6.60, TRUE),
  (7, 9, '2024-03-01', 'PENDING', 0.01, TRUE),
  (8, 9, '2024-03-01', 'COMPLETED', 100, FALSE),
  (9, 9, NULL, 'CANCELLED', 100, FALSE),
  (10, 9, '2024-03-01', 'ON_HOLD', 100, FALSE),
  (11, 10, '2024-03-03', 'Zulu', 0, TRUE),
  (12, 10, '2024-03-03', 'alpha', 0, TRUE),
  (13, 10, '2024-03-03', 'Alpha', 0, TRUE);
)sql");
  const auto r = export_reports({"--open-orders", "--top-dates"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Order 10 is closed by a custom closed set: the report follows is_open, not the status.
  // Statuses sort by byte order: "Alpha" < "Zulu" < "alpha".
  EXPECT_EQ(read_file(m_out.path() / k_open_orders),
            "delivery_date,status,order_count,total_amount\n"
            "2024-03-01,PENDING,2,6.61\n"
            "2024-03-02,PENDING,1,5.50\n"
            "2024-03-02,PROCESSING,1,4.40\n"
            "2024-03-02,,1,3.30\n"
            "2024-03-03,Alpha,1,0\n"
            "2024-03-03,Zulu,1,0\n"
            "2024-03-03,alpha,1,0\n"
            ",PENDING,1,2.20\n"
            ",,1,1.10\n");
  // NULL delivery dates are not a date; unique_customers ignores the NULL customer.
  EXPECT_EQ(read_file(m_out.path() / k_top_dates),
            "delivery_date,open_order_count,unique_customers\n"
            "2024-03-02,3,1\n"
            "2024-03-03,3,1\n"
            "2024-03-01,2,1\n");
  EXPECT_FALSE(fs::exists(m_out.path() / k_pending_items));
  EXPECT_FALSE(fs::exists(m_out.path() / k_top_customers));
  EXPECT_EQ(manifest()["files"].size(), 2U);
}

TEST_F(ReportExport, TiesAtThirdPlaceGoToTheEarlierDateAndTheLowerCustomerId) {
  migrate();
  sql(R"sql(
INSERT INTO {schema}.analytical_orders (order_id, customer_id, customer_name, delivery_date,
                                        status, total_amount, is_open)
SELECT 1000 * d + k, NULL, NULL, DATE '2024-05-01' + d, 'PROCESSING', 1, TRUE
FROM (VALUES (5, 4), (1, 2), (9, 2), (3, 2), (7, 3)) AS counts(d, n),
     generate_series(1, n) k;
INSERT INTO {schema}.analytical_orders (order_id, customer_id, customer_name, delivery_date,
                                        status, total_amount, is_open)
SELECT 100 * c + k, c, 'Customer ' || c, NULL, 'PENDING', 10.05, TRUE
FROM (VALUES (40, 3), (12, 2), (31, 2), (25, 2), (2, 1)) AS counts(c, n),
     generate_series(1, n) k;
INSERT INTO {schema}.analytical_orders (order_id, customer_id, customer_name, delivery_date,
                                        status, total_amount, is_open)
SELECT 90000 + k, NULL, NULL, NULL, 'PENDING', 1, TRUE FROM generate_series(1, 5) k;
)sql");
  const auto r = export_reports({"--top-dates", "--top-customers"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(m_out.path() / k_top_dates),
            "delivery_date,open_order_count,unique_customers\n"
            "2024-05-06,4,0\n"
            "2024-05-08,3,0\n"
            "2024-05-02,2,0\n");
  EXPECT_EQ(read_file(m_out.path() / k_top_customers),
            "customer_id,customer_name,pending_order_count,pending_amount\n"
            "40,Customer 40,3,30.15\n"
            "12,Customer 12,2,20.10\n"
            "25,Customer 25,2,20.10\n");
}

TEST_F(ReportExport, HostileNamesAreQuotedAndNeutralizedButNumbersAreNot) {
  migrate();
  sql(R"sql(
INSERT INTO {schema}.analytical_orders (order_id, customer_id, customer_name, delivery_date,
                                        status, total_amount, is_open) VALUES
  (1, 1, '=HYPERLINK("http://x","click")', '2024-01-01', 'PENDING', -5.00, TRUE),
  (2, 1, '=HYPERLINK("http://x","click")', '2024-01-01', 'PENDING', 1.00, TRUE),
  (3, 2, E'Smith, John\nLine 2', '2024-01-01', 'PENDING', 0, TRUE),
  (4, 3, '@SUM(A1) Ünïcödé 東京 🚚', '2024-01-01', 'PENDING', 0, TRUE),
  (5, 4, 'plain', '2024-01-01', 'PENDING', 0, TRUE);
INSERT INTO {schema}.analytical_order_items (order_item_id, order_id, product_id, product_name,
                                             quantity, price, order_status, is_open) VALUES
  (1, 1, 1, '+33 "quoted"', 5, -1.25, 'PENDING', TRUE),
  (2, 1, 2, '-minus', 4, NULL, 'PENDING', TRUE),
  (3, 1, 3, E'\tTab', 3, 1, 'PENDING', TRUE),
  (4, 1, 4, E'\rCR', 2, 1, 'PENDING', TRUE),
  (5, 1, 5, 'Crème brûlée, "deluxe"', 1, 2.50, 'PENDING', TRUE),
  (6, 1, 6, '', 1, NULL, 'PENDING', TRUE);
)sql");
  const auto r = export_reports({"--pending-items", "--top-customers"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(m_out.path() / k_pending_items),
            "product_id,product_name,pending_items,pending_amount\n"
            "1,\"'+33 \"\"quoted\"\"\",5,-6.25\n"
            "2,'-minus,4,0\n"
            "3,'\tTab,3,3\n"
            "4,\"'\rCR\",2,2\n"
            "5,\"Crème brûlée, \"\"deluxe\"\"\",1,2.50\n"
            "6,\"\",1,0\n");
  EXPECT_EQ(read_file(m_out.path() / k_top_customers),
            "customer_id,customer_name,pending_order_count,pending_amount\n"
            "1,\"'=HYPERLINK(\"\"http://x\"\",\"\"click\"\")\",2,-4.00\n"
            "2,\"Smith, John\nLine 2\",1,0\n"
            "3,'@SUM(A1) Ünïcödé 東京 🚚,1,0\n");
}

TEST_F(ReportExport, ManifestRecordsTheSyncStateTheReportsReflect) {
  migrate();
  sql(R"sql(
INSERT INTO {schema}.acme_runs (run_id, started_at, finished_at, mode, status, acme_version) VALUES
  (1, '2024-06-01 10:00:00+00', '2024-06-01 10:00:05.25+00', 'full', 'succeeded', 'x'),
  (2, '2024-06-01 10:01:00+00', '2024-06-01 10:01:02+00', 'incremental', 'succeeded', 'x'),
  (3, '2024-06-01 10:02:00+00', '2024-06-01 10:02:01+00', 'incremental', 'failed', 'x');
INSERT INTO {schema}.acme_sync_state (table_name, cursor_ts, cursor_pk, last_full_at) VALUES
  ('orders', '2024-06-01 09:59:59.123', 4242, '2024-06-01 10:00:05+00'),
  ('products', NULL, NULL, NULL);
INSERT INTO {schema}.acme_settings (key, value) VALUES
  ('closed_statuses', '["COMPLETED", "CANCELLED"]');
)sql");
  const auto r = acme({"export-reports", "--top-dates", "--output-dir", m_out.path().string()},
                      {"ACME_CLOSED_STATUSES=COMPLETED,CANCELLED,ON_HOLD"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto m = manifest();
  EXPECT_EQ(m["target_schema"], m_target_schema);
  // is_open was computed with the set the last sync applied: that is what the reports reflect.
  EXPECT_EQ(m["closed_statuses"], nlohmann::json::array({"COMPLETED", "CANCELLED"}));
  EXPECT_NE(r.err.find("not the configured ones"), std::string::npos) << r.err;
  EXPECT_EQ(m["sync"]["last_successful_sync_at"], "2024-06-01T10:01:02.000000Z") << m.dump(2);
  EXPECT_EQ(m["sync"]["last_successful_run"]["run_id"], 2);
  EXPECT_EQ(m["sync"]["last_successful_run"]["mode"], "incremental");
  EXPECT_EQ(m["sync"]["cursors"]["orders"]["cursor_ts"], "2024-06-01T09:59:59.123");
  EXPECT_EQ(m["sync"]["cursors"]["orders"]["cursor_pk"], 4242);
  EXPECT_EQ(m["sync"]["cursors"]["orders"]["last_full_at"], "2024-06-01T10:00:05.000000Z");
  EXPECT_TRUE(m["sync"]["cursors"]["products"]["cursor_ts"].is_null());
  EXPECT_TRUE(m["sync"]["cursors"]["products"]["cursor_pk"].is_null());
  EXPECT_EQ(m["sync"]["target_settings"]["closed_statuses"],
            nlohmann::json::array({"COMPLETED", "CANCELLED"}));
  const std::string generated = m["generated_at"];
  EXPECT_EQ(generated.size(), 27U) << generated; // 2024-06-01T10:01:02.123456Z
  EXPECT_EQ(generated.back(), 'Z');
  ASSERT_EQ(m["files"].size(), 1U);
  EXPECT_EQ(m["files"][0]["file"], k_top_dates);
  EXPECT_EQ(m["files"][0]["report"], "top-dates");
  EXPECT_EQ(m["files"][0]["rows"], 0);
}

TEST_F(ReportExport, SymlinkAtTheDestinationIsReplacedNotFollowed) {
  migrate();
  const acme::test::TempDir victim_dir("victim");
  const auto victim = victim_dir.path() / "precious.txt";
  std::ofstream(victim) << "do not touch\n";
  fs::create_symlink(victim, m_out.path() / k_open_orders);
  fs::create_symlink(victim, m_out.path() / "manifest.json");
  const auto r = export_reports({"--open-orders"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(victim), "do not touch\n");
  EXPECT_FALSE(fs::is_symlink(m_out.path() / k_open_orders));
  EXPECT_FALSE(fs::is_symlink(m_out.path() / "manifest.json"));
  EXPECT_EQ(read_file(m_out.path() / k_open_orders),
            "delivery_date,status,order_count,total_amount\n");
}

TEST_F(ReportExport, AnExistingReportIsReplacedWholeAndNoTemporaryFileRemains) {
  migrate();
  std::ofstream(m_out.path() / k_top_dates) << "stale content that is longer than the new file\n";
  sql("INSERT INTO {schema}.analytical_orders (order_id, delivery_date, status, is_open) "
      "VALUES (1, '2024-01-01', 'PENDING', TRUE)");
  const auto r = export_reports({"--top-dates"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(m_out.path() / k_top_dates),
            "delivery_date,open_order_count,unique_customers\n2024-01-01,1,0\n");
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(m_out.path())) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"manifest.json", k_top_dates}));
  // Reports hold customer names: 0640 by default, whatever the umask.
  for (const char* f : {k_top_dates, "manifest.json"}) {
    struct stat st {};
    ASSERT_EQ(::stat((m_out.path() / f).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777U, 0640U) << f;
  }
  const auto chosen = export_reports({"--top-dates", "--file-mode", "0600"});
  ASSERT_EQ(chosen.exit_code, 0) << chosen.err;
  struct stat st {};
  ASSERT_EQ(::stat((m_out.path() / k_top_dates).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777U, 0600U);
  for (const char* bad : {"0666", "0644x", "9", "0400"}) {
    const auto refused = export_reports({"--top-dates", "--file-mode", bad});
    EXPECT_EQ(refused.exit_code, 2) << bad << ": " << refused.err;
    EXPECT_NE(refused.err.find("--file-mode"), std::string::npos) << refused.err;
  }
}

// Another user's directory (or one everybody may write to) could expose or swap the reports:
// refused with exit 2 and nothing written; a new directory is created 0750.
TEST_F(ReportExport, AnOutputDirectoryAnotherUserControlsIsRefused) {
  migrate();
  const acme::test::TempDir parent("owned");
  const auto theirs = parent.path() / "theirs";
  fs::create_directory(theirs);
  if (::geteuid() == 0) {
    ASSERT_EQ(::chown(theirs.c_str(), 65534, 65534), 0) << std::strerror(errno);
  }
  const auto open_to_all = parent.path() / "open";
  fs::create_directory(open_to_all);
  fs::permissions(open_to_all, fs::perms(0777), fs::perm_options::replace);
  for (const auto& dir : {::geteuid() == 0 ? theirs : fs::path("/"), open_to_all}) {
    const auto r = acme({"export-reports", "--top-dates", "--output-dir", dir.string()});
    EXPECT_EQ(r.exit_code, 2) << dir << ": " << r.err;
    EXPECT_NE(r.err.find("refusing"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / k_top_dates)) << dir;
  }
  // Sticky and world-writable (like /tmp): nobody can replace another's files there.
  fs::permissions(open_to_all, fs::perms(01777), fs::perm_options::replace);
  const auto sticky = acme({"export-reports", "--top-dates", "--output-dir", open_to_all.string()});
  EXPECT_EQ(sticky.exit_code, 0) << sticky.err;
  const auto fresh = parent.path() / "fresh" / "reports";
  ASSERT_EQ(acme({"export-reports", "--top-dates", "--output-dir", fresh.string()}).exit_code, 0);
  EXPECT_EQ(fs::status(fresh).permissions() & fs::perms::all, fs::perms(0750));
}

TEST_F(ReportExport, ATargetWithoutTheAcmeSchemaIsAClearFatalErrorAndWritesNothing) {
  const auto out = m_out.path() / "not-created";
  const auto r = acme({"export-reports", "--all", "--output-dir", out.string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("the target has no acme schema '" + m_target_schema +
                       "': run acme run-etl (or acme migrate) first"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(out));

  tgt_exec("CREATE SCHEMA " + schema());
  const auto half = acme({"export-reports", "--top-dates", "--stdout"});
  EXPECT_EQ(half.exit_code, 1) << half.err;
  EXPECT_NE(half.err.find("has no table analytical_orders"), std::string::npos) << half.err;
  EXPECT_EQ(half.out, "");
}

TEST_F(ReportExport, StdoutWritesExactlyTheOneSelectedReportAndNoFiles) {
  migrate();
  sql(k_generate);
  ASSERT_EQ(export_reports({"--pending-items"}).exit_code, 0);
  const acme::test::TempDir cwd("cwd");
  const auto r = run_process({ACME_BIN, "export-reports", "--pending-items", "--stdout"},
                             acme_env(), cwd.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, read_file(m_out.path() / k_pending_items));
  EXPECT_GT(parse_csv(r.out).size(), 20U);
  EXPECT_TRUE(fs::is_empty(cwd.path())) << "no output directory or manifest with --stdout";
}

TEST_F(ReportExport, DefaultOutputDirectoryIsCreatedInTheWorkingDirectory) {
  migrate();
  const acme::test::TempDir cwd("cwd");
  const auto r =
      run_process({ACME_BIN, "export-reports", "--all"}, acme_env(), cwd.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* f : {k_open_orders, k_top_dates, k_pending_items, k_top_customers, "report.html",
                        "manifest.json"}) {
    EXPECT_TRUE(fs::is_regular_file(cwd.path() / "output" / f)) << f;
  }
}

TEST(ReportCli, UsageErrorsExit2) {
  const std::vector<std::string> env{"ACME_TARGET_DSN=postgresql://127.0.0.1:1/x",
                                     "ACME_ENV_FILE=/dev/null"};
  const acme::test::TempDir cwd("cwd");
  const std::vector<std::vector<std::string>> cases{
      {"export-reports"},
      {"export-reports", "--output-dir", "x"},
      {"export-reports", "--all", "--stdout"},
      {"export-reports", "--open-orders", "--top-dates", "--stdout"},
      {"export-reports", "--open-orders", "--stdout", "--output-dir", "x"},
      {"export-reports", "--open-orders", "--no-such-flag"},
      {"export-reports", "--html", "--stdout"},
      {"export-reports", "--open-orders", "--html", "--stdout"},
  };
  for (const auto& args : cases) {
    std::vector<std::string> argv{ACME_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = run_process(argv, env, cwd.path().string());
    EXPECT_EQ(r.exit_code, 2) << args.back() << ": " << r.err;
    EXPECT_FALSE(r.err.empty());
  }
  EXPECT_TRUE(fs::is_empty(cwd.path()));
}

TEST(ReportCli, MissingTargetDsnExits2AndAnUnreachableTargetExits1) {
  const acme::test::TempDir cwd("cwd");
  const auto missing =
      run_process({ACME_BIN, "export-reports", "--all"},
                  {"ACME_TARGET_DSN=", "ACME_ENV_FILE=/dev/null"}, cwd.path().string());
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_NE(missing.err.find("ACME_TARGET_DSN"), std::string::npos) << missing.err;
  const auto down =
      run_process({ACME_BIN, "export-reports", "--all"},
                  {"ACME_TARGET_DSN=postgresql://u:s3cret@127.0.0.1:1/x?connect_timeout=2",
                   "ACME_ENV_FILE=/dev/null"},
                  cwd.path().string());
  EXPECT_EQ(down.exit_code, 1) << down.err;
  EXPECT_EQ(down.err.find("s3cret"), std::string::npos) << down.err;
  EXPECT_TRUE(fs::is_empty(cwd.path()));
}

TEST(CsvAtomicFile, CommitPublishesTheWholeContent) {
  const acme::test::TempDir dir("atomic");
  const auto dest = dir.path() / "report.csv";
  {
    acme::report::AtomicFile f(dest);
    EXPECT_TRUE(fs::is_empty(dir.path())) << "the file has no name until commit";
    EXPECT_FALSE(fs::exists(dest));
    std::string big(600 * 1024, 'x');
    f.write("head\n");
    f.write(big);
    f.write("tail\n");
    EXPECT_FALSE(fs::exists(dest)) << "nothing is visible before commit";
    f.commit();
    EXPECT_TRUE(f.temp_path().empty());
  }
  const auto text = read_file(dest);
  EXPECT_EQ(text.size(), 5 + 600 * 1024 + 5U);
  EXPECT_EQ(text.substr(0, 5), "head\n");
  EXPECT_EQ(text.substr(text.size() - 5), "tail\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(CsvAtomicFile, AnAbandonedWriteLeavesTheOldFileIntactAndRemovesItsTemporaryFile) {
  const acme::test::TempDir dir("atomic");
  const auto dest = dir.path() / "report.csv";
  std::ofstream(dest) << "old complete report\n";
  {
    acme::report::AtomicFile f(dest);
    f.write("half a new rep");
  }
  EXPECT_EQ(read_file(dest), "old complete report\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

// A writer killed in the middle (SIGKILL: no destructor runs) leaves no temporary file: until
// commit the file has no name (O_TMPFILE).
TEST(CsvAtomicFile, AWriterKilledInTheMiddleLeavesNothingBehind) {
  const acme::test::TempDir dir("atomic");
  const auto dest = dir.path() / "report.csv";
  std::ofstream(dest) << "old complete report\n";
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    acme::report::AtomicFile f(dest);
    f.write(std::string(600 * 1024, 'x')); // past the buffer: bytes reach the file
    ::raise(SIGKILL);
    ::_exit(1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(read_file(dest), "old complete report\n");
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    names.push_back(e.path().filename().string());
  }
  EXPECT_EQ(names, std::vector<std::string>{"report.csv"});
}

TEST(CsvAtomicFile, TheModeIsExactWhateverTheUmask) {
  const acme::test::TempDir dir("atomic");
  const mode_t saved = ::umask(0);
  for (const mode_t mode : {mode_t{0640}, mode_t{0600}}) {
    acme::report::AtomicFile f(dir.path() / "report.csv", mode);
    f.write("x\n");
    f.commit();
    struct stat st {};
    ASSERT_EQ(::stat((dir.path() / "report.csv").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777U, mode);
  }
  ::umask(saved);
}

TEST(CsvAtomicFile, ASymlinkAtTheDestinationIsReplacedNotFollowed) {
  const acme::test::TempDir dir("atomic");
  const auto victim = dir.path() / "victim";
  std::ofstream(victim) << "keep\n";
  fs::create_symlink(victim, dir.path() / "report.csv");
  acme::report::AtomicFile f(dir.path() / "report.csv");
  f.write("new\n");
  f.commit();
  EXPECT_FALSE(fs::is_symlink(dir.path() / "report.csv"));
  EXPECT_EQ(read_file(dir.path() / "report.csv"), "new\n");
  EXPECT_EQ(read_file(victim), "keep\n");
}

TEST(CsvAtomicFile, AnUnwritableDirectoryIsAClearError) {
  const acme::test::TempDir dir("atomic");
  try {
    acme::report::AtomicFile f(dir.path() / "missing" / "report.csv");
    ADD_FAILURE() << "expected acme::Error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("cannot create a temporary file"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("report.csv"), std::string::npos) << e.what();
  }
}

namespace {

// The same reports computed from the *source* tables (design.md §3: an order is open unless its
// status is COMPLETED or CANCELLED; amounts from current prices, as a fresh load stores them).
constexpr const char* k_source_amounts = R"sql(
WITH amounts AS (
  SELECT o.order_id, coalesce(sum(i.quanity * p.unity_price), 0) AS amount
  FROM {schema}.orders o
  LEFT JOIN {schema}.order_items i ON i.order_id = o.order_id
  LEFT JOIN {schema}.products p ON p.product_id = i.product_id
  GROUP BY o.order_id),
open_orders AS (
  SELECT o.*, a.amount FROM {schema}.orders o JOIN amounts a USING (order_id)
  WHERE o.status IS NULL OR o.status NOT IN ('COMPLETED', 'CANCELLED'))
)sql";

constexpr const char* k_source_open_orders = R"sql(
SELECT to_char(delivery_date, 'YYYY-MM-DD'), status, count(*)::text, sum(amount)::text
FROM open_orders GROUP BY delivery_date, status
ORDER BY delivery_date IS NULL, delivery_date, status IS NULL, convert_to(status, 'UTF8')
)sql";

constexpr const char* k_source_top_dates = R"sql(
SELECT to_char(delivery_date, 'YYYY-MM-DD'), count(*)::text, count(DISTINCT customer_id)::text
FROM open_orders WHERE delivery_date IS NOT NULL GROUP BY delivery_date
ORDER BY count(*) DESC, delivery_date LIMIT 3
)sql";

constexpr const char* k_source_pending_items = R"sql(
SELECT i.product_id::text, min(p.product_name), sum(coalesce(i.quanity, 0))::text,
       coalesce(sum(i.quanity * p.unity_price), 0)::text
FROM {schema}.order_items i
JOIN {schema}.orders o ON o.order_id = i.order_id
LEFT JOIN {schema}.products p ON p.product_id = i.product_id
WHERE o.status = 'PENDING'
GROUP BY i.product_id
ORDER BY sum(coalesce(i.quanity, 0)) DESC, i.product_id IS NULL, i.product_id
)sql";

constexpr const char* k_source_top_customers = R"sql(
SELECT o.customer_id::text, min(c.customer_name), count(*)::text, sum(o.amount)::text
FROM open_orders o LEFT JOIN {schema}.customers c ON c.customer_id = o.customer_id
WHERE o.status = 'PENDING' AND o.customer_id IS NOT NULL
GROUP BY o.customer_id ORDER BY count(*) DESC, o.customer_id LIMIT 3
)sql";

// Hostile names on the customers and products that dominate the pending reports.
constexpr const char* k_source_hostile = R"sql(
INSERT INTO {schema}.customers (customer_name, customer_address) VALUES
  ('=HYPERLINK("http://evil","x")', 'hostile'), (E'Smith, John\n"Jr"', 'hostile'),
  ('+Zoë Ünïcödé 東京', 'hostile');
INSERT INTO {schema}.products (product_name, barcode, unity_price) VALUES
  ('@SUM(A1)', 'HOSTILE1', 1.5), ('-5% off, "today"', 'HOSTILE2', 0.333),
  (E'\tTabbed', 'HOSTILE3', 12);
INSERT INTO {schema}.orders (order_date, delivery_date, customer_id, status)
SELECT DATE '2024-06-20',
       CASE WHEN k % 4 = 0 THEN NULL ELSE DATE '2024-07-02' + k % 3 END,
       c.customer_id, CASE WHEN k % 7 = 0 THEN NULL ELSE 'PENDING' END
FROM (SELECT customer_id, row_number() OVER (ORDER BY customer_id) AS rk
      FROM {schema}.customers WHERE customer_address = 'hostile') c,
     generate_series(1, 60 - 10 * c.rk::int) k;
INSERT INTO {schema}.order_items (order_id, product_id, quanity)
SELECT o.order_id, p.product_id,
       CASE WHEN (o.order_id + p.product_id) % 5 = 0 THEN NULL ELSE 1 + o.order_id % 4 END
FROM {schema}.orders o
JOIN {schema}.customers c ON c.customer_id = o.customer_id AND c.customer_address = 'hostile'
CROSS JOIN {schema}.products p WHERE p.barcode LIKE 'HOSTILE%';
ANALYZE;
)sql";

// "1234.500" and "1234.5" are the same number: compare decimals by value.
std::string canonical_number(std::string v) {
  if (v.find('.') != std::string::npos) {
    while (!v.empty() && v.back() == '0') {
      v.pop_back();
    }
    if (!v.empty() && v.back() == '.') {
      v.pop_back();
    }
  }
  return v;
}

Table canonical(Table t, const std::vector<std::size_t>& number_columns) {
  for (auto& row : t) {
    for (const auto c : number_columns) {
      if (c < row.size()) {
        row[c] = canonical_number(row[c]);
      }
    }
  }
  return t;
}

} // namespace

TEST_F(ReportExport, AfterAnEtlRunEveryReportMatchesSqlOverTheSource) {
  const auto fill = run_process({ACME_DATAGEN_BIN,
                                 "--dsn",
                                 acme::test::source_dsn(),
                                 "--schema",
                                 m_source_schema,
                                 "fill",
                                 "--customers",
                                 "300",
                                 "--products",
                                 "120",
                                 "--orders",
                                 "4000",
                                 "--items-per-order",
                                 "6",
                                 "--seed",
                                 "11",
                                 "--as-of",
                                 "2024-07-01",
                                 "--null-fraction",
                                 "0.05"});
  ASSERT_EQ(fill.exit_code, 0) << fill.err;
  src_exec(acme::db::with_schema(k_source_hostile, m_source_schema));
  const auto etl = acme({"run-etl"});
  ASSERT_EQ(etl.exit_code, 0) << etl.err;
  const auto r = export_reports({"--all"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  auto source = [&](const char* query, const std::vector<std::size_t>& text_columns) {
    Table t;
    const std::string text = std::string(k_source_amounts) + query;
    for (const auto& row : src_exec(acme::db::with_schema(text, m_source_schema))) {
      std::vector<std::string> cells;
      for (std::size_t i = 0; i < row.size(); ++i) {
        const auto f = row[static_cast<pqxx::row::size_type>(i)];
        const std::string v = f.is_null() ? "" : f.as<std::string>();
        const bool is_text =
            std::find(text_columns.begin(), text_columns.end(), i) != text_columns.end();
        cells.push_back(is_text ? neutralized(v) : v);
      }
      t.push_back(cells);
    }
    return t;
  };
  const Table open_orders = source(k_source_open_orders, {1});
  const Table top_dates = source(k_source_top_dates, {});
  const Table pending_items = source(k_source_pending_items, {1});
  const Table top_customers = source(k_source_top_customers, {1});
  ASSERT_GT(open_orders.size(), 10U);
  ASSERT_EQ(top_dates.size(), 3U);
  ASSERT_GT(pending_items.size(), 10U);
  ASSERT_EQ(top_customers.size(), 3U);
  EXPECT_EQ(top_customers[0][1], "'=HYPERLINK(\"http://evil\",\"x\")");

  expect_report(canonical(csv(k_open_orders), {2, 3}),
                {"delivery_date", "status", "order_count", "total_amount"},
                canonical(open_orders, {2, 3}), k_open_orders);
  expect_report(csv(k_top_dates), {"delivery_date", "open_order_count", "unique_customers"},
                top_dates, k_top_dates);
  expect_report(canonical(csv(k_pending_items), {2, 3}),
                {"product_id", "product_name", "pending_items", "pending_amount"},
                canonical(pending_items, {2, 3}), k_pending_items);
  expect_report(canonical(csv(k_top_customers), {2, 3}),
                {"customer_id", "customer_name", "pending_order_count", "pending_amount"},
                canonical(top_customers, {2, 3}), k_top_customers);

  const auto m = manifest();
  EXPECT_FALSE(m["sync"]["last_successful_sync_at"].is_null()) << m.dump(2);
  EXPECT_FALSE(m["sync"]["cursors"].empty()) << m.dump(2);
  EXPECT_EQ(m["sync"]["target_settings"]["closed_statuses"],
            nlohmann::json::array({"CANCELLED", "COMPLETED"}));
}
