// acme as users run it: crashes mid-cycle, a second instance, signals, bad credentials.
#include "support/etl_fixture.hpp"

#include <chrono>
#include <csignal>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <thread>
#include <unistd.h>

namespace {

class EtlProcess : public acme::test::EtlTest {
protected:
  // Sends SIGTERM to `p` and waits up to `timeout_ms` for it: its exit code (none if it did not
  // exit) and the milliseconds it took.
  static std::pair<std::optional<int>, long> terminate(acme::test::BackgroundProcess& p,
                                                       int timeout_ms) {
    const auto t0 = std::chrono::steady_clock::now();
    p.signal(SIGTERM);
    const auto rc = p.wait(timeout_ms);
    return {rc, std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - t0)
                    .count()};
  }
  void seed(int orders) {
    src_exec(fmt::format(R"(
      INSERT INTO {c} (customer_id, customer_name) SELECT g, 'C' || g FROM generate_series(1, 20) g;
      INSERT INTO {p} (product_id, product_name, barcode, unity_price) SELECT g, 'P' || g, 'B', g * 1.25 FROM generate_series(1, 10) g;
      INSERT INTO {o} (order_id, order_date, delivery_date, customer_id, status)
        SELECT g, '2026-11-01', '2026-11-05', 1 + g % 20, (ARRAY['PENDING','COMPLETED'])[1 + g % 2] FROM generate_series(1, {n}) g;
      INSERT INTO {i} (order_item_id, order_id, product_id, quanity)
        SELECT g, 1 + g % {n}, 1 + g % 10, 1 + g % 5 FROM generate_series(1, {n} * 26) g;)",
                         fmt::arg("c", src("customers")), fmt::arg("p", src("products")),
                         fmt::arg("o", src("orders")), fmt::arg("i", src("order_items")),
                         fmt::arg("n", orders)));
  }
  // A fingerprint of everything acme keeps in the target (data and bookkeeping).
  std::string target_fingerprint() {
    if (tgt_value("SELECT to_regclass('" + m_target_schema + ".analytical_orders') IS NULL") ==
        "t") {
      return "no schema";
    }
    return tgt_value(fmt::format(
        "SELECT (SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY order_id)), '') FROM {o} t) "
        "|| "
        "(SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY order_item_id)), '') FROM {i} t) || "
        "(SELECT count(*) FROM {r})::text || (SELECT coalesce(md5(string_agg(s::text, '|' ORDER BY "
        "table_name)), '') FROM {s} s)",
        fmt::arg("o", tgt("analytical_orders")), fmt::arg("i", tgt("analytical_order_items")),
        fmt::arg("r", tgt("acme_runs")), fmt::arg("s", tgt("acme_sync_state"))));
  }
  // Successful runs recorded in the target (0 while the schema does not exist yet).
  long runs() {
    if (tgt_value("SELECT to_regclass('" + m_target_schema + ".acme_runs') IS NULL") == "t") {
      return 0;
    }
    return std::stol(
        tgt_value("SELECT count(*) FROM " + tgt("acme_runs") + " WHERE status = 'succeeded'"));
  }
  // Sum of rows inserted, updated and deleted in the data tables, per the statistics collector.
  long data_table_writes() {
    const auto r = tgt_exec(fmt::format(
        "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables "
        "WHERE schemaname = '{}' AND relname IN ('analytical_orders', 'analytical_order_items', "
        "'customers', 'products')",
        m_target_schema));
    return r[0][0].as<long>();
  }
};

class EtlCrash : public EtlProcess, public ::testing::WithParamInterface<const char*> {};

#if ACME_TEST_HOOKS // ACME_FAILPOINT exists in test builds only
TEST_P(EtlCrash, KilledRunLeavesNoTraceAndTheRerunConverges) {
  seed(200);
  // Migrations commit on their own (idempotent DDL); the cycles are what must leave no trace.
  ASSERT_EQ(acme({"migrate"}).exit_code, 0);
  // Once for the initial load, once for an incremental cycle.
  for (int round = 0; round < 2; ++round) {
    if (round == 1) {
      src_exec(fmt::format("UPDATE {} SET status = 'PROCESSING', updated_at = CURRENT_TIMESTAMP(3) "
                           "WHERE order_id % 3 = 0",
                           src("orders")));
      src_exec(fmt::format("UPDATE {} SET unity_price = unity_price + 1, updated_at = "
                           "CURRENT_TIMESTAMP(3) WHERE product_id = 2",
                           src("products")));
    }
    const auto before = target_fingerprint();
    const auto killed = acme({"run-etl"}, {std::string("ACME_FAILPOINT=") + GetParam()});
    EXPECT_EQ(killed.exit_code, -SIGKILL) << killed.err;
    EXPECT_EQ(target_fingerprint(), before) << "the killed run left a trace";
    const auto rerun = acme({"run-etl"});
    ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
    expect_invariant(fmt::format("after the rerun (round {})", round));
    EXPECT_EQ(tgt_value("SELECT count(*) FROM " + tgt("analytical_order_items")), "5200");
  }
}

// A reconciliation commits after the changes of its snapshot, in a transaction of its own. Killed
// between the two commits, the changes stay and the hard delete it would have applied does not;
// the next reconciliation applies it.
TEST_F(EtlProcess, KilledBeforeTheReconciliationCommitsKeepsTheChangesAndTheRerunConverges) {
  seed(100);
  ASSERT_EQ(acme({"run-etl"}).exit_code, 0);
  src_exec(fmt::format("UPDATE {} SET status = 'PROCESSING', updated_at = CURRENT_TIMESTAMP(3) "
                       "WHERE order_id = 7",
                       src("orders")));
  src_exec(fmt::format("DELETE FROM {} WHERE order_item_id = 42", src("order_items")));
  const auto killed =
      acme({"run-etl", "--reconcile"}, {std::string("ACME_FAILPOINT=before-reconcile-commit")});
  EXPECT_EQ(killed.exit_code, -SIGKILL) << killed.err;
  EXPECT_EQ(tgt_value("SELECT status FROM " + tgt("analytical_orders") + " WHERE order_id = 7"),
            "PROCESSING")
      << "the changes committed before the reconciliation started";
  EXPECT_EQ(tgt_value("SELECT count(*) FROM " + tgt("analytical_order_items") +
                      " WHERE order_item_id = 42"),
            "1")
      << "the killed reconciliation applied nothing";
  const auto rerun = acme({"run-etl", "--reconcile"});
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  expect_invariant("after the rerun");
  EXPECT_EQ(tgt_value("SELECT string_agg(mode, ',' ORDER BY run_id) FROM " + tgt("acme_runs") +
                      " WHERE status = 'succeeded'"),
            "full,incremental,incremental,reconcile")
      << "each reconciliation is a run of its own, after its snapshot's changes";
}

INSTANTIATE_TEST_SUITE_P(Failpoints, EtlCrash,
                         ::testing::Values("after-extract", "after-merge", "before-commit"),
                         [](const ::testing::TestParamInfo<const char*>& p) {
                           std::string n = p.param;
                           for (auto& ch : n) {
                             ch = ch == '-' ? '_' : ch;
                           }
                           return n;
                         });
#endif

TEST_F(EtlProcess, SecondInstanceExits3NamingTheHolderAndAKilledRunLeavesNoStaleLock) {
  seed(50);
  ASSERT_EQ(acme({"run-etl"}).exit_code, 0);
  auto first = acme_background({"run-continuous-etl", "--polling-interval", "0.2"});
  // Wait until it holds the lock (its first cycle recorded a run).
  for (int i = 0; i < 100 && runs() == 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto second = acme({"run-etl"}, {"ACME_LOCK_WAIT=1"});
  EXPECT_EQ(second.exit_code, 3) << second.err;
  EXPECT_NE(second.err.find("another acme holds the writer lock"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find(fmt::format("pid {}", first->pid())), std::string::npos) << second.err;
  first->signal(SIGKILL);
  first->wait(5000);
  const auto after = acme({"run-etl"});
  EXPECT_EQ(after.exit_code, 0) << after.err;
}

TEST_F(EtlProcess, SigtermWhileSleepingExitsZeroWithinASecond) {
  seed(20);
  auto p = acme_background({"run-continuous-etl", "--polling-interval", "30"});
  for (int i = 0; i < 200 && runs() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto [rc, ms] = terminate(*p, 5000);
  ASSERT_TRUE(rc.has_value()) << "did not exit";
  EXPECT_EQ(*rc, 0) << p->err();
  EXPECT_LT(ms, 1000);
  expect_invariant();
}

// SIGTERM ends a cycle promptly even while one of acme's statements cannot finish: here it
// waits for a lock another session holds (as a long scan, merge or index build would keep it
// busy). The statements in flight are cancelled and the cycle rolls back; without that, acme
// would wait as long as the other session keeps the lock. `products` is read by the full load's
// item COPY jobs (their connections), `order_items` first by the cycle's own source session.
class SigtermWhileBlocked : public EtlProcess, public ::testing::WithParamInterface<const char*> {};

TEST_P(SigtermWhileBlocked, CancelsTheStatementInFlightAndExitsPromptly) {
  const std::string table = GetParam();
  seed(200);
  pqxx::connection locker_conn(acme::test::source_dsn());
  pqxx::work locker(locker_conn);
  locker.exec("LOCK TABLE " + src(table) + " IN ACCESS EXCLUSIVE MODE");
  auto p = acme_background({"run-continuous-etl", "--polling-interval", "0.2", "--jobs", "2"});
  // Watched from a session of its own: a transaction sees pg_stat_activity as it first read it.
  pqxx::connection watch_conn(acme::test::source_dsn());
  const auto waiter = [&] {
    pqxx::nontransaction watch(watch_conn);
    const auto r = watch.exec_params(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE NOT l.granted AND l.relation = $1::regclass AND a.application_name LIKE $2",
        src(table), fmt::format("acme (pid {})%", p->pid()));
    return r.empty() ? std::string() : r[0][0].as<std::string>();
  };
  std::string blocked;
  for (int i = 0; i < 1000 && blocked.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    blocked = waiter();
  }
  ASSERT_FALSE(blocked.empty()) << "acme never waited for the lock: the test proved nothing\n"
                                << p->err();
  if (table == "products") {
    EXPECT_NE(blocked.find("load job"), std::string::npos) << blocked;
  }
  const auto [rc, ms] = terminate(*p, 10000);
  locker.abort();
  ASSERT_TRUE(rc.has_value()) << "session '" << blocked
                              << "' waited for the lock instead of stopping";
  EXPECT_EQ(*rc, 0) << p->err();
  EXPECT_LT(ms, 3000) << p->err();
  EXPECT_EQ(runs(), 0) << "a stopped cycle commits nothing";
  EXPECT_EQ(p->err().find("failed"), std::string::npos) << "a stop is not a failure\n" << p->err();
  ASSERT_EQ(acme({"run-etl"}).exit_code, 0);
  expect_invariant();
}

INSTANTIATE_TEST_SUITE_P(Locks, SigtermWhileBlocked, ::testing::Values("order_items", "products"));

TEST_F(EtlProcess, SigtermDuringACycleCommitsOrRollsItBackAndExitsZero) {
  seed(2000);
  auto p = acme_background({"run-continuous-etl", "--polling-interval", "0.2"});
  // Signal while the first (full) load is running: right after the loop announced itself.
  for (int i = 0; i < 400 && p->err().find("continuous sync: every") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  p->signal(SIGTERM);
  const auto rc = p->wait(20000);
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << p->err();
  // Either nothing was committed or the complete cycle was.
  if (runs() != 0) {
    expect_invariant();
  } else {
    if (tgt_value("SELECT to_regclass('" + m_target_schema + ".analytical_orders') IS NULL") ==
        "f") {
      EXPECT_EQ(tgt_value("SELECT count(*) FROM " + tgt("analytical_orders")), "0");
    }
  }
  ASSERT_EQ(acme({"run-etl"}).exit_code, 0);
  expect_invariant();
}

TEST_F(EtlProcess, IdleCycleWritesNoRowInTheDataTables) {
  seed(100);
  ASSERT_EQ(acme({"run-etl"}).exit_code, 0);
  // Statistics arrive asynchronously: wait until the initial load is counted.
  long before = 0;
  for (int i = 0; i < 100 && (before = data_table_writes()) < 2600; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_GE(before, 2600);
  ASSERT_EQ(acme({"run-etl"}).exit_code, 0);
  ASSERT_EQ(acme({"run-etl"}).exit_code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(data_table_writes(), before);
  // Positive control: one status change is counted (order + its 26 items).
  src_exec(fmt::format(
      "UPDATE {} SET status = 'CANCELLED', updated_at = CURRENT_TIMESTAMP(3) WHERE order_id = 1",
      src("orders")));
  ASSERT_EQ(acme({"run-etl"}).exit_code, 0);
  long after = before;
  for (int i = 0; i < 100 && (after = data_table_writes()) == before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(after - before, 27);
}

TEST_F(EtlProcess, UnreachableHostErrorIsUsefulAndNeverShowsThePassword) {
  const auto r =
      acme({"run-etl"},
           {"ACME_SOURCE_DSN=postgresql://etl:Sup3rS3cretPw@127.0.0.1:1/acme",
            "ACME_TARGET_DSN=host=127.0.0.1 port=1 user=etl password=An0therS3cret dbname=x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot connect to the target database"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Sup3rS3cretPw"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("An0therS3cret"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("An0therS3cret"), std::string::npos) << r.out;
}

TEST_F(EtlProcess, WrongPasswordIsFatalInContinuousMode) {
  // acme_pw uses password authentication on the test clusters (scripts/pg-local).
  src_exec("DO $$ BEGIN CREATE ROLE acme_pw LOGIN PASSWORD 'right-password'; EXCEPTION WHEN "
           "duplicate_object THEN NULL; END $$");
  tgt_exec("DO $$ BEGIN CREATE ROLE acme_pw LOGIN PASSWORD 'right-password'; EXCEPTION WHEN "
           "duplicate_object THEN NULL; END $$");
  std::string dsn = acme::test::target_dsn();
  dsn.replace(dsn.find("postgres@"), 9, "acme_pw:wrong-password@");
  auto p = acme_background({"run-continuous-etl", "--polling-interval", "0.2"},
                           {"ACME_TARGET_DSN=" + dsn});
  const auto rc = p->wait(10000);
  ASSERT_TRUE(rc.has_value()) << "kept retrying a fatal error";
  EXPECT_EQ(*rc, 1);
  EXPECT_NE(p->err().find("password authentication failed"), std::string::npos) << p->err();
  EXPECT_EQ(p->err().find("wrong-password"), std::string::npos) << p->err();
}

TEST_F(EtlProcess, MissingSourceTableIsFatalWithAClearMessage) {
  src_exec("DROP TABLE " + src("order_items"));
  auto p = acme_background({"run-continuous-etl", "--polling-interval", "0.2"});
  const auto rc = p->wait(10000);
  ASSERT_TRUE(rc.has_value()) << "kept retrying a fatal error";
  EXPECT_EQ(*rc, 1);
  EXPECT_NE(p->err().find("order_items does not exist"), std::string::npos) << p->err();
  // The source is checked before the target's migrations: no schema left behind.
  EXPECT_EQ(
      tgt_value("SELECT count(*) FROM pg_namespace WHERE nspname = '" + m_target_schema + "'"),
      "0");
}

// A schema name is an identifier, never SQL text: one with quotes and spaces works for the sync,
// status (which spliced it into a string literal until 9666fc1), reports and verify.
TEST_F(EtlProcess, ASchemaNameWithQuotesWorksForSyncStatusReportsAndVerify) {
  seed(5);
  const std::string hostile = fmt::format("acme o'b \"{}\"", ::getpid());
  const auto drop = [&] {
    tgt_exec("DROP SCHEMA IF EXISTS " + m_tgt->quote_name(hostile) + " CASCADE");
  };
  drop();
  const std::vector<std::string> env{"ACME_TARGET_SCHEMA=" + hostile};
  const auto run = acme({"run-etl"}, env);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const auto status = acme({"status"}, env);
  EXPECT_EQ(status.exit_code, 0) << status.out << status.err;
  const auto json = acme({"status", "--json"}, env);
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.out)["last_run"]["status"], "succeeded") << json.out;
  const auto report = acme({"export-reports", "--open-orders", "--stdout"}, env);
  EXPECT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(report.out.find('\n'), std::string::npos) << report.out;
  const auto verify = acme({"verify"}, env);
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  drop();
}

TEST_F(EtlProcess, StatusReportsCursorsLastRunAndHorizon) {
  seed(10);
  EXPECT_EQ(acme({"status"}).exit_code, 1) << "never synced is not healthy";
  ASSERT_EQ(acme({"run-etl"}).exit_code, 0);
  const auto r = acme({"status", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["last_run"]["status"], "succeeded");
  EXPECT_EQ(j["late_commit_horizon"], "exact");
  EXPECT_FALSE(j["tables"]["order_items"]["cursor_updated_at"].is_null());
  EXPECT_TRUE(j["lag_seconds"].is_number());
}

TEST_F(EtlProcess, StatusIsUnhealthyWhileContinuousModeRetriesAnUnreachableSource) {
  seed(3);
  ASSERT_EQ(acme({"run-etl"}).exit_code, 0);
  ASSERT_EQ(acme({"status"}).exit_code, 0);
  // The target is fine; the source refuses connections: acme retries with backoff, and status
  // (the container's health check) must not keep reporting the last success as healthy.
  auto p = acme_background({"run-continuous-etl", "--polling-interval", "0.2"},
                           {"ACME_SOURCE_DSN=postgresql://postgres@127.0.0.1:1/nowhere"});
  nlohmann::json j;
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto r = acme({"status", "--json"});
    j = nlohmann::json::parse(r.out);
    if (j["last_run"]["status"] == "failed") {
      EXPECT_EQ(r.exit_code, 1) << r.out;
      break;
    }
  }
  EXPECT_EQ(j["last_run"]["status"], "failed") << j.dump();
  EXPECT_EQ(j["last_run"]["mode"], "connect") << j.dump();
  EXPECT_NE(j["last_run"]["error"].get<std::string>().find("cannot connect to the source"),
            std::string::npos)
      << j.dump();
  p->signal(SIGTERM);
  EXPECT_EQ(p->wait(10000), 0) << p->err();
}

} // namespace

namespace {

TEST_F(EtlProcess, WarnsWhenTheSourceClockIsBehindTheCursor) {
  seed(5);
  ASSERT_EQ(acme({"run-etl"}).exit_code, 0);
  // As if the writers' clock had gone back by five hours (daylight saving time ending).
  const auto r = acme({"run-etl"}, {"ACME_SOURCE_TIMEZONE=Etc/GMT+5"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("behind the stored cursor"), std::string::npos) << r.err;
  const auto normal = acme({"run-etl"});
  EXPECT_EQ(normal.err.find("behind the stored cursor"), std::string::npos) << normal.err;
}

} // namespace
