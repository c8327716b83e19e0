// Late-committing source transactions: rows stamped before rows already synced.
#include "acme/etl/horizon.hpp"
#include "support/etl_fixture.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <optional>
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
  src_exec(fmt::format("DROP ROLE IF EXISTS {r}; CREATE ROLE {r} LOGIN PASSWORD '{pw}'; "
                       "GRANT USAGE ON SCHEMA {s} TO {r}; "
                       "GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {r}",
                       fmt::arg("r", role), fmt::arg("s", m_source_schema),
                       fmt::arg("pw", acme::test::k_test_role_password)));
  auto cfg = config();
  cfg.source_dsn = acme::test::dsn_as(cfg.source_dsn, role);
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
  {
    // Continuous mode warns once, not at every cycle (each cycle's line says "lookback").
    auto p = acme_background({"run-continuous-etl", "--polling-interval", "0.1"},
                             {"ACME_SOURCE_DSN=" + cfg.source_dsn, "ACME_LOG_LEVEL=debug"});
    const auto count = [&](const std::string& needle) {
      const std::string err = p->err();
      int n = 0;
      for (auto pos = err.find(needle); pos != std::string::npos; pos = err.find(needle, pos + 1)) {
        ++n;
      }
      return n;
    };
    // Until a few cycles have run (a fixed window held too few on a busy machine).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (count("debug late-commit horizon: the source role cannot see") < 3 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    p->signal(SIGTERM);
    EXPECT_EQ(p->wait(10000), 0) << p->err();
    EXPECT_EQ(count("warning late-commit horizon: the source role cannot see"), 1) << p->err();
    EXPECT_GE(count("debug late-commit horizon: the source role cannot see"), 2) << p->err();
  }
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

// Autovacuum workers write no rows of the source's tables, so one that runs long (a big table,
// throttled) must not hold the cursors back: every cycle would re-read all changes since it
// began.
TEST_F(LateCommit, ALongAutovacuumDoesNotHoldTheHorizonBack) {
  const std::string bloat = m_source_schema + ".acme_test_bloat";
  src_exec(
      fmt::format("CREATE TABLE {t} (id int, pad text) WITH (autovacuum_vacuum_threshold = 0, "
                  "autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_cost_delay = 100, "
                  "autovacuum_vacuum_cost_limit = 1); "
                  "INSERT INTO {t} SELECT g, repeat('x', 100) FROM generate_series(1, 100000) g; "
                  "DELETE FROM {t} WHERE id % 2 = 0",
                  fmt::arg("t", bloat)));
  // The launcher wakes every second instead of every minute while this test runs.
  src_exec("ALTER SYSTEM SET autovacuum_naptime = 1");
  src_exec("SELECT pg_reload_conf()");
  struct ResetNaptime {
    ResetNaptime() = default;
    ResetNaptime(const ResetNaptime&) = delete;
    ResetNaptime& operator=(const ResetNaptime&) = delete;
    ~ResetNaptime() {
      try {
        pqxx::connection c(acme::test::source_dsn());
        pqxx::nontransaction tx(c);
        tx.exec("ALTER SYSTEM RESET autovacuum_naptime");
        tx.exec("SELECT pg_reload_conf()");
      } catch (...) { // NOLINT(bugprone-empty-catch): the cluster is the test run's own
      }
    }
  } const reset;
  std::optional<long> vacuum_pid;
  for (int i = 0; i < 300 && !vacuum_pid; ++i) {
    const auto r = src_exec(
        fmt::format("SELECT pid FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' "
                    "AND xact_start IS NOT NULL AND query LIKE '%{}%'",
                    "acme_test_bloat"));
    if (!r.empty()) {
      vacuum_pid = r[0][0].as<long>();
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ASSERT_TRUE(vacuum_pid) << "no autovacuum of the table started within 30 s";
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  pqxx::connection c(acme::test::source_dsn());
  const auto h = acme::etl::read_horizon(c, std::chrono::milliseconds(1000), "");
  ASSERT_TRUE(h.exact);
  EXPECT_NE(h.oldest_pid.value_or(0), *vacuum_pid)
      << "the autovacuum worker held the horizon at " << h.safe_ts;
  const auto still = src_exec(fmt::format(
      "SELECT count(*) FROM pg_stat_activity WHERE pid = {} AND query LIKE '%acme_test_bloat%'",
      *vacuum_pid));
  EXPECT_EQ(still[0][0].as<int>(), 1) << "the autovacuum ended before the horizon was read";
}

} // namespace
