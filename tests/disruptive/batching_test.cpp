// Exact batch and row counts of an incremental sync. They hold only while no other transaction
// is open in the source database: an open one holds the late-commit horizon back, and a batch
// whose cursor was held back is read again in the next snapshot (correct, but a different
// count). Other tests' transactions come and go under ctest -j, so these run serially.
#include "support/etl_fixture.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace {

using Batching = acme::test::EtlTest;

TEST_F(Batching, ManyRowsSharingOneUpdatedAtLoadInSmallBatches) {
  src_exec(fmt::format(
      "INSERT INTO {c} (customer_id, customer_name, customer_address) VALUES (1, 'Ann', 'A st');"
      "INSERT INTO {p} (product_id, product_name, barcode, unity_price) VALUES"
      "  (1, 'Widget', 'W1', 10.50), (2, 'Gadget', 'G1', 3), (3, 'Doohickey', 'D1', 0.333);"
      "INSERT INTO {o} (order_id, order_date, delivery_date, customer_id, status) VALUES"
      "  (1, '2026-11-01', '2026-11-05', 1, 'PENDING'), (2, '2026-11-01', '2026-11-06', 1, 'COMPLETED');",
      fmt::arg("c", src("customers")), fmt::arg("p", src("products")),
      fmt::arg("o", src("orders"))));
  sync();
  // 2,500 items committed by one transaction share one updated_at.
  src_exec(
      fmt::format("INSERT INTO {} (order_item_id, order_id, product_id, quanity) "
                  "SELECT 1000 + g, 1 + g % 2, 1 + g % 3, g % 7 FROM generate_series(1, 2500) g",
                  src("order_items")));
  EXPECT_EQ(
      src_value(fmt::format("SELECT count(DISTINCT updated_at) FROM {} WHERE order_item_id > 1000",
                            src("order_items"))),
      "1");
  m_batch_size = 97;
  const auto r = sync();
  ASSERT_FALSE(r.clamped) << "another transaction was open in the source database";
  EXPECT_EQ(r.rows_read, 2500);
  EXPECT_EQ(r.batches, 26);
  expect_invariant();
  EXPECT_EQ(sync().rows_written, 0);
}

} // namespace
