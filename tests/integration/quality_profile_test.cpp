// Column profiles of the synced target (acme::quality::profile): exact figures from one GROUPING
// SETS scan per table, estimated ones from pg_stats past the row limit, and data_profile.csv.
#include "acme/error.hpp"
#include "acme/quality/profile.hpp"
#include "acme/report/quality_csv.hpp"
#include "support/etl_fixture.hpp"

#include <chrono>
#include <fmt/format.h>
#include <future>
#include <gtest/gtest.h>
#include <pqxx/pqxx>
#include <sstream>

namespace {

using Snapshot = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;

class QualityProfile : public acme::test::EtlTest {
protected:
  // Five orders with known NULLs and repeats; customer 9 does not exist; no items.
  void plant() {
    src_exec(fmt::format(
        "INSERT INTO {c} (customer_id, customer_name) VALUES (1, 'Ann'), (2, 'Bob');"
        "INSERT INTO {o} (order_id, order_date, customer_id, status) VALUES "
        "(1, '2026-10-01', 1, 'PENDING'), (2, '2026-10-01', 1, 'PENDING'), "
        "(3, '2026-10-02', 2, 'COMPLETED'), (4, NULL, NULL, NULL), (5, '2026-10-03', 9, NULL)",
        fmt::arg("c", src("customers")), fmt::arg("o", src("orders"))));
    sync();
  }
  acme::quality::ProfileResult run(const acme::quality::ProfileOptions& options) {
    Snapshot tx(*m_tgt);
    return acme::quality::profile(tx, m_target_schema, options);
  }
  static const acme::quality::ColumnProfile&
  column(const acme::quality::ProfileResult& r, const std::string& table, const std::string& name) {
    for (const auto& c : r.columns) {
      if (c.table == table && c.column == name) {
        return c;
      }
    }
    throw std::runtime_error("no profile for " + table + "." + name);
  }
  static acme::quality::ProfileOptions orders_only() {
    acme::quality::ProfileOptions o;
    o.tables = {"analytical_orders"};
    return o;
  }
};

using Top = std::vector<std::pair<std::string, std::int64_t>>;

Top top(const acme::quality::ColumnProfile& c) {
  Top out;
  for (const auto& t : c.top_values) {
    out.emplace_back(t.value, t.count);
  }
  return out;
}

TEST_F(QualityProfile, ExactFiguresForEveryColumnFromTheCatalog) {
  plant();
  const auto r = run(orders_only());
  // Every column of the table, in catalog order, none hard-coded.
  EXPECT_EQ(r.columns.size(),
            std::stoul(tgt_value(
                fmt::format("SELECT count(*) FROM pg_attribute WHERE attrelid = '{}'::regclass "
                            "AND attnum > 0 AND NOT attisdropped",
                            tgt("analytical_orders")))));
  EXPECT_EQ(r.columns.front().column, "order_id");

  const auto& id = column(r, "analytical_orders", "order_id");
  EXPECT_EQ(id.rows, 5);
  EXPECT_EQ(id.nulls, 0);
  EXPECT_EQ(id.distinct, 5);
  EXPECT_EQ(id.distinct_method, "exact");
  EXPECT_EQ(id.min, "1");
  EXPECT_EQ(id.max, "5");

  const auto& customer = column(r, "analytical_orders", "customer_id");
  EXPECT_EQ(customer.type, "bigint");
  EXPECT_EQ(customer.nulls, 1);
  EXPECT_DOUBLE_EQ(customer.null_share, 0.2);
  EXPECT_EQ(customer.distinct, 3);
  EXPECT_EQ(customer.min, "1");
  EXPECT_EQ(customer.max, "9");
  EXPECT_EQ(top(customer), (Top{{"1", 2}, {"2", 1}, {"9", 1}}));

  const auto& status = column(r, "analytical_orders", "status");
  EXPECT_EQ(status.nulls, 2);
  EXPECT_DOUBLE_EQ(status.null_share, 0.4);
  EXPECT_EQ(status.distinct, 2);
  EXPECT_EQ(status.min, "COMPLETED");
  EXPECT_EQ(status.max, "PENDING");
  EXPECT_EQ(top(status), (Top{{"PENDING", 2}, {"COMPLETED", 1}}));

  const auto& name = column(r, "analytical_orders", "customer_name");
  EXPECT_EQ(name.nulls, 2); // order 4 has no customer, customer 9 does not exist
  EXPECT_EQ(top(name), (Top{{"Ann", 2}, {"Bob", 1}}));

  const auto& date = column(r, "analytical_orders", "order_date");
  EXPECT_EQ(date.distinct, 3);
  EXPECT_EQ(date.min, "2026-10-01");
  EXPECT_EQ(date.max, "2026-10-03");

  const auto& delivery = column(r, "analytical_orders", "delivery_date"); // all NULL
  EXPECT_EQ(delivery.nulls, 5);
  EXPECT_DOUBLE_EQ(delivery.null_share, 1.0);
  EXPECT_EQ(delivery.distinct, 0);
  EXPECT_FALSE(delivery.min);
  EXPECT_TRUE(delivery.top_values.empty());

  const auto& open = column(r, "analytical_orders", "is_open"); // booleans: bool_and / bool_or
  EXPECT_EQ(open.min, "false");
  EXPECT_EQ(open.max, "true");
  EXPECT_EQ(top(open), (Top{{"true", 4}, {"false", 1}}));

  const auto& items = column(r, "analytical_orders", "total_items");
  EXPECT_EQ(items.distinct, 1);
  EXPECT_EQ(top(items), (Top{{"0", 5}}));
}

TEST_F(QualityProfile, EveryDefaultTableIsProfiledIncludingEmptyOnes) {
  plant();
  const auto r = run({});
  EXPECT_EQ(column(r, "customers", "customer_name").distinct, 2);
  EXPECT_EQ(column(r, "customers", "is_active").rows, 2);
  const auto& qty = column(r, "analytical_order_items", "quantity"); // no items at all
  EXPECT_EQ(qty.rows, 0);
  EXPECT_EQ(qty.distinct, 0);
  EXPECT_DOUBLE_EQ(qty.null_share, 0);
  EXPECT_EQ(column(r, "products", "unity_price").rows, 0);
}

TEST_F(QualityProfile, PastTheRowLimitDistinctCountsAreEstimatedFromPlannerStatistics) {
  plant();
  auto options = orders_only();
  options.exact_row_limit = 0;
  tgt_exec("ANALYZE " + tgt("analytical_orders"));
  const auto r = run(options);
  const auto& status = column(r, "analytical_orders", "status");
  EXPECT_EQ(status.distinct_method, "estimated");
  EXPECT_EQ(status.distinct, 2); // ANALYZE read the whole small table
  EXPECT_EQ(status.nulls, 2);    // still exact: one aggregate scan
  EXPECT_EQ(status.min, "COMPLETED");
  EXPECT_EQ(status.max, "PENDING");
  EXPECT_EQ(column(r, "analytical_orders", "order_id").distinct, 5);
  EXPECT_EQ(column(r, "analytical_orders", "customer_id").distinct, 3);
}

TEST_F(QualityProfile, WithoutStatisticsTheEstimateIsUnavailable) {
  plant();
  auto options = orders_only();
  options.exact_row_limit = 0;
  tgt_exec("ANALYZE " + tgt("analytical_orders"));
  // A column added since: found in the catalog, but ANALYZE has not seen it, and the count is
  // not guessed.
  tgt_exec(fmt::format("ALTER TABLE {} ADD COLUMN note text", tgt("analytical_orders")));
  const auto r = run(options);
  const auto& note = r.columns.back();
  EXPECT_EQ(note.column, "note");
  EXPECT_EQ(note.distinct_method, "unavailable");
  EXPECT_FALSE(note.distinct);
  EXPECT_EQ(note.nulls, 5);
  EXPECT_TRUE(acme::quality::to_json(r).back()["distinct"].is_null());
  EXPECT_EQ(column(r, "analytical_orders", "status").distinct_method, "estimated");
}

TEST_F(QualityProfile, AnOpenProfileSnapshotDoesNotBlockASync) {
  plant();
  Snapshot tx(*m_tgt);
  const auto before = acme::quality::profile(tx, m_target_schema, {});
  // While the snapshot is still open: orders change status (the history closes intervals in a
  // new month partition), a new order and its item arrive.
  src_exec(fmt::format("UPDATE {o} SET status = 'COMPLETED', updated_at = localtimestamp(3) "
                       "WHERE order_id IN (1, 2);"
                       "INSERT INTO {o} (order_id, status) VALUES (6, 'PENDING');"
                       "INSERT INTO {i} (order_item_id, order_id, quanity) VALUES (1, 6, 3)",
                       fmt::arg("o", src("orders")), fmt::arg("i", src("order_items"))));
  auto done = std::async(std::launch::async, [this] { return sync(); });
  const bool finished = done.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
  tx.commit(); // unblocks a sync that waited, so that the test ends either way
  EXPECT_TRUE(finished) << "the sync waited for the profile's snapshot";
  done.get();
  EXPECT_EQ(tgt_value(fmt::format("SELECT count(*) FROM {} WHERE status = 'COMPLETED'",
                                  tgt("analytical_orders"))),
            "3");
  EXPECT_EQ(column(before, "analytical_orders", "order_id").rows, 5);
}

TEST_F(QualityProfile, NeedsAReadOnlyRepeatableReadSnapshot) {
  plant();
  pqxx::work tx(*m_tgt);
  EXPECT_THROW(acme::quality::profile(tx, m_target_schema, orders_only()), acme::Fatal);
}

TEST_F(QualityProfile, DataProfileCsvHasOneRowPerColumn) {
  plant();
  std::ostringstream out;
  acme::report::write_profile_csv(run(orders_only()), out);
  const auto csv = out.str();
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "table,column,type,rows,null_share,distinct,distinct_method,min,max,top_values");
  EXPECT_NE(csv.find("\nanalytical_orders,customer_id,bigint,5,0.2000,3,exact,1,9,"
                     "\"[{\"\"count\"\":2,\"\"value\"\":\"\"1\"\"},"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find("\nanalytical_orders,delivery_date,date,5,1.0000,0,exact,,,[]\n"),
            std::string::npos)
      << csv;
}

} // namespace
