// Order status history and customer history (SCD 2), in both modes: polling records the states
// it sees at each cycle, CDC every committed change.
#include "acme/db/connection.hpp"
#include "acme/db/migrator.hpp"
#include "support/csv_reader.hpp"
#include "support/etl_fixture.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <map>
#include <numeric>
#include <pqxx/pqxx>
#include <set>
#include <tuple>
#include <vector>

namespace {

// order_id (or customer_id), value, valid_from, valid_to ("-" while open), observed_by
using Interval = std::tuple<long, std::string, std::string, std::string, std::string>;

class HistoryMigration : public acme::test::EtlTest {};

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
  // The source's clock now, as the writers see it (timestamp(3) text). Both ends of a window are
  // read this way: the history is dated on the source's clock.
  std::string source_now() { return src_value("SELECT localtimestamp(3)::text"); }
  // Deletes `where` from the source `table` and syncs with reconciliation (polling sees deletes
  // there); returns the window [before the delete, after the sync] on the source's clock.
  std::pair<std::string, std::string> delete_and_sync(const std::string& table,
                                                      const std::string& where) {
    auto before = source_now();
    src_exec(fmt::format("DELETE FROM {} WHERE {}", src(table), where));
    acme::etl::SyncRequest reconcile;
    reconcile.reconcile = true;
    sync(reconcile);
    return {std::move(before), source_now()};
  }
  // valid_to of `order`'s interval in `status` ("<NULL>" while open).
  std::string closed_at(long order, const std::string& status) {
    return tgt_value(fmt::format("SELECT valid_to FROM {} WHERE order_id = {} AND status = '{}'",
                                 tgt("analytical_order_status_history"), order, status));
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
  // A delete closes the open interval when acme sees it (CDC: the delete's commit; polling: the
  // cycle), so within [before the delete, after the sync] on the source's clock.
  const auto [before_delete, after_sync] = delete_and_sync("orders", "order_id = 2");
  EXPECT_EQ(tgt_value(fmt::format("SELECT count(*) FROM {} WHERE order_id = 2 AND valid_to IS NULL",
                                  tgt("analytical_order_status_history"))),
            "0");
  EXPECT_EQ(
      tgt_value(fmt::format("SELECT valid_to BETWEEN '{}' AND '{}' FROM {} WHERE order_id = "
                            "2 AND status = 'CANCELLED'",
                            before_delete, after_sync, tgt("analytical_order_status_history"))),
      "t")
      << "closed at " << closed_at(2, "CANCELLED") << ", expected within [" << before_delete << ", "
      << after_sync << "]";
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
  if (m_cdc) {
    // A change without updated_at is dated by its commit (polling cannot see it at all).
    const auto before_commit = source_now();
    src_exec(fmt::format("UPDATE {} SET status = 'RETURNED', updated_at = NULL WHERE order_id = 1",
                         src("orders")));
    const auto after_commit = source_now();
    sync();
    EXPECT_EQ(
        tgt_value(fmt::format("SELECT valid_from BETWEEN '{}' AND '{}' FROM {} WHERE "
                              "order_id = 1 AND status = 'RETURNED' AND valid_to IS NULL",
                              before_commit, after_commit, tgt("analytical_order_status_history"))),
        "t")
        << "expected valid_from within [" << before_commit << ", " << after_commit << "]";
    expect_invariant("after a change without updated_at");
    EXPECT_EQ(closed_at(1, "COMPLETED"),
              tgt_value(fmt::format("SELECT valid_from FROM {} WHERE order_id = 1 AND status = "
                                    "'RETURNED'",
                                    tgt("analytical_order_status_history"))));
  }
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
  // A deleted customer's open version is closed when acme sees the delete, not left open.
  const auto [before_delete, after_sync] = delete_and_sync("customers", "customer_id = 2");
  EXPECT_EQ(tgt_value(fmt::format("SELECT count(*) || ' ' || count(valid_to) || ' ' || "
                                  "bool_and(valid_to BETWEEN '{}' AND '{}') FROM {} "
                                  "WHERE customer_id = 2",
                                  before_delete, after_sync, tgt("analytical_customer_history"))),
            "1 1 true")
      << "expected one version closed within [" << before_delete << ", " << after_sync << "]";
  EXPECT_EQ(tgt_value(fmt::format("SELECT count(*) FROM {} WHERE customer_id = 1 AND valid_to IS "
                                  "NULL",
                                  tgt("analytical_customer_history"))),
            "1")
      << "the other customer's current version stays open";
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
  src_exec(fmt::format("INSERT INTO {} (order_id, status, updated_at) VALUES (501, 'PENDING', "
                       "'2026-11-01 11:00:00')",
                       src("orders")));
  sync();
  const auto written = tgt_value("SELECT sum((rows->'written'->>'history')::bigint) FROM " +
                                 tgt("acme_runs") + " WHERE run_id > " + before);
  EXPECT_EQ(written, "3") << "one interval closed and one opened for the status change, one "
                             "opened for the new order (which had none to close)";
  EXPECT_EQ(tgt_value("SELECT count(*) FROM " + tgt("analytical_order_status_history")), "502");
}

TEST_P(History, RetentionPrunesClosedIntervalsOlderThanHistoryDaysAndCountsThem) {
  // Three orders and a customer, each with a first version six hours ago; orders 1 and 2 and the
  // customer change five hours ago, which closes their first interval.
  src_exec(fmt::format(
      "INSERT INTO {c} (customer_id, customer_name, customer_address, updated_at) VALUES "
      "(1, 'Ann', 'A st', localtimestamp(3) - interval '6 hours');"
      "INSERT INTO {o} (order_id, status, updated_at) SELECT g, 'PENDING', "
      "localtimestamp(3) - interval '6 hours' FROM generate_series(1, 3) g",
      fmt::arg("c", src("customers")), fmt::arg("o", src("orders"))));
  sync();
  src_exec(fmt::format(
      "UPDATE {o} SET status = 'PROCESSING', updated_at = localtimestamp(3) - interval '5 hours' "
      "WHERE order_id IN (1, 2);"
      "UPDATE {c} SET customer_name = 'Ann B.', updated_at = localtimestamp(3) - interval "
      "'5 hours' WHERE customer_id = 1",
      fmt::arg("c", src("customers")), fmt::arg("o", src("orders"))));
  sync();
  const auto history = tgt("analytical_order_status_history");
  const auto customers = tgt("analytical_customer_history");
  // Order 1's and the customer's closed first versions ended three days ago; order 3's open
  // interval started a month ago (open intervals stay whatever their age).
  // The month partitions those ends fall in (three days back may be last month).
  for (const auto& t : {history, customers}) {
    tgt_exec(fmt::format("SELECT {}.acme_history_months({}, ARRAY(SELECT valid_to - interval "
                         "'3 days' FROM {} WHERE valid_to IS NOT NULL)::timestamp[])",
                         acme::db::quote_ident(m_target_schema), m_tgt->quote(t), t));
  }
  tgt_exec(fmt::format(
      "UPDATE {h} SET valid_from = valid_from - interval '3 days', valid_to = valid_to - "
      "interval '3 days' WHERE order_id = 1 AND valid_to IS NOT NULL;"
      "UPDATE {c} SET valid_from = valid_from - interval '3 days', valid_to = valid_to - "
      "interval '3 days' WHERE customer_id = 1 AND valid_to IS NOT NULL;"
      "UPDATE {h} SET valid_from = valid_from - interval '30 days' WHERE order_id = 3",
      fmt::arg("h", history), fmt::arg("c", customers)));
  const auto count = [&](const std::string& table, const std::string& where) {
    return tgt_value(fmt::format("SELECT count(*) FROM {} WHERE {}", table, where));
  };
  ASSERT_EQ(count(history, "valid_to < localtimestamp - interval '1 day'"), "1");
  ASSERT_EQ(count(customers, "valid_to < localtimestamp - interval '1 day'"), "1");

  // With ACME_HISTORY_DAYS=1, the next cycle (order 2 moves on) prunes exactly those two.
  m_history_days = 1;
  const auto before = tgt_value("SELECT max(run_id) FROM " + tgt("acme_runs"));
  src_exec(fmt::format("UPDATE {} SET status = 'SHIPPED', updated_at = localtimestamp(3) - "
                       "interval '1 hour' WHERE order_id = 2",
                       src("orders")));
  sync();
  EXPECT_EQ(count(history, "valid_to < localtimestamp - interval '1 day'"), "0");
  EXPECT_EQ(count(customers, "valid_to < localtimestamp - interval '1 day'"), "0");
  EXPECT_EQ(count(history, "order_id = 1"), "1") << "order 1 keeps its open interval";
  EXPECT_EQ(count(history, "order_id = 1 AND valid_to IS NULL AND status = 'PROCESSING'"), "1");
  EXPECT_EQ(count(history, "order_id = 2 AND valid_to IS NOT NULL"), "2")
      << "order 2's closed intervals ended within the day";
  EXPECT_EQ(count(history, "order_id = 2 AND valid_to IS NULL AND status = 'SHIPPED'"), "1");
  EXPECT_EQ(count(history,
                  "order_id = 3 AND valid_to IS NULL AND valid_from < localtimestamp - interval "
                  "'29 days'"),
            "1")
      << "an old open interval stays";
  EXPECT_EQ(count(customers, "customer_id = 1"), "1");
  EXPECT_EQ(count(customers, "customer_id = 1 AND valid_to IS NULL"), "1");
  // The cycle's history rows: order 2's interval closed and the next opened, two pruned.
  const auto written = tgt_value("SELECT sum((rows->'written'->>'history')::bigint) FROM " +
                                 tgt("acme_runs") + " WHERE run_id > " + before);
  EXPECT_EQ(written, "4") << "1 closed + 1 opened + 2 pruned";
  expect_invariant();
}

// The history tables are partitioned by the month an interval ended (migration 0009): closed
// intervals live in their month's partition, open ones in <table>_open; retention drops the
// months that ended before its cutoff and deletes inside the month the cutoff falls in.
TEST_P(History, ClosedIntervalsLiveInTheirMonthAndRetentionDropsWholeMonths) {
  src_exec(fmt::format("INSERT INTO {} (order_id, status, updated_at) SELECT g, 'PENDING', "
                       "'2026-01-10 08:00' FROM generate_series(1, 3) g",
                       src("orders")));
  sync();
  set_status(1, "PROCESSING", "2026-02-15 09:00");
  set_status(2, "PROCESSING", "2026-03-20 09:00");
  sync();
  const auto history = tgt("analytical_order_status_history");
  const auto where = [&](long order, const std::string& status) {
    return tgt_value(fmt::format("SELECT tableoid::regclass::text FROM {} WHERE order_id = {} AND "
                                 "status = '{}'",
                                 history, order, status));
  };
  const auto part = [&](const std::string& suffix) {
    return m_target_schema + ".analytical_order_status_history" + suffix;
  };
  EXPECT_EQ(where(1, "PENDING"), part("_y2026m02"));
  EXPECT_EQ(where(2, "PENDING"), part("_y2026m03"));
  EXPECT_EQ(where(1, "PROCESSING"), part("_open"));
  EXPECT_EQ(where(3, "PENDING"), part("_open"));
  EXPECT_THROW(
      tgt_exec("UPDATE " + part("_open") + " SET valid_to = '2026-01-01' WHERE order_id = 3"),
      pqxx::sql_error)
      << "the open partition holds open intervals only";

  // A cutoff on 10 March: February goes whole, March keeps order 2's interval (it ended on the
  // 20th), the open intervals stay.
  m_history_days = std::stoi(src_value("SELECT current_date - date '2026-03-10'"));
  const auto before = tgt_value("SELECT max(run_id) FROM " + tgt("acme_runs"));
  set_status(3, "PROCESSING", "2026-03-25 09:00");
  sync();
  EXPECT_EQ(tgt_value("SELECT to_regclass(" + m_tgt->quote(part("_y2026m02")) + ") IS NULL"), "t")
      << "February was not dropped";
  EXPECT_EQ(where(2, "PENDING"), part("_y2026m03"));
  EXPECT_EQ(where(3, "PENDING"), part("_y2026m03"));
  EXPECT_EQ(tgt_value(fmt::format("SELECT count(*) FROM {} WHERE order_id = 1", history)), "1");
  const auto written = tgt_value("SELECT sum((rows->'written'->>'history')::bigint) FROM " +
                                 tgt("acme_runs") + " WHERE run_id > " + before);
  EXPECT_EQ(written, "2") << "1 closed + 1 opened; February was dropped whole, not counted";
  expect_invariant();
}

// A target whose history predates the partitioning keeps every interval through the migration.
TEST_F(HistoryMigration, UnpartitionedHistoryIsMovedIntoMonthPartitions) {
  acme::db::migrate(*m_tgt, m_target_schema, 8);
  const auto schema = acme::db::quote_ident(m_target_schema);
  tgt_exec(fmt::format(
      "INSERT INTO {0}.analytical_order_status_history (order_id, status, valid_from, valid_to, "
      "observed_by) VALUES (1, 'PENDING', '2025-12-01', '2025-12-31 23:59:59.999', 'poll'), "
      "(1, 'PROCESSING', '2025-12-31 23:59:59.999', '2026-02-01', 'poll'), "
      "(1, 'COMPLETED', '2026-02-01', NULL, 'poll'), (2, NULL, '2026-01-05', NULL, 'cdc');"
      "INSERT INTO {0}.analytical_customer_history (customer_id, customer_name, valid_from, "
      "valid_to, observed_by) VALUES (7, 'Ann', '2025-06-01', '2025-07-01', 'load'), "
      "(7, 'Ann B.', '2025-07-01', NULL, 'poll')",
      schema));
  const auto before = tgt_value(fmt::format(
      "SELECT string_agg(history_id || ':' || order_id || ':' || COALESCE(status, '-') || ':' || "
      "valid_from || ':' || COALESCE(valid_to::text, '-'), ',' ORDER BY history_id) FROM "
      "{}.analytical_order_status_history",
      schema));
  acme::db::migrate(*m_tgt, m_target_schema);
  EXPECT_EQ(tgt_value(fmt::format(
                "SELECT string_agg(history_id || ':' || order_id || ':' || COALESCE(status, '-') "
                "|| ':' || valid_from || ':' || COALESCE(valid_to::text, '-'), ',' ORDER BY "
                "history_id) FROM {}.analytical_order_status_history",
                schema)),
            before);
  EXPECT_EQ(tgt_value(fmt::format("SELECT string_agg(tableoid::regclass::text, ',' ORDER BY "
                                  "history_id) FROM {}.analytical_order_status_history",
                                  schema)),
            fmt::format("{0}.analytical_order_status_history_y2025m12,"
                        "{0}.analytical_order_status_history_y2026m02,"
                        "{0}.analytical_order_status_history_open,"
                        "{0}.analytical_order_status_history_open",
                        m_target_schema));
  EXPECT_EQ(tgt_value(fmt::format("SELECT string_agg(tableoid::regclass::text, ',' ORDER BY "
                                  "history_id) FROM {}.analytical_customer_history",
                                  schema)),
            fmt::format("{0}.analytical_customer_history_y2025m07,"
                        "{0}.analytical_customer_history_open",
                        m_target_schema));
  // New intervals continue the same numbering.
  tgt_exec(fmt::format("INSERT INTO {}.analytical_order_status_history (order_id, status, "
                       "valid_from, observed_by) VALUES (3, 'PENDING', '2026-03-01', 'poll')",
                       schema));
  EXPECT_EQ(tgt_value(fmt::format("SELECT max(history_id) FROM {}.analytical_order_status_history",
                                  schema)),
            "5");
}

// status_durations.csv recomputed here from the raw intervals: durations, window and
// percentiles (linear interpolation, as percentile_cont) in C++, not in SQL.
struct Durations {
  std::vector<double> closed;
  std::set<long> orders;
  std::vector<double> open;
};

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const double pos = p * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  return lo + 1 < v.size() ? v[lo] + (pos - static_cast<double>(lo)) * (v[lo + 1] - v[lo]) : v[lo];
}

TEST_P(History, StatusDurationsReportEqualsTheIntervalsItSummarizes) {
  // 40 orders over the last 60 days; each round moves some of them on, with a sync after each
  // round (so polling sees every transition too); the delete closes an interval now.
  src_exec(fmt::format("INSERT INTO {} (order_id, status, updated_at) SELECT g, 'PENDING', "
                       "localtimestamp(0) - interval '60 days' + g * interval '37 minutes' "
                       "FROM generate_series(1, 40) g",
                       src("orders")));
  sync();
  const char* const steps[] = {"PROCESSING", "SHIPPED", "PENDING", "COMPLETED"};
  for (int round = 0; round < 4; ++round) {
    src_exec(fmt::format(
        "UPDATE {} SET status = '{}', updated_at = localtimestamp(0) - interval '60 days' + "
        "interval '1 day' * "
        "({} * 14 + order_id % 11) + interval '1 hour' * (order_id * 7 % 23) "
        "WHERE order_id % {} <> 0",
        src("orders"), steps[round], round, round + 2));
    sync();
  }
  src_exec(fmt::format("DELETE FROM {} WHERE order_id = 40", src("orders")));
  sync();

  for (const int days : {30, 10}) {
    // Independent figures: every interval as epoch seconds.
    std::map<std::string, Durations> expected;
    double now = 0;
    // Open intervals count for open orders only (closed ones rest in their final status).
    const auto rows = tgt_exec(
        fmt::format("SELECT h.order_id, h.status, extract(epoch FROM h.valid_from)::float8, "
                    "extract(epoch FROM h.valid_to)::float8, COALESCE(o.is_open, false) "
                    "FROM {} h LEFT JOIN {} o ON o.order_id = h.order_id",
                    tgt("analytical_order_status_history"), tgt("analytical_orders")));
    const auto counted_open = [](const pqxx::row& r) { return r[3].is_null() && r[4].as<bool>(); };
    for (const auto& r : rows) {
      now = std::max({now, counted_open(r) ? r[2].as<double>() : 0.0,
                      r[3].is_null() ? 0.0 : r[3].as<double>()});
    }
    for (const auto& r : rows) {
      auto& d = expected[r[1].as<std::string>()];
      if (counted_open(r)) {
        d.open.push_back((now - r[2].as<double>()) / 3600.0);
      } else if (r[3].is_null()) {
        continue;
      } else if (r[3].as<double>() > now - days * 86400.0) {
        d.closed.push_back((r[3].as<double>() - r[2].as<double>()) / 3600.0);
        d.orders.insert(r[0].as<long>());
      }
    }
    const auto out =
        acme({"export-reports", "--status-durations", "--days", std::to_string(days), "--stdout"});
    ASSERT_EQ(out.exit_code, 0) << out.err;
    const auto csv = acme::test::parse_csv(out.out);
    ASSERT_FALSE(csv.empty());
    EXPECT_EQ(csv[0], (std::vector<std::string>{"status", "intervals", "orders", "avg_hours",
                                                "p50_hours", "p90_hours", "max_hours",
                                                "open_intervals", "open_p90_hours"}));
    std::size_t listed = 0;
    for (const auto& [status, d] : expected) {
      if (d.closed.empty() && d.open.empty()) {
        continue;
      }
      ++listed;
      const auto row = std::find_if(csv.begin() + 1, csv.end(),
                                    [&](const auto& r) { return r.at(0) == status; });
      ASSERT_NE(row, csv.end()) << status << " missing for --days " << days << "\n" << out.out;
      const auto& cells = *row;
      const std::string where = fmt::format("{} --days {}", status, days);
      EXPECT_EQ(std::stol(cells.at(1)), static_cast<long>(d.closed.size())) << where;
      EXPECT_EQ(std::stol(cells.at(2)), static_cast<long>(d.orders.size())) << where;
      if (d.closed.empty()) {
        EXPECT_EQ(cells.at(3), "") << where;
      } else {
        const double avg = std::accumulate(d.closed.begin(), d.closed.end(), 0.0) /
                           static_cast<double>(d.closed.size());
        EXPECT_NEAR(std::stod(cells.at(3)), avg, 0.0051) << where;
        EXPECT_NEAR(std::stod(cells.at(4)), percentile(d.closed, 0.5), 0.0051) << where;
        EXPECT_NEAR(std::stod(cells.at(5)), percentile(d.closed, 0.9), 0.0051) << where;
        EXPECT_NEAR(std::stod(cells.at(6)), *std::max_element(d.closed.begin(), d.closed.end()),
                    0.0051)
            << where;
      }
      EXPECT_EQ(std::stol(cells.at(7)), static_cast<long>(d.open.size())) << where;
      if (!d.open.empty()) {
        EXPECT_NEAR(std::stod(cells.at(8)), percentile(d.open, 0.9), 0.0051) << where;
      }
    }
    EXPECT_EQ(csv.size(), listed + 1) << out.out;
    // PENDING, PROCESSING, SHIPPED; COMPLETED (closed: only open intervals) is not listed.
    EXPECT_GE(listed, days == 30 ? 3U : 2U) << out.out;
    EXPECT_EQ(out.out.find("COMPLETED"), std::string::npos) << out.out;
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, History, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return std::string(p.param ? "Cdc" : "Poll");
                         });

} // namespace
