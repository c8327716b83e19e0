#include "acme/ops/metrics.hpp"

#include <gtest/gtest.h>

using acme::ops::written_table;

TEST(MetricsTable, MergeStepsCountUnderTheTargetTableTheyWrite) {
  EXPECT_EQ(written_table("orders"), "analytical_orders");
  EXPECT_EQ(written_table("orders_reopened"), "analytical_orders");
  EXPECT_EQ(written_table("orders_deleted"), "analytical_orders");
  EXPECT_EQ(written_table("orders_customer_fanout"), "analytical_orders");
  EXPECT_EQ(written_table("order_totals"), "analytical_orders");
  EXPECT_EQ(written_table("items"), "analytical_order_items");
  EXPECT_EQ(written_table("items_deleted"), "analytical_order_items");
  EXPECT_EQ(written_table("customers"), "customers");
  EXPECT_EQ(written_table("customers_deleted"), "customers");
  EXPECT_EQ(written_table("products"), "products");
  EXPECT_EQ(written_table("products_deleted"), "products");
  EXPECT_EQ(written_table("history"), "history");
}

TEST(MetricsTable, UnknownStepIsItsOwnLabel) {
  EXPECT_EQ(written_table("something_new"), "something_new");
}
