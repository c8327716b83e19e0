// The invariant of design.md §3, checked against an SQL oracle over the source after each case.
#include "support/etl_fixture.hpp"

#include <array>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <ostream>
#include <pqxx/pqxx>
#include <random>
#include <sstream>
#include <thread>

using acme::etl::SyncRequest;

namespace {

// An order's openness and totals as the target holds them; total_amount as text, so that its
// scale (which a recompute decides) is compared too.
struct OrderTotals {
  bool is_open = true;
  long total_items = 0;
  std::string total_amount;
  bool operator==(const OrderTotals& o) const {
    return is_open == o.is_open && total_items == o.total_items && total_amount == o.total_amount;
  }
};
void PrintTo(const OrderTotals& t, std::ostream* os) {
  *os << "{open " << std::boolalpha << t.is_open << ", items " << t.total_items << ", amount "
      << t.total_amount << "}";
}

class Etl : public acme::test::EtlTest {
protected:
  OrderTotals totals(long order_id) {
    const auto r = tgt_exec(
        fmt::format("SELECT is_open, total_items, total_amount::text FROM {} WHERE order_id = {}",
                    tgt("analytical_orders"), order_id));
    if (r.empty()) {
      ADD_FAILURE() << "order " << order_id << " is not in the target";
      return {};
    }
    return {r[0][0].as<bool>(), r[0][1].as<long>(), r[0][2].as<std::string>()};
  }
  // Two customers, three products, two orders (one open, one closed) with items.
  void seed_basic() {
    src_exec(fmt::format(R"(
      INSERT INTO {c} (customer_id, customer_name, customer_address) VALUES (1, 'Ann', 'A st'), (2, 'Bob', 'B st');
      INSERT INTO {p} (product_id, product_name, barcode, unity_price) VALUES
        (1, 'Widget', 'W1', 10.50), (2, 'Gadget', 'G1', 3), (3, 'Doohickey', 'D1', 0.333);
      INSERT INTO {o} (order_id, order_date, delivery_date, customer_id, status) VALUES
        (1, '2026-11-01', '2026-11-05', 1, 'PENDING'), (2, '2026-11-01', '2026-11-06', 2, 'COMPLETED');
      INSERT INTO {i} (order_item_id, order_id, product_id, quanity) VALUES
        (1, 1, 1, 2), (2, 1, 2, 3), (3, 2, 1, 1), (4, 2, 3, 7);)",
                         fmt::arg("c", src("customers")), fmt::arg("p", src("products")),
                         fmt::arg("o", src("orders")), fmt::arg("i", src("order_items"))));
  }
  // An update as the orders system does it: new values, updated_at = its transaction start.
  void touch(const std::string& table, const std::string& set, const std::string& where) {
    src_exec(fmt::format("UPDATE {} SET {}, updated_at = CURRENT_TIMESTAMP(3) WHERE {}", src(table),
                         set, where));
  }
};

// The change cases, in both modes: polling (run-etl) and the change stream (run-etl --mode cdc),
// the SQL oracle after each. Where the modes differ (what a cursor cannot see, deletes), each
// case says what each mode must show.
class EtlCase : public Etl, public ::testing::WithParamInterface<bool> {
protected:
  void SetUp() override {
    Etl::SetUp();
    m_cdc = GetParam();
  }
  std::string incremental() const { return m_cdc ? "cdc" : "incremental"; }
};

TEST_P(EtlCase, InitialLoadMatchesTheSource) {
  seed_basic();
  const auto r = sync();
  EXPECT_EQ(r.mode, m_cdc ? "cdc-snapshot" : "full");
  if (!m_cdc) {
    EXPECT_EQ(r.rows_read, 11);
  }
  expect_invariant();
  EXPECT_EQ(tgt_value("SELECT total_amount::text FROM " + tgt("analytical_orders") +
                      " WHERE order_id = 1"),
            "30.00");
  EXPECT_EQ(
      tgt_value("SELECT total_items FROM " + tgt("analytical_orders") + " WHERE order_id = 2"),
      "8");
}

TEST_P(EtlCase, SecondRunIsIncrementalAndWritesNothingWithoutChanges) {
  seed_basic();
  sync();
  const auto before =
      tgt_value("SELECT max(synced_at)::text FROM " + tgt("analytical_order_items"));
  const auto r = sync();
  EXPECT_EQ(r.mode, incremental());
  EXPECT_EQ(r.rows_written, 0);
  EXPECT_EQ(tgt_value("SELECT max(synced_at)::text FROM " + tgt("analytical_order_items")), before);
  expect_invariant();
}

TEST_P(EtlCase, NewOrdersAndItemsArrive) {
  seed_basic();
  sync();
  src_exec(fmt::format(
      "INSERT INTO {} (order_id, order_date, delivery_date, customer_id, status) VALUES "
      "(3, '2026-11-02', '2026-11-07', 2, 'PROCESSING')",
      src("orders")));
  src_exec(fmt::format("INSERT INTO {} (order_item_id, order_id, product_id, quanity) VALUES "
                       "(5, 3, 2, 10), (6, 3, 3, 1), (7, 1, 3, 3)",
                       src("order_items")));
  const auto r = sync();
  EXPECT_EQ(r.mode, incremental());
  if (m_cdc) {
    EXPECT_EQ(r.rows_read, 4) << "the stream carries exactly the four new rows";
  } else {
    // The four new rows, and more only when the late-commit horizon held a cursor back: tests
    // share the source database, so another test's open transaction can (the overlap is
    // re-read, and rewrites nothing).
    EXPECT_GE(r.rows_read, 4);
    EXPECT_LE(r.rows_read, 15);
  }
  expect_invariant();
}

TEST_P(EtlCase, OrderStatusChangeFollowsToItsItems) {
  seed_basic();
  sync();
  touch("orders", "status = 'PROCESSING', delivery_date = '2026-12-01'", "order_id = 1");
  sync();
  expect_invariant();
  EXPECT_EQ(tgt_value("SELECT string_agg(DISTINCT order_status || delivery_date, ',') FROM " +
                      tgt("analytical_order_items") + " WHERE order_id = 1"),
            "PROCESSING2026-12-01");
}

TEST_P(EtlCase, ItemOnlyQuantityChangeUpdatesOrderTotals) {
  seed_basic();
  sync();
  touch("order_items", "quanity = 5", "order_item_id = 2");
  sync();
  expect_invariant();
  EXPECT_EQ(totals(1), (OrderTotals{true, 7, "36.00"}));
}

TEST_P(EtlCase, PriceChangeRepricesOpenOrdersAndClosedOrdersKeepTheirSettledPrice) {
  seed_basic();
  sync();
  touch("products", "unity_price = 12.25", "product_id = 1");
  sync();
  expect_invariant();
  // Open order 1 follows the new price; closed order 2 keeps 10.50.
  EXPECT_EQ(tgt_value("SELECT price::text FROM " + tgt("analytical_order_items") +
                      " WHERE order_item_id = 1"),
            "12.25");
  EXPECT_EQ(tgt_value("SELECT price::text FROM " + tgt("analytical_order_items") +
                      " WHERE order_item_id = 3"),
            "10.50");
  EXPECT_EQ(tgt_value("SELECT total_amount::text FROM " + tgt("analytical_orders") +
                      " WHERE order_id = 1"),
            "33.50");
  EXPECT_EQ(tgt_value("SELECT total_amount::text FROM " + tgt("analytical_orders") +
                      " WHERE order_id = 2"),
            "12.831");
  // Reopening the closed order brings it to the current price.
  touch("orders", "status = 'REPROCESSING'", "order_id = 2");
  sync();
  expect_invariant();
  EXPECT_EQ(tgt_value("SELECT price::text FROM " + tgt("analytical_order_items") +
                      " WHERE order_item_id = 3"),
            "12.25");
}

// A re-priced item changes its open order's total by quantity x (new - old) when both prices
// have the same scale; when the scale changes the order's total is recomputed from its items, so
// total_amount is exactly what a recompute gives, its scale included.
TEST_P(EtlCase, RepricingChangesTotalsExactlyAtTheScaleARecomputeGives) {
  seed_basic();
  sync();
  const auto total = [this] {
    return tgt_value("SELECT total_amount::text FROM " + tgt("analytical_orders") +
                     " WHERE order_id = 1");
  };
  ASSERT_EQ(total(), "30.00");                                // 2 x 10.50 + 3 x 3
  touch("products", "unity_price = 10.75", "product_id = 1"); // same scale: + 2 x 0.25
  sync();
  expect_invariant("same scale");
  EXPECT_EQ(total(), "30.50");
  touch("products", "unity_price = 3.5", "product_id = 2"); // scale 0 -> 1
  sync();
  expect_invariant("wider scale");
  EXPECT_EQ(total(), "32.00");                             // 21.50 + 10.5
  touch("products", "unity_price = 11", "product_id = 1"); // scale 2 -> 0
  sync();
  expect_invariant("narrower scale");
  EXPECT_EQ(total(), "32.5"); // 22 + 10.5, not 32.50
  // Both products in one cycle, same scales: the differences add up.
  touch("products", "unity_price = 12", "product_id = 1");
  touch("products", "unity_price = 4.5", "product_id = 2");
  sync();
  expect_invariant("both");
  EXPECT_EQ(total(), "37.5"); // 24 + 13.5
}

TEST_P(EtlCase, ProductRenameFansOutToOpenItemsOnly) {
  seed_basic();
  sync();
  touch("products", "product_name = 'Widget Pro'", "product_id = 1");
  sync();
  expect_invariant();
  // Item 1 (open order 1) follows; item 3 (closed order 2) keeps its settled name.
  EXPECT_EQ(tgt_value("SELECT string_agg(order_item_id || ':' || product_name, ',' ORDER BY "
                      "order_item_id) FROM " +
                      tgt("analytical_order_items") + " WHERE product_id = 1"),
            "1:Widget Pro,3:Widget");
}

// Every item fan-out in one cycle: order 1's status changes, product 1 is renamed and re-priced,
// and item 2 (of order 1) changes itself. Item 1 is reached through its order and its product,
// item 2 through its order and its own row: each is written once. Item 3 (closed order 2) is
// settled: it keeps its name and price.
TEST_P(EtlCase, EveryFanOutInOneCycleWritesEachItemOnce) {
  seed_basic();
  sync();
  touch("orders", "status = 'PROCESSING'", "order_id = 1");
  touch("products", "product_name = 'Widget Pro', unity_price = 11", "product_id = 1");
  touch("order_items", "quanity = 4", "order_item_id = 2");
  sync();
  expect_invariant();
  EXPECT_EQ(tgt_value("SELECT (rows->'written'->>'items')::int + "
                      "(rows->'written'->>'items_fanout')::int FROM " +
                      tgt("acme_runs") + " ORDER BY run_id DESC LIMIT 1"),
            "2");
  EXPECT_EQ(tgt_value("SELECT string_agg(order_item_id || ':' || product_name || ':' || price || "
                      "':' || order_status, ',' ORDER BY order_item_id) FROM " +
                      tgt("analytical_order_items") + " WHERE product_id = 1"),
            "1:Widget Pro:11:PROCESSING,3:Widget:10.50:COMPLETED");
  EXPECT_EQ(totals(1), (OrderTotals{true, 6, "34"}));
}

TEST_P(EtlCase, CustomerRenameFansOutToOpenOrdersOnly) {
  seed_basic();
  src_exec(fmt::format("INSERT INTO {} (order_id, order_date, customer_id, status) VALUES (3, "
                       "'2026-11-02', 2, 'PENDING')",
                       src("orders")));
  sync();
  touch("customers", "customer_name = 'Robert'", "customer_id = 2");
  touch("customers", "customer_address = 'Elsewhere'", "customer_id = 1");
  sync();
  expect_invariant();
  // Bob's open order 3 follows; his closed order 2 keeps its settled name.
  EXPECT_EQ(tgt_value("SELECT string_agg(order_id || ':' || customer_name, ',' ORDER BY order_id) "
                      "FROM " +
                      tgt("analytical_orders") + " WHERE customer_id = 2"),
            "2:Bob,3:Robert");
}

TEST_P(EtlCase, ItemWhoseOrderAndProductDoNotExistYetIsFilledInLater) {
  seed_basic();
  sync();
  src_exec(fmt::format(
      "INSERT INTO {} (order_item_id, order_id, product_id, quanity) VALUES (9, 50, 60, 4)",
      src("order_items")));
  sync();
  expect_invariant("with the orphan item");
  EXPECT_EQ(tgt_value("SELECT coalesce(product_name, 'none') FROM " +
                      tgt("analytical_order_items") + " WHERE order_item_id = 9"),
            "none");
  src_exec(fmt::format("INSERT INTO {} (product_id, product_name, barcode, unity_price) VALUES "
                       "(60, 'Late', 'L', 2.5)",
                       src("products")));
  sync();
  expect_invariant("after the product appeared");
  src_exec(fmt::format(
      "INSERT INTO {} (order_id, order_date, delivery_date, customer_id, status) VALUES "
      "(50, '2026-11-03', '2026-11-09', 1, 'COMPLETED')",
      src("orders")));
  sync();
  expect_invariant("after the order appeared");
  EXPECT_EQ(totals(50), (OrderTotals{false, 4, "10.0"}));
}

TEST_P(EtlCase, OrderWhoseCustomerAppearsLaterGetsTheName) {
  seed_basic();
  src_exec(fmt::format("INSERT INTO {} (order_id, order_date, customer_id, status) VALUES (7, "
                       "'2026-11-03', 70, 'PENDING')",
                       src("orders")));
  sync();
  expect_invariant();
  src_exec(fmt::format("INSERT INTO {} (customer_id, customer_name) VALUES (70, 'Newcomer')",
                       src("customers")));
  sync();
  expect_invariant();
  EXPECT_EQ(
      tgt_value("SELECT customer_name FROM " + tgt("analytical_orders") + " WHERE order_id = 7"),
      "Newcomer");
}

TEST_P(EtlCase, NullQuantityStatusAndUpdatedAtAreHandled) {
  seed_basic();
  src_exec(fmt::format(
      "INSERT INTO {} (order_id, order_date, customer_id, status) VALUES (8, NULL, NULL, NULL)",
      src("orders")));
  src_exec(fmt::format("INSERT INTO {} (order_item_id, order_id, product_id, quanity) VALUES (20, "
                       "8, 1, NULL), (21, 8, 2, 2)",
                       src("order_items")));
  sync();
  expect_invariant("after the first load");
  EXPECT_EQ(totals(8), (OrderTotals{true, 2, "6"})) << "NULL status is open, NULL quantity 0";
  // Rows written with NULL updated_at are invisible to cursors: reconciliation picks them up.
  src_exec(fmt::format("INSERT INTO {} (order_item_id, order_id, product_id, quanity, updated_at) "
                       "VALUES (22, 8, 3, 3, NULL)",
                       src("order_items")));
  src_exec(fmt::format("UPDATE {} SET status = 'PENDING', updated_at = NULL WHERE order_id = 8",
                       src("orders")));
  sync();
  // The stream carries them; a cursor cannot see them.
  EXPECT_EQ(tgt_value("SELECT count(*) FROM " + tgt("analytical_order_items") +
                      " WHERE order_item_id = 22"),
            m_cdc ? "1" : "0");
  SyncRequest reconcile;
  reconcile.reconcile = true;
  sync(reconcile);
  expect_invariant("after reconciliation");
  // NULL-updated_at rows changed again are re-read by every reconciliation.
  src_exec(fmt::format("UPDATE {} SET quanity = 9 WHERE order_item_id = 22", src("order_items")));
  sync(reconcile);
  expect_invariant("after a second change to a NULL-updated_at row");
}

TEST_P(EtlCase, HardDeletesInEveryTableAreAppliedByReconciliation) {
  seed_basic();
  sync();
  src_exec(fmt::format("DELETE FROM {} WHERE order_item_id = 2", src("order_items")));
  src_exec(fmt::format("DELETE FROM {} WHERE order_id = 2", src("orders")));
  src_exec(fmt::format("DELETE FROM {} WHERE product_id = 1", src("products")));
  src_exec(fmt::format("DELETE FROM {} WHERE customer_id = 1", src("customers")));
  sync();
  // The stream carries deletes; a cursor cannot see them, a reconciliation finds them.
  EXPECT_EQ(tgt_value("SELECT count(*) FROM " + tgt("analytical_orders")), m_cdc ? "1" : "2");
  SyncRequest reconcile;
  reconcile.reconcile = true;
  const auto r = sync(reconcile);
  EXPECT_EQ(r.mode, m_cdc ? "cdc" : "reconcile");
  expect_invariant();
  EXPECT_EQ(tgt_value("SELECT count(*) FROM " + tgt("analytical_orders")), "1");
  EXPECT_EQ(tgt_value("SELECT count(*) FROM " + tgt("products")), "2");
  // Item 1 of open order 1 lost its product: no name and no current price.
  EXPECT_EQ(tgt_value("SELECT coalesce(product_name, '-') || coalesce(price::text, '-') FROM " +
                      tgt("analytical_order_items") + " WHERE order_item_id = 1"),
            "--");
}

// Continuous mode reconciles one slice of the key space per cycle. Deletes in a slice not yet
// compared stay; after a pass every key was compared. Slices follow one another without gaps
// even when the table grows in the middle of a pass (the slice width grows with it).
TEST_F(Etl, SlicedReconciliationComparesEveryKeyOncePerPassWithoutGaps) {
  seed_basic();
  const auto add_items = [&](int from, int to) {
    src_exec(fmt::format("INSERT INTO {} (order_item_id, order_id, product_id, quanity) "
                         "SELECT g, 1 + g % 2, 1 + g % 3, g % 7 FROM generate_series({}, {}) g",
                         src("order_items"), from, to));
  };
  const auto in_target = [&](int item) {
    return tgt_value(fmt::format("SELECT count(*) FROM {} WHERE order_item_id = {}",
                                 tgt("analytical_order_items"), item)) == "1";
  };
  add_items(1001, 4000); // keys 1 .. 4000: buckets 0 .. 15
  acme::etl::Syncer syncer(config(), {});
  syncer.sync({});
  src_exec(
      fmt::format("DELETE FROM {} WHERE order_item_id IN (1001, 2200, 3999)", src("order_items")));
  SyncRequest slice;
  slice.reconcile = true;
  slice.reconcile_slices = 4;
  EXPECT_EQ(syncer.sync(slice).mode, "incremental");
  EXPECT_FALSE(in_target(1001)) << "bucket 3 is in the first slice (buckets .. 3)";
  EXPECT_TRUE(in_target(2200)) << "bucket 8 waits for the third slice";
  EXPECT_TRUE(in_target(3999)) << "bucket 15 waits for the last slice";
  for (int i = 1; i < 4; ++i) {
    syncer.sync(slice);
  }
  expect_invariant("after one pass of 4 slices");

  // Second pass; the table grows after its first slice.
  src_exec(fmt::format("DELETE FROM {} WHERE order_item_id IN (1500, 3000)", src("order_items")));
  syncer.sync(slice);
  add_items(4001, 9000);
  src_exec(fmt::format("DELETE FROM {} WHERE order_item_id IN (4500, 8999)", src("order_items")));
  for (int i = 0; i < 8; ++i) {
    syncer.sync(slice);
  }
  expect_invariant("after the second pass");
  // The compared ranges of the items, in order: each starts right after the previous one, and
  // a pass starts open below after one that ended open above.
  const auto text = tgt_value(fmt::format(
      "SELECT string_agg((rows -> 'order_items' -> 'reconciled_keys' ->> 0) || ' ' || "
      "                  (rows -> 'order_items' -> 'reconciled_keys' ->> 1), ' ' ORDER BY run_id) "
      "FROM {} WHERE rows -> 'order_items' ? 'reconciled_keys'",
      tgt("acme_runs")));
  std::vector<std::array<std::string, 2>> ranges;
  std::istringstream in(text);
  for (std::array<std::string, 2> r; in >> r[0] >> r[1];) {
    ranges.push_back(r);
  }
  ASSERT_GE(ranges.size(), 12U);
  const std::string min = "-9223372036854775808", max = "9223372036854775807";
  EXPECT_EQ(ranges.front()[0], min);
  int passes = 0;
  for (std::size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i - 1][1] == max) {
      ++passes;
      EXPECT_EQ(ranges[i][0], min) << "slice " << i;
    } else {
      EXPECT_EQ(std::stoll(ranges[i][0]), std::stoll(ranges[i - 1][1]) + 1) << "slice " << i;
    }
  }
  EXPECT_GE(passes, 2);
}

TEST_F(Etl, FullResyncDropsRowsTheSourceNoLongerHas) {
  seed_basic();
  sync();
  src_exec(fmt::format("DELETE FROM {} WHERE order_item_id IN (1, 3)", src("order_items")));
  SyncRequest full;
  full.full = true;
  EXPECT_EQ(sync(full).mode, "full");
  expect_invariant();
}

TEST_P(EtlCase, ChangingTheClosedStatusSetRecomputesOpenness) {
  seed_basic();
  sync();
  m_closed = {"COMPLETED", "CANCELLED", "PENDING"};
  sync();
  expect_invariant();
  EXPECT_EQ(tgt_value("SELECT count(*) FROM " + tgt("analytical_orders") + " WHERE is_open"), "0");
}

INSTANTIATE_TEST_SUITE_P(Modes, EtlCase, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return std::string(p.param ? "Cdc" : "Poll");
                         });

// A seeded random workload like the orders system's, synced and checked cycle after cycle.
// Without reconciliation only changes a cursor can see are made; with it, deletes and
// NULL-updated_at rows too.
// In CDC mode (second parameter) the same workloads go through the change stream.
class EtlRandom : public Etl, public ::testing::WithParamInterface<std::tuple<bool, bool>> {};

TEST_P(EtlRandom, InvariantHoldsAfterEveryCycle) {
  const bool reconcile = std::get<0>(GetParam());
  m_cdc = std::get<1>(GetParam());
  std::mt19937_64 rng(reconcile ? 4242 : 1717);
  auto pick = [&](long lo, long hi) { return std::uniform_int_distribution<long>(lo, hi)(rng); };
  const char* statuses[] = {"PENDING",   "PROCESSING", "REPROCESSING",
                            "COMPLETED", "CANCELLED",  "ON_HOLD"};
  src_exec(fmt::format(R"(
    INSERT INTO {c} (customer_id, customer_name, customer_address)
      SELECT g, 'Customer ' || g, 'Street ' || g FROM generate_series(1, 30) g;
    INSERT INTO {p} (product_id, product_name, barcode, unity_price)
      SELECT g, 'Product ' || g, 'B' || g, (g * 1.37)::numeric(10, 2) FROM generate_series(1, 20) g;
    INSERT INTO {o} (order_id, order_date, delivery_date, customer_id, status)
      SELECT g, DATE '2026-10-01' + g % 30, DATE '2026-10-05' + g % 30, 1 + g % 32,
             (ARRAY['PENDING','PROCESSING','COMPLETED','CANCELLED'])[1 + g % 4] FROM generate_series(1, 200) g;
    INSERT INTO {i} (order_item_id, order_id, product_id, quanity)
      SELECT g, 1 + g % 205, 1 + g % 22, g % 9 FROM generate_series(1, 2000) g;)",
                       fmt::arg("c", src("customers")), fmt::arg("p", src("products")),
                       fmt::arg("o", src("orders")), fmt::arg("i", src("order_items"))));
  sync();
  expect_invariant("after the initial load");
  long next_order = 1000;
  long next_item = 100000;
  for (int cycle = 1; cycle <= 12 && !HasFailure(); ++cycle) {
    const long ops = pick(5, 25);
    for (long op = 0; op < ops; ++op) {
      const long kind = pick(0, reconcile ? 11 : 8);
      const std::string upd = ", updated_at = CURRENT_TIMESTAMP(3)";
      switch (kind) {
      case 0: { // new order with items (sometimes pointing at unknown products or customers)
        const long id = next_order++;
        src_exec(
            fmt::format("INSERT INTO {} (order_id, order_date, delivery_date, customer_id, status) "
                        "VALUES ({}, '2026-11-01', '2026-11-0{}', {}, 'PENDING')",
                        src("orders"), id, pick(1, 9), pick(1, 33)));
        src_exec(
            fmt::format("INSERT INTO {} (order_item_id, order_id, product_id, quanity) "
                        "SELECT {} + g, {}, 1 + (g * {}) % 23, g FROM generate_series(1, {}) g",
                        src("order_items"), next_item, id, pick(1, 7), pick(1, 26)));
        next_item += 100;
        break;
      }
      case 1: // status transition (orders only)
        src_exec(fmt::format("UPDATE {} SET status = '{}'{} WHERE order_id = {}", src("orders"),
                             statuses[pick(0, 5)], upd, pick(1, 210)));
        break;
      case 2: // price change (products only)
        src_exec(fmt::format("UPDATE {} SET unity_price = {}.{:02}{} WHERE product_id = {}",
                             src("products"), pick(0, 99), pick(0, 99), upd, pick(1, 22)));
        break;
      case 3: // quantity change (items only)
        src_exec(fmt::format("UPDATE {} SET quanity = {}{} WHERE order_item_id = {}",
                             src("order_items"),
                             pick(0, 5) == 0 ? std::string("NULL") : std::to_string(pick(1, 50)),
                             upd, pick(1, 2000)));
        break;
      case 4: // customer address / activity, rarely a rename
        src_exec(fmt::format("UPDATE {} SET customer_address = 'Moved {}', is_active = {}{}{} "
                             "WHERE customer_id = {}",
                             src("customers"), pick(1, 1000), pick(0, 1) == 1 ? "true" : "false",
                             pick(0, 3) == 0
                                 ? ", customer_name = 'Renamed " + std::to_string(pick(1, 99)) + "'"
                                 : "",
                             upd, pick(1, 33)));
        break;
      case 5: // product rename
        src_exec(fmt::format("UPDATE {} SET product_name = 'Product v{}'{} WHERE product_id = {}",
                             src("products"), pick(1, 99), upd, pick(1, 22)));
        break;
      case 6: // a missing product or customer appears
        src_exec(fmt::format("INSERT INTO {} (product_id, product_name, barcode, unity_price) "
                             "VALUES ({}, 'Late', 'L', 1.5) "
                             "ON CONFLICT DO NOTHING",
                             src("products"), pick(21, 22)));
        src_exec(fmt::format("INSERT INTO {} (customer_id, customer_name) VALUES ({}, 'Late "
                             "customer') ON CONFLICT DO NOTHING",
                             src("customers"), pick(31, 33)));
        break;
      case 7: // an item moves to another order, or a delivery date changes
        src_exec(fmt::format("UPDATE {} SET order_id = {}{} WHERE order_item_id = {}",
                             src("order_items"), pick(1, 210), upd, pick(1, 2000)));
        src_exec(
            fmt::format("UPDATE {} SET delivery_date = delivery_date + 1{} WHERE order_id = {}",
                        src("orders"), upd, pick(1, 210)));
        break;
      case 8: // several changes in one transaction
        src_exec(fmt::format(
            "BEGIN; UPDATE {o} SET status = 'COMPLETED'{u} WHERE order_id = {a}; "
            "UPDATE {p} SET unity_price = unity_price + 1{u} WHERE product_id = {b}; COMMIT;",
            fmt::arg("o", src("orders")), fmt::arg("p", src("products")), fmt::arg("u", upd),
            fmt::arg("a", pick(1, 210)), fmt::arg("b", pick(1, 22))));
        break;
      case 9: // hard deletes
        src_exec(fmt::format("DELETE FROM {} WHERE order_item_id = {}", src("order_items"),
                             pick(1, 2000)));
        if (pick(0, 3) == 0) {
          src_exec(fmt::format("DELETE FROM {} WHERE order_id = {}", src("orders"), pick(1, 210)));
        }
        break;
      case 10: // rare dimension deletes
        if (pick(0, 2) == 0) {
          src_exec(
              fmt::format("DELETE FROM {} WHERE product_id = {}", src("products"), pick(1, 22)));
        } else {
          src_exec(
              fmt::format("DELETE FROM {} WHERE customer_id = {}", src("customers"), pick(1, 33)));
        }
        break;
      default: // writes that leave updated_at NULL
        src_exec(
            fmt::format("UPDATE {} SET quanity = {}, updated_at = NULL WHERE order_item_id = {}",
                        src("order_items"), pick(1, 9), pick(1, 2000)));
        src_exec(
            fmt::format("INSERT INTO {} (order_item_id, order_id, product_id, quanity, updated_at) "
                        "VALUES ({}, {}, {}, 2, NULL)",
                        src("order_items"), next_item++, pick(1, 210), pick(1, 22)));
        break;
      }
    }
    SyncRequest request;
    request.reconcile = reconcile;
    sync(request);
    expect_invariant(fmt::format("after cycle {}", cycle));
  }
}

INSTANTIATE_TEST_SUITE_P(Workloads, EtlRandom,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()),
                         [](const ::testing::TestParamInfo<std::tuple<bool, bool>>& param_info) {
                           return std::string(std::get<0>(param_info.param)
                                                  ? "WithDeletesAndNullUpdatedAt"
                                                  : "CursorVisible") +
                                  (std::get<1>(param_info.param) ? "Cdc" : "Poll");
                         });

} // namespace

namespace {

TEST_F(Etl, ReconciliationComparesOnlyKeyRangesThatDiffer) {
  seed_basic();
  // Items in five different key ranges.
  src_exec(fmt::format("INSERT INTO {} (order_item_id, order_id, product_id, quanity) "
                       "SELECT g * 5000, 1, 1, 1 FROM generate_series(1, 5) g",
                       src("order_items")));
  sync();
  SyncRequest reconcile;
  reconcile.reconcile = true;
  sync(reconcile);
  const std::string last_ranges = "SELECT rows->'order_items'->>'ranges_compared' FROM " +
                                  tgt("acme_runs") + " ORDER BY run_id DESC LIMIT 1";
  EXPECT_EQ(tgt_value(last_ranges), "0") << "nothing differs: no key is streamed";
  src_exec(fmt::format("DELETE FROM {} WHERE order_item_id = 20000", src("order_items")));
  sync(reconcile);
  EXPECT_EQ(tgt_value(last_ranges), "1") << "only the range holding the deleted key";
  expect_invariant();
}

} // namespace
