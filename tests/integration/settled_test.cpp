// Closed orders are settled (design.md §3): a customer or product change reaches open orders and
// their items only; a closed order keeps the names and prices it had at the sync that saw it
// close, a reopened one is refreshed, a missing reference is still filled in, and the full
// reload keeps settled values. In both modes (polling and the change stream), the SQL oracle
// after each step.
#include "support/etl_fixture.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <string>

using acme::etl::SyncRequest;

namespace {

class Settled : public acme::test::EtlTest, public ::testing::WithParamInterface<bool> {
protected:
  void SetUp() override {
    EtlTest::SetUp();
    m_cdc = GetParam();
  }
  // Bob (customer 2) has open order 1 and closed order 2; each has one item of product 1.
  void seed_two_orders() {
    src_exec(fmt::format(R"(
      INSERT INTO {c} (customer_id, customer_name, customer_address) VALUES (1, 'Ann', 'A st'), (2, 'Bob', 'B st');
      INSERT INTO {p} (product_id, product_name, barcode, unity_price) VALUES (1, 'Widget', 'W1', 10.50);
      INSERT INTO {o} (order_id, order_date, delivery_date, customer_id, status) VALUES
        (1, '2026-11-01', '2026-11-05', 2, 'PENDING'), (2, '2026-11-01', '2026-11-06', 2, 'COMPLETED');
      INSERT INTO {i} (order_item_id, order_id, product_id, quanity) VALUES (1, 1, 1, 2), (2, 2, 1, 1);)",
                         fmt::arg("c", src("customers")), fmt::arg("p", src("products")),
                         fmt::arg("o", src("orders")), fmt::arg("i", src("order_items"))));
  }
  // One source transaction.
  void change(const std::string& sql) { src_exec("BEGIN; " + sql + "; COMMIT"); }
  std::string rename_everything() {
    return fmt::format("UPDATE {} SET customer_name = 'Robert', updated_at = CURRENT_TIMESTAMP(3) "
                       "WHERE customer_id = 2; UPDATE {} SET product_name = 'Widget Pro', "
                       "unity_price = 12, updated_at = CURRENT_TIMESTAMP(3) WHERE product_id = 1",
                       src("customers"), src("products"));
  }
  std::string order(int id) {
    return tgt_value(fmt::format("SELECT customer_name || ' ' || total_amount FROM {} WHERE "
                                 "order_id = {}",
                                 tgt("analytical_orders"), id));
  }
  std::string item(int id) {
    return tgt_value(fmt::format("SELECT product_name || ' ' || price FROM {} WHERE "
                                 "order_item_id = {}",
                                 tgt("analytical_order_items"), id));
  }
  // Rows the last sync wrote in one step (acme_runs.rows.written), summed over its runs since
  // run `after` (a CDC sync may take more than one flush).
  long written_since(long after, const std::string& step) {
    return std::stol(tgt_value(fmt::format(
        "SELECT COALESCE(sum((rows->'written'->>'{}')::bigint), 0) FROM {} WHERE run_id > {}", step,
        tgt("acme_runs"), after)));
  }
  long last_run() {
    return std::stol(tgt_value("SELECT COALESCE(max(run_id), 0) FROM " + tgt("acme_runs")));
  }
};

TEST_P(Settled, ARenameReachesOpenOrdersOnlyAndAReopenedOrderIsRefreshed) {
  seed_two_orders();
  sync();
  const long before = last_run();
  change(rename_everything());
  sync();
  expect_invariant("after the renames");
  EXPECT_EQ(order(1), "Robert 24");
  EXPECT_EQ(item(1), "Widget Pro 12");
  EXPECT_EQ(order(2), "Bob 10.50");
  EXPECT_EQ(item(2), "Widget 10.50");
  // Only the open order and its item were written by the fan-outs.
  EXPECT_EQ(written_since(before, "orders_customer_fanout"), 1);
  EXPECT_EQ(written_since(before, "items_fanout"), 1);
  // The current names of history are one view away.
  EXPECT_EQ(tgt_value(fmt::format("SELECT customer_name || '/' || current_customer_name FROM {} "
                                  "WHERE order_id = 2",
                                  tgt("analytical_orders_current"))),
            "Bob/Robert");
  EXPECT_EQ(tgt_value(fmt::format("SELECT product_name || '/' || current_product_name || '/' || "
                                  "current_price FROM {} WHERE order_item_id = 2",
                                  tgt("analytical_order_items_current"))),
            "Widget/Widget Pro/12");

  change(fmt::format("UPDATE {} SET status = 'REPROCESSING', updated_at = CURRENT_TIMESTAMP(3) "
                     "WHERE order_id = 2",
                     src("orders")));
  sync();
  expect_invariant("after the reopening");
  EXPECT_EQ(order(2), "Robert 12");
  EXPECT_EQ(item(2), "Widget Pro 12");
}

// The sync that sees an order close settles it with the values of that sync: renames committed
// with the closing are not lost to it.
TEST_P(Settled, AnOrderSettlesWithTheNamesOfTheSyncThatSawItClose) {
  seed_two_orders();
  sync();
  change(rename_everything() +
         fmt::format("; UPDATE {} SET status = 'COMPLETED', updated_at = CURRENT_TIMESTAMP(3) "
                     "WHERE order_id = 1",
                     src("orders")));
  sync();
  expect_invariant();
  EXPECT_EQ(order(1), "Robert 24");
  EXPECT_EQ(item(1), "Widget Pro 12");
  EXPECT_EQ(order(2), "Bob 10.50");
  // A later change of the closed order's own row (its delivery date) keeps what it settled with.
  change(fmt::format("UPDATE {} SET customer_name = 'Rob', updated_at = CURRENT_TIMESTAMP(3) "
                     "WHERE customer_id = 2; UPDATE {} SET delivery_date = '2026-12-01', "
                     "updated_at = CURRENT_TIMESTAMP(3) WHERE order_id = 1",
                     src("customers"), src("orders")));
  sync();
  expect_invariant("after a change of the closed order");
  EXPECT_EQ(order(1), "Robert 24");
}

// A closed order loaded before its customer and product existed is filled in when they appear,
// like an open one; a deleted customer or product leaves closed orders their settled names.
TEST_P(Settled, MissingReferencesOfClosedOrdersAreFilledAndDeletesLeaveThemSettled) {
  seed_two_orders();
  change(fmt::format("INSERT INTO {} (order_id, customer_id, status) VALUES (3, 70, 'CANCELLED');"
                     "INSERT INTO {} (order_item_id, order_id, product_id, quanity) VALUES "
                     "(3, 3, 60, 4)",
                     src("orders"), src("order_items")));
  sync();
  expect_invariant("with the orphans");
  EXPECT_EQ(tgt_value("SELECT customer_name IS NULL FROM " + tgt("analytical_orders") +
                      " WHERE order_id = 3"),
            "t");
  change(fmt::format("INSERT INTO {} (customer_id, customer_name) VALUES (70, 'Late');"
                     "INSERT INTO {} (product_id, product_name, barcode, unity_price) VALUES "
                     "(60, 'Gizmo', 'G', 2.5)",
                     src("customers"), src("products")));
  sync();
  expect_invariant("after the customer and product appeared");
  EXPECT_EQ(order(3), "Late 10.0");
  EXPECT_EQ(item(3), "Gizmo 2.5");

  change(fmt::format("DELETE FROM {} WHERE customer_id = 2; DELETE FROM {} WHERE product_id = 1",
                     src("customers"), src("products")));
  SyncRequest reconcile;
  reconcile.reconcile = true; // polling sees deletes by reconciling keys
  sync(reconcile);
  expect_invariant("after the deletes");
  EXPECT_EQ(tgt_value("SELECT coalesce(customer_name, 'none') FROM " + tgt("analytical_orders") +
                      " WHERE order_id = 1"),
            "none");
  EXPECT_EQ(order(2), "Bob 10.50");
  EXPECT_EQ(item(2), "Widget 10.50");
}

INSTANTIATE_TEST_SUITE_P(Modes, Settled, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return std::string(p.param ? "Cdc" : "Poll");
                         });

// Polling only: a changed closed set and a full reload of a loaded target.
class SettledPoll : public acme::test::EtlTest {};

TEST_F(SettledPoll, AClosedSetChangeRefreshesReopenedOrdersAndAFullReloadKeepsSettledNames) {
  src_exec(fmt::format(R"(
    INSERT INTO {c} (customer_id, customer_name) VALUES (2, 'Bob');
    INSERT INTO {p} (product_id, product_name, barcode, unity_price) VALUES (1, 'Widget', 'W1', 10.50);
    INSERT INTO {o} (order_id, customer_id, status) VALUES (1, 2, 'PENDING'), (2, 2, 'COMPLETED');
    INSERT INTO {i} (order_item_id, order_id, product_id, quanity) VALUES (1, 1, 1, 2), (2, 2, 1, 1);)",
                       fmt::arg("c", src("customers")), fmt::arg("p", src("products")),
                       fmt::arg("o", src("orders")), fmt::arg("i", src("order_items"))));
  sync();
  // A view of a user over the analytical table, with a grant: the reload's swap keeps both.
  tgt_exec(fmt::format("CREATE VIEW {} AS SELECT order_id, customer_name FROM {}", tgt("my_orders"),
                       tgt("analytical_orders")));
  tgt_exec("GRANT SELECT ON " + tgt("my_orders") + " TO PUBLIC");
  src_exec(fmt::format("UPDATE {} SET customer_name = 'Robert', updated_at = "
                       "CURRENT_TIMESTAMP(3); UPDATE {} SET product_name = 'Widget Pro', "
                       "updated_at = CURRENT_TIMESTAMP(3)",
                       src("customers"), src("products")));
  sync();
  EXPECT_EQ(sync({true, false, {}}).mode, "full");
  expect_invariant("after a full reload");
  EXPECT_EQ(
      tgt_value("SELECT customer_name FROM " + tgt("analytical_orders") + " WHERE order_id = 2"),
      "Bob");
  EXPECT_EQ(tgt_value("SELECT product_name FROM " + tgt("analytical_order_items") +
                      " WHERE order_item_id = 2"),
            "Widget");
  EXPECT_EQ(tgt_value("SELECT string_agg(order_id || ':' || customer_name, ',' ORDER BY order_id) "
                      "FROM " +
                      tgt("my_orders")),
            "1:Robert,2:Bob");
  EXPECT_EQ(tgt_value("SELECT has_table_privilege('public', '" + tgt("my_orders") + "', 'SELECT')"),
            "t");
  EXPECT_EQ(tgt_value("SELECT current_customer_name FROM " + tgt("analytical_orders_current") +
                      " WHERE order_id = 2"),
            "Robert");

  m_closed = {"CANCELLED"}; // COMPLETED is open now: order 2 reopens
  sync();
  expect_invariant("after the closed set changed");
  EXPECT_EQ(
      tgt_value("SELECT customer_name FROM " + tgt("analytical_orders") + " WHERE order_id = 2"),
      "Robert");
  EXPECT_EQ(tgt_value("SELECT product_name FROM " + tgt("analytical_order_items") +
                      " WHERE order_item_id = 2"),
            "Widget Pro");
}

} // namespace
