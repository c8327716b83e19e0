// Anomalies in the synced target (acme::quality::anomalies, stuck_orders): days planted in the
// daily series are the only ones flagged, and an order left in a status while others move on is
// reported as stuck.
#include "acme/error.hpp"
#include "acme/quality/anomalies.hpp"
#include "support/etl_fixture.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

namespace {

using Snapshot = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;
using Days = std::vector<std::string>;

class QualityAnomalies : public acme::test::EtlTest {
protected:
  // 40 days from 2026-09-01 (day d): 8 to 12 orders a day (8 + 2d mod 5), 1 to 3 of them
  // cancelled (1 + d mod 3), each with one item of quantity 2 at price 5. Planted: 100 orders
  // on 2026-10-05 (d 34), 8 cancellations on 2026-10-08 (d 37), quantity 20 on 2026-10-03 (d 32).
  void plant() {
    src_exec(fmt::format(
        "INSERT INTO {p} (product_id, product_name, barcode, unity_price) VALUES (1, 'W', 'B1', 5);"
        "INSERT INTO {o} (order_date, status, updated_at) "
        "SELECT DATE '2026-09-01' + d, CASE WHEN k <= CASE WHEN d = 37 THEN 8 ELSE 1 + d % 3 END "
        "THEN 'CANCELLED' ELSE 'PENDING' END, DATE '2026-09-01' + d + time '12:00' "
        "FROM generate_series(0, 39) d, "
        "LATERAL generate_series(1, CASE WHEN d = 34 THEN 100 ELSE 8 + (2 * d) % 5 END) k;"
        "INSERT INTO {i} (order_id, product_id, quanity) "
        "SELECT order_id, 1, CASE WHEN order_date = '2026-10-03' THEN 20 ELSE 2 END FROM {o}",
        fmt::arg("p", src("products")), fmt::arg("o", src("orders")),
        fmt::arg("i", src("order_items"))));
    sync();
  }
  acme::quality::AnomalyResult run() {
    acme::quality::AnomalyOptions o;
    o.from = "2026-09-29"; // 28 days of data behind the first scored day
    o.to = "2026-10-10";
    Snapshot tx(*m_tgt);
    return acme::quality::anomalies(tx, m_target_schema, o);
  }
  static const acme::quality::Series& series(const acme::quality::AnomalyResult& r,
                                             const std::string& name) {
    for (const auto& s : r.series) {
      if (s.name == name) {
        return s;
      }
    }
    throw std::runtime_error("no series " + name);
  }
  void set_status(const std::string& where, const std::string& status, const std::string& at) {
    src_exec(fmt::format("UPDATE {} SET status = '{}', updated_at = {} WHERE {}", src("orders"),
                         status, at, where));
  }
};

TEST_F(QualityAnomalies, ExactlyThePlantedDaysAreFlagged) {
  plant();
  const auto r = run();
  EXPECT_EQ(r.from, "2026-09-29");
  EXPECT_EQ(r.to, "2026-10-10");
  EXPECT_EQ(series(r, "new_orders").flagged_days(), Days{"2026-10-05"});
  EXPECT_EQ(series(r, "cancellations").flagged_days(), Days{"2026-10-08"});
  EXPECT_EQ(series(r, "items_per_order").flagged_days(), Days{"2026-10-03"});
  EXPECT_EQ(series(r, "order_amount").flagged_days(), Days{"2026-10-03"});

  const auto& orders = series(r, "new_orders");
  ASSERT_EQ(orders.points.size(), 28U + 12U); // the baseline of the first day, then the range
  EXPECT_EQ(orders.points.front().day, "2026-09-01");
  EXPECT_FALSE(orders.points.front().score); // baseline only, not scored
  const auto& spike = orders.points[34];
  EXPECT_EQ(spike.day, "2026-10-05");
  EXPECT_EQ(spike.value, "100");
  ASSERT_TRUE(spike.score && spike.score->z);
  EXPECT_EQ(spike.score->scale, acme::quality::Scale::mad);
  EXPECT_DOUBLE_EQ(spike.score->median, 10);
  EXPECT_DOUBLE_EQ(spike.score->mad, 1);
  EXPECT_NEAR(*spike.score->z, 0.6745 * 90, 1e-9);
  EXPECT_EQ(series(r, "order_amount").points[32].value, "100.00");
  EXPECT_EQ(series(r, "items_per_order").points[32].value, "20.0000");
  EXPECT_EQ(series(r, "cancellations").points[37].value, "8");

  const auto j = acme::quality::to_json(r);
  EXPECT_EQ(j["series"][0]["name"], "new_orders");
  EXPECT_EQ(j["series"][0]["flagged_days"], nlohmann::ordered_json::array({"2026-10-05"}));
  EXPECT_EQ(j["series"][0]["points"][34]["scale"], "mad");
  EXPECT_FALSE(j["series"][0]["points"][0].contains("z")); // baseline only: no score
}

TEST_F(QualityAnomalies, DaysWithoutOrdersCountZeroAndHaveNoMeans) {
  plant();
  acme::quality::AnomalyOptions o;
  o.from = "2026-10-12";
  o.to = "2026-10-12"; // two days after the last order
  Snapshot tx(*m_tgt);
  const auto r = acme::quality::anomalies(tx, m_target_schema, o);
  const auto& day = series(r, "new_orders").points.back();
  EXPECT_EQ(day.value, "0");
  ASSERT_TRUE(day.score);
  EXPECT_TRUE(day.score->flagged); // no orders at all is an anomaly
  EXPECT_FALSE(series(r, "order_amount").points.back().value);
  EXPECT_FALSE(series(r, "order_amount").points.back().score);
}

TEST_F(QualityAnomalies, AnOrderLeftInAStatusWhileOthersMoveOnIsStuck) {
  // The history is dated by the orders' updated_at, so the test sets it: 30 orders leave
  // PENDING after 10 to 14 minutes; order 31 stays PENDING for a day; 32 and 33 arrived 10
  // minutes before the newest change ("now").
  src_exec(fmt::format("INSERT INTO {} (order_id, status, updated_at) SELECT g, 'PENDING', "
                       "'2026-10-01 08:00' FROM generate_series(1, 31) g",
                       src("orders")));
  sync();
  set_status("order_id <= 30", "PROCESSING",
             "'2026-10-01 08:00'::timestamp + (10 + order_id % 5) * interval '1 minute'");
  sync();
  src_exec(fmt::format("INSERT INTO {} (order_id, status, updated_at) VALUES "
                       "(32, 'PENDING', '2026-10-02 07:50'), (33, 'PENDING', '2026-10-02 07:50')",
                       src("orders")));
  set_status("order_id <= 30", "COMPLETED", "'2026-10-02 08:00'");
  sync();

  Snapshot tx(*m_tgt);
  const auto r = acme::quality::stuck_orders(tx, m_target_schema);
  EXPECT_EQ(r.as_of, "2026-10-02 08:00:00");
  ASSERT_EQ(r.statuses.size(), 2U);
  const auto& pending = r.statuses[0];
  EXPECT_EQ(pending.status, "PENDING");
  EXPECT_EQ(pending.completed, 30);
  EXPECT_NEAR(pending.median_hours, 12.0 / 60, 1e-9);
  EXPECT_NEAR(pending.mad_hours, 1.0 / 60, 1e-9);
  ASSERT_TRUE(pending.limit_hours);
  EXPECT_NEAR(*pending.limit_hours * 60, 12 + 3.5 * 1.482602, 1e-6);
  EXPECT_EQ(pending.open, 3);
  EXPECT_EQ(pending.stuck, 1);
  EXPECT_EQ(pending.sample_order_ids, std::vector<std::int64_t>{31});
  ASSERT_TRUE(pending.oldest_hours);
  EXPECT_NEAR(*pending.oldest_hours, 24, 1e-9);
  const auto& processing = r.statuses[1];
  EXPECT_EQ(processing.status, "PROCESSING");
  EXPECT_EQ(processing.completed, 30);
  EXPECT_EQ(processing.open, 0);
  EXPECT_EQ(processing.stuck, 0);
  const auto j = acme::quality::to_json(r);
  EXPECT_EQ(j["statuses"][0]["sample_order_ids"], nlohmann::ordered_json::array({31}));
}

TEST_F(QualityAnomalies, TooFewCompletedIntervalsJudgeNothing) {
  src_exec(fmt::format("INSERT INTO {} (order_id, status, updated_at) SELECT g, 'PENDING', "
                       "'2026-10-01 08:00' FROM generate_series(1, 6) g",
                       src("orders")));
  sync();
  set_status("order_id <= 5", "PROCESSING", "'2026-10-01 08:10'");
  sync();
  set_status("order_id <= 5", "COMPLETED", "'2026-10-03 08:00'");
  sync();
  Snapshot tx(*m_tgt);
  const auto r = acme::quality::stuck_orders(tx, m_target_schema);
  ASSERT_FALSE(r.statuses.empty());
  EXPECT_EQ(r.statuses[0].status, "PENDING");
  EXPECT_EQ(r.statuses[0].completed, 5);
  EXPECT_FALSE(r.statuses[0].limit_hours);
  EXPECT_EQ(r.statuses[0].open, 1);
  EXPECT_EQ(r.statuses[0].stuck, 0); // 2 days against 10 minutes, but 5 < 10 intervals
}

TEST_F(QualityAnomalies, NeedsAReadOnlyRepeatableReadSnapshot) {
  seed();
  sync();
  pqxx::work tx(*m_tgt);
  EXPECT_THROW(acme::quality::anomalies(tx, m_target_schema), acme::Fatal);
}

} // namespace
