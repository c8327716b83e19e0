// The rules of design.md §3 (an order's openness, its totals, an item's price) are each written
// once (sql/etl/*_rule.sql, is_open.sql), but reach the target by several paths: the incremental
// merges and fan-outs (with the re-pricing difference of fanout_items.sql), a full reload of a
// loaded target (settled prices, totals over the shadow items) and a first full load (totals
// summed from the streamed items). One source, loaded each way, must give the same rows, and
// each must satisfy the oracle.
#include "acme/db/connection.hpp"
#include "support/etl_fixture.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <string>

namespace {

class RulesBothWays : public acme::test::EtlTest {
protected:
  void exec(const std::string& sql) {
    src_exec(fmt::format(fmt::runtime(sql), fmt::arg("c", src("customers")),
                         fmt::arg("p", src("products")), fmt::arg("o", src("orders")),
                         fmt::arg("i", src("order_items"))));
  }

  // The target's orders and items as text, one line per row, every column a rule decides (and
  // the amounts' scale); `closed_prices`: include the settled names, prices and amounts of
  // closed orders.
  std::string rows(bool closed_prices = true) {
    return tgt_value(fmt::format(
               "SELECT string_agg(order_id || '|' || is_open || '|' || COALESCE(status, '-') || "
               "'|' || total_items || '|' || CASE WHEN is_open OR {0} THEN total_amount::text "
               "ELSE '' END, E'\\n' ORDER BY order_id) FROM {1}",
               closed_prices ? "TRUE" : "FALSE", tgt("analytical_orders"))) +
           "\n" +
           tgt_value(fmt::format(
               "SELECT string_agg(order_item_id || '|' || COALESCE(order_id::text, '-') || '|' "
               "|| CASE WHEN is_open OR {0} THEN COALESCE(product_name, '-') ELSE '' END || '|' || "
               "COALESCE(quantity::text, '-') || '|' || "
               "CASE WHEN is_open OR {0} THEN COALESCE(price::text, '-') ELSE '' END || '|' || "
               "is_open || '|' || COALESCE(order_status, '-'), E'\\n' ORDER BY order_item_id) "
               "FROM {1}",
               closed_prices ? "TRUE" : "FALSE", tgt("analytical_order_items")));
  }
};

// Built up over incremental cycles with every awkward case the rules decide: NULL, unknown and
// other-case statuses; NULL, zero and negative quantities; prices of scales 0 to 3, NaN,
// infinity, missing products and orders; re-pricing at the same and another scale; items
// moving between orders; orders closing, re-priced after closing (settled), reopening.
TEST_F(RulesBothWays, IncrementalCyclesAFullReloadAndAFirstLoadAgreeWithEachOtherAndTheOracle) {
  EXPECT_EQ(sync().mode, "full"); // an empty source: every row below arrives incrementally
  exec("INSERT INTO {c} (customer_id, customer_name, customer_address) VALUES (1, 'c1', 'a1');"
       "INSERT INTO {p} (product_id, product_name, barcode, unity_price) VALUES "
       "  (1, 'p1', 'b1', 2.5), (2, 'p2', 'b2', 3), (3, 'p3', 'b3', 0.125), (4, 'p4', 'b4', -7),"
       "  (5, 'p5', 'b5', 'NaN'), (6, 'p6', 'b6', 'Infinity'), (7, 'p7', 'b7', 0.000),"
       "  (8, 'p8', 'b8', 19.99);"
       "INSERT INTO {o} (order_id, customer_id, status) SELECT g, 1, "
       "  (ARRAY['PENDING', NULL, 'MYSTERY', 'completed', '', 'PROCESSING'])[1 + g % 6] "
       "  FROM generate_series(1, 24) g;"
       // Order 24 keeps no items; item 9001 has no order, 9002 a missing one, 9003 no product.
       "INSERT INTO {i} (order_item_id, order_id, product_id, quanity) "
       "  SELECT o * 10 + j, o, 1 + (o + j) % 8, "
       "    CASE (o * j) % 5 WHEN 0 THEN NULL WHEN 1 THEN 0 WHEN 2 THEN -2 ELSE j END "
       "  FROM generate_series(1, 23) o, generate_series(1, 4) j;"
       "INSERT INTO {i} (order_item_id, order_id, product_id, quanity) VALUES "
       "  (9001, NULL, 1, 5), (9002, 9999, 2, 5), (9003, 3, 99, 4)");
  EXPECT_EQ(sync().mode, "incremental");
  expect_invariant("inserted");
  const auto touch = [this](const std::string& table, const std::string& set,
                            const std::string& where) {
    exec(fmt::format("UPDATE {{{}}} SET {}, updated_at = CURRENT_TIMESTAMP(3) WHERE {}", table, set,
                     where));
  };
  touch("p", "unity_price = 2.75", "product_id = 1");          // same scale: the difference
  touch("p", "unity_price = 3.50", "product_id = 2");          // scale 0 -> 2: a recompute
  touch("p", "unity_price = 0.1", "product_id = 3");           // scale 3 -> 1
  touch("p", "product_name = 'p8 renamed'", "product_id = 8"); // a rename alone
  touch("i", "quanity = 7", "order_item_id IN (12, 33)");
  touch("i", "order_id = 5", "order_item_id = 41"); // an item moves to another order
  touch("o", "status = 'COMPLETED'", "order_id IN (6, 7, 8, 12)");
  touch("o", "status = 'CANCELLED'", "order_id = 9");
  EXPECT_EQ(sync().mode, "incremental");
  expect_invariant("re-priced and closed");
  touch("p", "unity_price = 4.25", "product_id IN (1, 2, 5, 6)"); // closed orders keep theirs
  exec("DELETE FROM {p} WHERE product_id = 4");                   // its open items lose their price
  touch("o", "status = 'PENDING'", "order_id = 12");              // reopened: today's prices
  touch("o", "status = 'COMPLETED'", "order_id = 13");
  exec("DELETE FROM {i} WHERE order_item_id IN (21, 22);"
       "DELETE FROM {i} WHERE order_id = 14; DELETE FROM {o} WHERE order_id = 14");
  acme::etl::SyncRequest reconcile; // a cursor cannot see deletes, a reconciliation does
  reconcile.reconcile = true;
  EXPECT_EQ(sync(reconcile).mode, "reconcile");
  expect_invariant("settled, reopened and deleted");
  const std::string incremental = rows();
  const std::string incremental_open = rows(false);
  // The rows exercise what they are meant to: settled prices, NaN and infinite amounts.
  for (const char* value : {"NaN", "Infinity", "|false|COMPLETED"}) {
    EXPECT_NE(incremental.find(value), std::string::npos) << value << " in\n" << incremental;
  }

  // A full reload of the loaded target keeps the settled prices: every row as the cycles left it.
  for (const int jobs : {1, 3}) {
    m_jobs = jobs;
    EXPECT_EQ(sync({true, false, {}}).mode, "full");
    expect_invariant(fmt::format("full reload, {} job(s)", jobs));
    EXPECT_EQ(rows(), incremental) << "full reload, " << jobs << " job(s)";
  }

  // A first load knows no settled values: closed orders take today's names and prices,
  // everything else agrees.
  for (const int jobs : {1, 3}) {
    m_jobs = jobs;
    tgt_exec(fmt::format("DROP SCHEMA {0} CASCADE; CREATE SCHEMA {0}",
                         acme::db::quote_ident(m_target_schema)));
    EXPECT_EQ(sync().mode, "full");
    expect_invariant(fmt::format("first load, {} job(s)", jobs));
    EXPECT_EQ(rows(false), incremental_open) << "first load, " << jobs << " job(s)";
  }
}

} // namespace
