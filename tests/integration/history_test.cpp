// Order status history and customer history (SCD 2), in both modes: polling records the states
// it sees at each cycle, CDC every committed change.
#include "support/etl_fixture.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <tuple>
#include <vector>

namespace {

// order_id (or customer_id), value, valid_from, valid_to ("-" while open), observed_by
using Interval = std::tuple<long, std::string, std::string, std::string, std::string>;

class History : public acme::test::EtlTest, public ::testing::WithParamInterface<bool> {
protected:
  void SetUp() override {
    EtlTest::SetUp();
    m_cdc = GetParam();
  }
  std::string mode() const { return m_cdc ? "cdc" : "poll"; }
  void set_status(long order, const std::string& status, const std::string& at) {
    src_exec(fmt::format("UPDATE {} SET status = '{}', updated_at = '{}' WHERE order_id = {}",
                         src("orders"), status, at, order));
  }
  std::vector<Interval> statuses() {
    std::vector<Interval> out;
    for (const auto& r : tgt_exec(fmt::format(
             "SELECT order_id, COALESCE(status, '<NULL>'), to_char(valid_from, 'HH24:MI:SS'), "
             "COALESCE(to_char(valid_to, 'HH24:MI:SS'), '-'), observed_by FROM {} "
             "WHERE valid_to IS NULL OR valid_to < '2026-11-02' "
             "ORDER BY order_id, valid_from, history_id",
             tgt("analytical_order_status_history")))) {
      out.emplace_back(r[0].as<long>(), r[1].as<std::string>(), r[2].as<std::string>(),
                       r[3].as<std::string>(), r[4].as<std::string>());
    }
    return out;
  }
  std::vector<Interval> customers() {
    std::vector<Interval> out;
    for (const auto& r : tgt_exec(fmt::format(
             "SELECT customer_id, customer_name || '|' || COALESCE(customer_address, '') || '|' || "
             "is_active::text, to_char(valid_from, 'HH24:MI:SS'), "
             "COALESCE(to_char(valid_to, 'HH24:MI:SS'), '-'), observed_by FROM {} "
             "ORDER BY customer_id, valid_from, history_id",
             tgt("analytical_customer_history")))) {
      out.emplace_back(r[0].as<long>(), r[1].as<std::string>(), r[2].as<std::string>(),
                       r[3].as<std::string>(), r[4].as<std::string>());
    }
    return out;
  }
};

TEST_P(History, StatusIntervalsFollowTheChangesEachModeSees) {
  src_exec(fmt::format(
      "INSERT INTO {c} (customer_id, customer_name, customer_address, updated_at) VALUES "
      "(1, 'Ann', 'A st', '2026-11-01 09:00:00');"
      "INSERT INTO {o} (order_id, customer_id, status, updated_at) VALUES "
      "(1, 1, 'PENDING', '2026-11-01 10:00:00'), (2, 1, 'PENDING', '2026-11-01 10:00:00')",
      fmt::arg("c", src("customers")), fmt::arg("o", src("orders"))));
  sync();
  EXPECT_EQ(statuses(), (std::vector<Interval>{{1, "PENDING", "10:00:00", "-", "load"},
                                               {2, "PENDING", "10:00:00", "-", "load"}}));
  // Two transitions of order 1 between two syncs.
  set_status(1, "PROCESSING", "2026-11-01 11:00:00");
  set_status(1, "COMPLETED", "2026-11-01 12:00:00");
  sync();
  if (m_cdc) { // every committed status
    EXPECT_EQ(statuses(), (std::vector<Interval>{{1, "PENDING", "10:00:00", "11:00:00", "load"},
                                                 {1, "PROCESSING", "11:00:00", "12:00:00", "cdc"},
                                                 {1, "COMPLETED", "12:00:00", "-", "cdc"},
                                                 {2, "PENDING", "10:00:00", "-", "load"}}));
  } else { // the state at each cycle
    EXPECT_EQ(statuses(), (std::vector<Interval>{{1, "PENDING", "10:00:00", "12:00:00", "load"},
                                                 {1, "COMPLETED", "12:00:00", "-", "poll"},
                                                 {2, "PENDING", "10:00:00", "-", "load"}}));
  }
  // A change that does not touch the status adds nothing; a status back to an earlier one does.
  src_exec(fmt::format("UPDATE {} SET delivery_date = '2026-12-24', updated_at = '2026-11-01 "
                       "12:30:00' WHERE order_id = 1",
                       src("orders")));
  set_status(2, "REPROCESSING", "2026-11-01 13:00:00");
  set_status(2, "PENDING", "2026-11-01 14:00:00");
  set_status(2, "CANCELLED", "2026-11-01 15:00:00");
  sync();
  const auto rows = statuses();
  if (m_cdc) {
    ASSERT_EQ(rows.size(), 7U);
    EXPECT_EQ(rows[4], (Interval{2, "REPROCESSING", "13:00:00", "14:00:00", "cdc"}));
    EXPECT_EQ(rows[5], (Interval{2, "PENDING", "14:00:00", "15:00:00", "cdc"}));
  } else {
    ASSERT_EQ(rows.size(), 4U);
    EXPECT_EQ(rows[2], (Interval{2, "PENDING", "10:00:00", "15:00:00", "load"}));
  }
  EXPECT_EQ(rows.back(), (Interval{2, "CANCELLED", "15:00:00", "-", mode()}));
  // A delete closes the open interval when acme sees it.
  src_exec(fmt::format("DELETE FROM {} WHERE order_id = 2", src("orders")));
  acme::etl::SyncRequest reconcile;
  reconcile.reconcile = true; // polling sees deletes at reconciliation
  sync(reconcile);
  EXPECT_EQ(tgt_value(fmt::format("SELECT count(*) FROM {} WHERE order_id = 2 AND valid_to IS NULL",
                                  tgt("analytical_order_status_history"))),
            "0");
  EXPECT_EQ(tgt_value(fmt::format("SELECT count(*) FROM {} WHERE valid_to < valid_from",
                                  tgt("analytical_order_status_history"))),
            "0");
  expect_invariant();
  const auto status = acme({"status"});
  EXPECT_NE(status.out.find(fmt::format(
                "history:         {} status intervals (1 open)",
                tgt_value("SELECT count(*) FROM " + tgt("analytical_order_status_history")))),
            std::string::npos)
      << status.out;
}

TEST_P(History, CustomerVersionsAreSlowlyChangingDimensionType2) {
  src_exec(fmt::format("INSERT INTO {} (customer_id, customer_name, customer_address, updated_at) "
                       "VALUES (1, 'Ann', 'A st', '2026-11-01 09:00:00'), "
                       "(2, 'Bob', 'B st', '2026-11-01 09:00:00')",
                       src("customers")));
  sync();
  src_exec(fmt::format("UPDATE {} SET customer_name = 'Ann B.', updated_at = '2026-11-01 10:00:00' "
                       "WHERE customer_id = 1",
                       src("customers")));
  src_exec(fmt::format("UPDATE {} SET customer_address = 'C st', is_active = false, updated_at = "
                       "'2026-11-01 11:00:00' WHERE customer_id = 1",
                       src("customers")));
  // Touching updated_at alone is not a new version.
  src_exec(fmt::format("UPDATE {} SET updated_at = '2026-11-01 11:30:00' WHERE customer_id = 2",
                       src("customers")));
  sync();
  if (m_cdc) {
    EXPECT_EQ(customers(),
              (std::vector<Interval>{{1, "Ann|A st|true", "09:00:00", "10:00:00", "load"},
                                     {1, "Ann B.|A st|true", "10:00:00", "11:00:00", "cdc"},
                                     {1, "Ann B.|C st|false", "11:00:00", "-", "cdc"},
                                     {2, "Bob|B st|true", "09:00:00", "-", "load"}}));
  } else {
    EXPECT_EQ(customers(),
              (std::vector<Interval>{{1, "Ann|A st|true", "09:00:00", "11:00:00", "load"},
                                     {1, "Ann B.|C st|false", "11:00:00", "-", "poll"},
                                     {2, "Bob|B st|true", "09:00:00", "-", "load"}}));
  }
  expect_invariant();
}

TEST_P(History, HistoryWritesFollowStatusChangesNotTableSize) {
  src_exec(fmt::format("INSERT INTO {} (order_id, status, updated_at) SELECT g, 'PENDING', "
                       "'2026-11-01 10:00:00' FROM generate_series(1, 500) g",
                       src("orders")));
  sync();
  const auto before = tgt_value("SELECT max(run_id) FROM " + tgt("acme_runs"));
  set_status(7, "PROCESSING", "2026-11-01 11:00:00");
  src_exec(fmt::format("UPDATE {} SET delivery_date = '2026-12-01', updated_at = '2026-11-01 "
                       "11:00:00' WHERE order_id BETWEEN 10 AND 60",
                       src("orders")));
  sync();
  const auto written = tgt_value("SELECT sum((rows->'written'->>'history')::bigint) FROM " +
                                 tgt("acme_runs") + " WHERE run_id > " + before);
  EXPECT_EQ(written, "2") << "one interval closed and one opened, for one status change";
}

INSTANTIATE_TEST_SUITE_P(Modes, History, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return std::string(p.param ? "Cdc" : "Poll");
                         });

} // namespace
