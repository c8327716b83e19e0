// "Is this order open" is written once (sql/etl/is_open.sql). Every path that stores openness
// agrees on the statuses at its edges: NULL, unknown, a closed status in another case, the
// empty string, and a changed closed set. The full load (read on the source), incremental merges,
// CDC flushes and the reopening (on the target) are each compared with the oracle and with the
// rule written out here.
#include "support/etl_fixture.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <map>
#include <optional>
#include <string>

namespace {

class OpenRule : public acme::test::EtlTest {
protected:
  // order_id -> status (nullopt: NULL).
  const std::map<int, std::optional<std::string>> m_statuses{
      {1, std::nullopt}, {2, "MYSTERY"}, {3, "COMPLETED"}, {4, "completed"},
      {5, ""},           {6, "PENDING"}, {7, "CANCELLED"}};

  void seed_edges() {
    src_exec(fmt::format(
        "INSERT INTO {} (customer_id, customer_name, customer_address) VALUES (1, 'c1', 'a1');"
        "INSERT INTO {} (product_id, product_name, barcode, unity_price) VALUES (1, 'p1', 'b1', 2.5)",
        src("customers"), src("products")));
    for (const auto& [id, status] : m_statuses) {
      src_exec(fmt::format("INSERT INTO {} (order_id, customer_id, status) VALUES ({}, 1, {});"
                           "INSERT INTO {} (order_item_id, order_id, product_id, quanity) "
                           "VALUES ({}, {}, 1, 2)",
                           src("orders"), id, status ? m_src->quote(*status) : "NULL",
                           src("order_items"), id * 10, id));
    }
  }

  // The rule, written out: open unless the status is one of m_closed exactly.
  bool expected_open(const std::optional<std::string>& status) const {
    if (!status) {
      return true;
    }
    for (const auto& c : m_closed) {
      if (c == *status) {
        return false;
      }
    }
    return true;
  }

  void expect_rule(const std::string& when) {
    for (const auto& [id, status] : m_statuses) {
      const std::string want = expected_open(status) ? "t" : "f";
      EXPECT_EQ(tgt_value(fmt::format("SELECT is_open FROM {} WHERE order_id = {}",
                                      tgt("analytical_orders"), id)),
                want)
          << when << ": order " << id << " status " << status.value_or("NULL");
      EXPECT_EQ(tgt_value(fmt::format("SELECT is_open FROM {} WHERE order_item_id = {}",
                                      tgt("analytical_order_items"), id * 10)),
                want)
          << when << ": item of order " << id;
    }
    expect_invariant(when);
  }

  void touch_all() {
    src_exec(fmt::format("UPDATE {} SET updated_at = CURRENT_TIMESTAMP(3)", src("orders")));
  }
};

TEST_F(OpenRule, EdgeStatusesAgreeInTheFullLoadMergesAndReopening) {
  seed_edges();
  EXPECT_EQ(sync().mode, "full"); // read on the source, in parallel
  expect_rule("after the full load");
  touch_all();
  EXPECT_EQ(sync().mode, "incremental"); // merged on the target
  expect_rule("after an incremental merge of every order");
  m_closed = {"PENDING", "MYSTERY", ""};
  sync(); // the closed set changed: every order's openness recomputed on the target
  expect_rule("after the closed set changed");
  EXPECT_EQ(sync({true, false, {}}).mode, "full"); // a full reload of a loaded target
  expect_rule("after a full reload");
}

TEST_F(OpenRule, EdgeStatusesAgreeWhenStreamed) {
  m_cdc = true;
  sync(); // the hand-off: an empty source
  seed_edges();
  sync();
  expect_rule("after the stream inserted them");
  touch_all();
  sync();
  expect_rule("after the stream updated them");
}

} // namespace
