#include "acme/obs/metrics.hpp"

#include <gtest/gtest.h>
#include <utility>

using acme::obs::written_table;

TEST(MetricsTable, MergeStepsCountUnderTheTargetTableTheyWrite) {
  const std::pair<const char*, const char*> cases[] = {
      {"orders", "analytical_orders"},
      {"orders_reopened", "analytical_orders"},
      {"orders_deleted", "analytical_orders"},
      {"orders_customer_fanout", "analytical_orders"},
      {"order_totals", "analytical_orders"},
      {"items", "analytical_order_items"},
      {"items_deleted", "analytical_order_items"},
      {"customers", "customers"},
      {"customers_deleted", "customers"},
      {"products", "products"},
      {"products_deleted", "products"},
      {"history", "history"},
  };
  for (const auto& [step, table] : cases) {
    EXPECT_EQ(written_table(step), table) << step;
  }
}

TEST(MetricsTable, UnknownStepIsItsOwnLabel) {
  EXPECT_EQ(written_table("something_new"), "something_new");
}

// A port alone binds loopback: /metrics is exposed beyond the host only when the host says so.
TEST(MetricsAddress, APortAloneMeansLoopback) {
  EXPECT_EQ(acme::obs::metrics_listen_address("9187"), "127.0.0.1:9187");
  EXPECT_EQ(acme::obs::metrics_listen_address(":9187"), "127.0.0.1:9187");
  EXPECT_EQ(acme::obs::metrics_listen_address("0.0.0.0:9187"), "0.0.0.0:9187");
  EXPECT_EQ(acme::obs::metrics_listen_address("[::1]:9187"), "[::1]:9187");
  EXPECT_EQ(acme::obs::metrics_address_problem(acme::obs::metrics_listen_address("9187")), "");
}
