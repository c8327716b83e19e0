// Writers polling must never lose: a transaction that commits between the late-commit horizon
// read and the snapshot, prepared (two-phase) transactions, pg_cron background workers and many
// concurrent writers. These tests hold the source database's horizon back (or lock pg_authid),
// which would disturb other tests' cycles in the same database: they run serially.
#include "support/lost_update_fixture.hpp"

#include <atomic>
#include <csignal>
#include <fmt/format.h>
#include <fstream>
#include <gtest/gtest.h>
#include <pqxx/pqxx>
#include <thread>
#include <unistd.h>

namespace {

using namespace std::chrono_literals;
using acme::test::LostUpdate;

// The horizon is read before the snapshot. Old order (snapshot, then pg_stat_activity in the
// same statement): a writer that was open at the snapshot and committed before the activity
// read was neither seen nor counted, and the cursor passed its rows for good. The pause is made
// deterministic by a lock on pg_authid (read through pg_roles by the horizon query): acme's
// horizon statement blocks in it while the writer commits. With the snapshot taken first (the
// old code), this test loses the writer's update.
TEST_F(LostUpdate, AWriterCommittingWhileTheHorizonIsReadIsNotLost) {
  seed(3, 2);
  acme::etl::Syncer syncer(config(), {});
  syncer.sync({});
  pqxx::connection writer_conn(acme::test::source_dsn());
  pqxx::work writer(writer_conn);
  writer.exec(fmt::format("UPDATE {} SET status = 'LATE', updated_at = CURRENT_TIMESTAMP(3) "
                          "WHERE order_id = 1",
                          src("orders")));
  std::this_thread::sleep_for(20ms);
  touch(2, "NEWER"); // committed, stamped after the writer's start: the cursor can move to it

  pqxx::connection locker_conn(acme::test::source_dsn());
  pqxx::work locker(locker_conn);
  locker.exec("LOCK TABLE pg_catalog.pg_authid IN ACCESS EXCLUSIVE MODE");
  std::thread cycle([&] { syncer.sync({}); });
  // Wait until acme's source session waits for the lock (pg_locks does not read pg_authid).
  const std::string app = fmt::format("acme (pid {})", ::getpid());
  bool blocked = false;
  for (int i = 0; i < 500 && !blocked; ++i) {
    blocked =
        locker
            .exec_params("SELECT count(*) FROM pg_locks l, pg_stat_get_activity(l.pid) a "
                         "WHERE NOT l.granted AND l.relation = 1260 AND a.application_name = $1",
                         app)[0][0]
            .as<int>() > 0;
    std::this_thread::sleep_for(10ms);
  }
  writer.commit(); // between the horizon read and the snapshot
  locker.commit();
  cycle.join();
  ASSERT_TRUE(blocked) << "acme's horizon read never waited for the lock: the test proved nothing";
  syncer.sync({});
  EXPECT_EQ(target_status(1), "LATE") << "the writer's update was lost";
  EXPECT_EQ(target_status(2), "NEWER");
  expect_invariant();
}

// Rolls back a prepared transaction left behind by a failing test (it would hold locks and pin
// every cursor of the source database).
struct PreparedGuard {
  std::string gid;
  ~PreparedGuard() {
    try {
      pqxx::connection c(acme::test::source_dsn());
      pqxx::nontransaction tx(c);
      if (!tx.exec_params("SELECT 1 FROM pg_prepared_xacts WHERE gid = $1", gid).empty()) {
        tx.exec("ROLLBACK PREPARED " + tx.quote(gid));
      }
    } catch (const std::exception&) {
    }
  }
};

TEST_F(LostUpdate, APreparedTransactionCommittingAfterSeveralCyclesIsNotLost) {
  seed(3, 2);
  sync();
  PreparedGuard guard{acme::test::unique_name("gid")};
  {
    pqxx::connection conn(acme::test::source_dsn());
    pqxx::nontransaction tx(conn);
    tx.exec("BEGIN");
    tx.exec(fmt::format("UPDATE {} SET status = 'TWO-PHASE', updated_at = CURRENT_TIMESTAMP(3) "
                        "WHERE order_id = 1",
                        src("orders")));
    tx.exec(fmt::format("INSERT INTO {} (order_item_id, order_id, product_id, quanity) "
                        "VALUES (1000, 1, 2, 5)",
                        src("order_items")));
    tx.exec("PREPARE TRANSACTION " + tx.quote(guard.gid));
  } // the session ends: the transaction now lives only in pg_prepared_xacts
  for (int cycle = 0; cycle < 3; ++cycle) {
    std::this_thread::sleep_for(20ms);
    touch(2, fmt::format("NEWER-{}", cycle));
    const auto r = sync();
    EXPECT_TRUE(r.clamped) << "cycle " << cycle << ": the prepared transaction must pin";
  }
  const auto status = acme({"status", "--json"});
  EXPECT_NE(status.out.find(guard.gid), std::string::npos) << status.out;
  src_exec("COMMIT PREPARED " + m_src->quote(guard.gid));
  sync();
  EXPECT_EQ(target_status(1), "TWO-PHASE") << "the prepared transaction's update was lost";
  EXPECT_EQ(tgt_value("SELECT count(*) FROM " + tgt("analytical_order_items") +
                      " WHERE order_item_id = 1000"),
            "1");
  expect_invariant();
  // Gone from the source: the pins are dropped and the cursors move again.
  sync();
  EXPECT_EQ(tgt_value("SELECT count(*) FROM " + tgt("acme_prepared_pins")), "0");
  EXPECT_FALSE(sync().clamped);
}

TEST_F(LostUpdate, APreparedTransactionRolledBackReleasesThePins) {
  seed(2, 1);
  sync();
  PreparedGuard guard{acme::test::unique_name("gid")};
  src_exec(fmt::format("BEGIN; UPDATE {} SET status = 'NEVER', updated_at = CURRENT_TIMESTAMP(3) "
                       "WHERE order_id = 1; PREPARE TRANSACTION {}",
                       src("orders"), m_src->quote(guard.gid)));
  touch(2, "NEWER");
  EXPECT_TRUE(sync().clamped);
  src_exec("ROLLBACK PREPARED " + m_src->quote(guard.gid));
  sync();
  EXPECT_FALSE(sync().clamped);
  EXPECT_EQ(target_status(1), "PENDING");
  expect_invariant();
}

// A transaction name is the source's text: one carrying an escape sequence and a newline is
// shown escaped in the warning and in `acme status`, never as a terminal command or a forged
// log line.
TEST_F(LostUpdate, APreparedTransactionNameCannotForgeLogLinesOrDriveTheTerminal) {
  seed(2, 1);
  sync();
  PreparedGuard guard{acme::test::unique_name("gid") + "\x1b[2J\xc2\x9b"
                                                       "1m\nFORGED error"};
  src_exec(fmt::format("BEGIN; UPDATE {} SET status = 'NEVER', updated_at = CURRENT_TIMESTAMP(3) "
                       "WHERE order_id = 1; PREPARE TRANSACTION {}",
                       src("orders"), m_src->quote(guard.gid)));
  const auto clean = [](const std::string& text) {
    return text.find('\x1b') == std::string::npos && text.find("\xc2\x9b") == std::string::npos &&
           text.find("\nFORGED") == std::string::npos;
  };
  const auto run = acme({"run-etl"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("\\x1b[2J\\u009b1m\\x0aFORGED error"), std::string::npos) << run.err;
  EXPECT_TRUE(clean(run.err)) << run.err;
  const auto status = acme({"status"});
  EXPECT_NE(status.out.find("\\x1b[2J"), std::string::npos) << status.out;
  EXPECT_TRUE(clean(status.out)) << status.out;
  src_exec("ROLLBACK PREPARED " + m_src->quote(guard.gid));
}

// pg_cron with cron.use_background_workers runs jobs as background workers (backend_type
// pg_cron), not client backends. pg_cron 1.4 (Debian 12) schedules by the minute: this test
// waits for the next minute boundary.
TEST_F(LostUpdate, APgCronBackgroundWorkerTransactionIsNotLost) {
  seed(3, 2);
  sync();
  src_exec("CREATE EXTENSION IF NOT EXISTS pg_cron");
  const std::string job = acme::test::unique_name("job");
  struct Unschedule {
    std::string job;
    ~Unschedule() {
      try {
        pqxx::connection c(acme::test::source_dsn());
        pqxx::nontransaction tx(c);
        tx.exec_params("SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = $1", job);
      } catch (const std::exception&) {
      }
    }
  } unschedule{job};
  const std::string command =
      fmt::format("UPDATE {} SET status = 'CRON', updated_at = CURRENT_TIMESTAMP(3) WHERE "
                  "order_id = 1; SELECT pg_sleep(6)",
                  src("orders"));
  src_exec(fmt::format("SELECT cron.schedule({}, '* * * * *', {})", m_src->quote(job),
                       m_src->quote(command)));
  // Wait for the job's worker to be inside its transaction (up to the next minute, plus slack).
  std::optional<std::string> backend_type;
  for (int i = 0; i < 750 && !backend_type; ++i) {
    const auto r = src_exec(
        fmt::format("SELECT backend_type FROM pg_stat_activity WHERE xact_start IS NOT NULL "
                    "AND query LIKE '%{}%' AND pid <> pg_backend_pid()",
                    m_source_schema));
    if (!r.empty()) {
      backend_type = r[0][0].as<std::string>();
    } else {
      std::this_thread::sleep_for(100ms);
    }
  }
  ASSERT_TRUE(backend_type) << "the pg_cron job never started";
  EXPECT_NE(*backend_type, "client backend");
  src_exec(fmt::format("SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = {}",
                       m_src->quote(job)));
  std::this_thread::sleep_for(100ms);
  ASSERT_NE(src_value(fmt::format("SELECT status FROM {} WHERE order_id = 1", src("orders"))),
            "CRON")
      << "the job committed at once: not a late commit";
  touch(2, "NEWER");
  const auto r = sync();
  EXPECT_TRUE(r.clamped) << "the pg_cron worker's open transaction must hold the horizon";
  EXPECT_EQ(target_status(2), "NEWER");
  // Wait for the job to commit.
  for (int i = 0; i < 150 && src_value(fmt::format("SELECT status FROM {} WHERE order_id = 1",
                                                   src("orders"))) != "CRON";
       ++i) {
    std::this_thread::sleep_for(100ms);
  }
  sync();
  EXPECT_EQ(target_status(1), "CRON") << "the pg_cron job's update was lost";
  expect_invariant();
}

// The reproduction, bounded: 8 pgbench clients update random orders in short
// transactions while acme polls every 50 ms; after a final cycle the target equals the source.
TEST_F(LostUpdate, ManyConcurrentWritersLoseNothing) {
  seed(1000, 3);
  ASSERT_EQ(acme({"run-etl"}).exit_code, 0);
  const std::string script = ::testing::TempDir() + acme::test::unique_name("pgbench") + ".sql";
  std::ofstream(script) << fmt::format(
      "\\set oid random(1, 1000)\n"
      "BEGIN;\n"
      "UPDATE {} SET status = 'W' || :client_id || '-' || (random()*1e9)::bigint, "
      "updated_at = CURRENT_TIMESTAMP(3) WHERE order_id = :oid;\n"
      "SELECT pg_sleep(0.002);\n"
      "COMMIT;\n",
      src("orders"));
  auto etl = acme_background({"run-continuous-etl", "--polling-interval", "0.05"});
  const auto bench =
      acme::test::run_process({"/usr/lib/postgresql/15/bin/pgbench", "-n", "-c", "8", "-j", "2",
                               "-T", "6", "-f", script, acme::test::source_dsn()});
  std::remove(script.c_str());
  ASSERT_EQ(bench.exit_code, 0) << bench.err;
  etl->signal(SIGTERM);
  const auto rc = etl->wait(10000);
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << etl->err();
  EXPECT_GT(std::stoi(tgt_value("SELECT count(*) FROM " + tgt("acme_runs"))), 5)
      << "acme barely ran while the writers did";
  const auto last = acme({"run-etl"});
  ASSERT_EQ(last.exit_code, 0) << last.err;
  expect_invariant("after concurrent writers");
}

} // namespace
