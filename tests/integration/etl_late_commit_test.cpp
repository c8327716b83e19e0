// Late-committing source transactions: rows stamped before rows already synced.
#include "support/etl_fixture.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>
#include <thread>

namespace {

class LateCommit : public acme::test::EtlTest {
protected:
  void seed() {
    src_exec(fmt::format(
        "INSERT INTO {} (customer_id, customer_name) VALUES (1, 'Ann');"
        "INSERT INTO {} (product_id, product_name, barcode, unity_price) VALUES (1, 'W', 'B', 2);"
        "INSERT INTO {} (order_id, customer_id, status) VALUES (1, 1, 'PENDING');",
        src("customers"), src("products"), src("orders")));
  }
  // Opens a writer transaction now (its updated_at is now) that inserts order `id` uncommitted.
  std::unique_ptr<pqxx::work> begin_late_writer(pqxx::connection& conn, int id) {
    auto tx = std::make_unique<pqxx::work>(conn);
    tx->exec(fmt::format("INSERT INTO {} (order_id, customer_id, status) VALUES ({}, 1, 'PENDING')",
                         src("orders"), id));
    tx->exec(fmt::format(
        "INSERT INTO {} (order_item_id, order_id, product_id, quanity) VALUES ({}, {}, 1, 3)",
        src("order_items"), id, id));
    return tx;
  }
  bool has_order(int id) {
    return tgt_value(fmt::format("SELECT count(*) FROM {} WHERE order_id = {}",
                                 tgt("analytical_orders"), id)) == "1";
  }
};

TEST_F(LateCommit, RowsOfATransactionCommittingAfterTheCycleAreNotLost) {
  seed();
  sync();
  pqxx::connection writer(acme::test::source_dsn());
  auto late = begin_late_writer(writer, 100);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  // A later transaction commits first: its rows carry a newer updated_at.
  src_exec(fmt::format("INSERT INTO {} (order_id, customer_id, status) VALUES (101, 1, 'PENDING')",
                       src("orders")));
  const auto r = sync();
  EXPECT_TRUE(r.clamped) << "the open writer must hold the cursor back";
  EXPECT_TRUE(r.horizon.exact);
  EXPECT_TRUE(has_order(101));
  EXPECT_FALSE(has_order(100));
  late->commit();
  sync();
  EXPECT_TRUE(has_order(100)) << "the late commit was lost";
  expect_invariant();
  // Once nothing is open, the cursor catches up and idle cycles write nothing.
  sync();
  EXPECT_EQ(sync().rows_written, 0);
}

TEST_F(LateCommit, LookbackWindowCatchesLateCommitsWhenOtherSessionsAreHidden) {
  seed();
  // A role that cannot see other roles' sessions (no pg_read_all_stats).
  const std::string role = "acme_ro_" + std::to_string(::getpid());
  src_exec(fmt::format(
      "DROP ROLE IF EXISTS {r}; CREATE ROLE {r} LOGIN; GRANT USAGE ON SCHEMA {s} TO {r}; "
      "GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {r}",
      fmt::arg("r", role), fmt::arg("s", m_source_schema)));
  auto cfg = config();
  cfg.source_dsn +=
      (cfg.source_dsn.find('?') == std::string::npos ? "?" : "&") + std::string("user=") + role;
  cfg.lookback = std::chrono::milliseconds(3600 * 1000);
  auto run = [&] {
    acme::etl::Syncer syncer(cfg, {});
    return syncer.sync({});
  };
  run();
  pqxx::connection writer(acme::test::source_dsn()); // a superuser session, hidden from the role
  auto late = begin_late_writer(writer, 100);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  src_exec(fmt::format("INSERT INTO {} (order_id, customer_id, status) VALUES (101, 1, 'PENDING')",
                       src("orders")));
  const auto r = run();
  EXPECT_FALSE(r.horizon.exact) << "the role should not see other sessions";
  EXPECT_TRUE(has_order(101));
  late->commit();
  run();
  EXPECT_TRUE(has_order(100)) << "the late commit was lost";
  expect_invariant();
  const auto status = acme({"status", "--json"});
  EXPECT_NE(status.out.find("\"late_commit_horizon\": \"lookback\""), std::string::npos)
      << status.out;
  src_exec(fmt::format("DROP OWNED BY {r}; DROP ROLE {r}", fmt::arg("r", role)));
}

} // namespace

namespace {

TEST_F(LateCommit, PinnedHorizonWithFullBatchesEndsTheSyncAndLosesNothing) {
  seed();
  sync();
  pqxx::connection writer(acme::test::source_dsn());
  auto late = begin_late_writer(writer, 100);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  src_exec(fmt::format("INSERT INTO {} (order_item_id, order_id, product_id, quanity) "
                       "SELECT 1000 + g, 1, 1, 1 FROM generate_series(1, 300) g",
                       src("order_items")));
  m_batch_size = 50;
  const auto r = sync(); // must end although every batch is full and the cursor is pinned
  EXPECT_TRUE(r.clamped);
  late->commit();
  sync();
  sync();
  expect_invariant();
}

} // namespace
