// Robustness around the writer lock and the configuration: a restart right after acme was
// killed in a long statement, the bounded lock wait, status without a source DSN, bad settings.
#include "support/lost_update_fixture.hpp"

#include <csignal>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>
#include <thread>

namespace {

using namespace std::chrono_literals;
using WriterLock = acme::test::LostUpdate;

#if ACME_TEST_HOOKS
// A killed acme's backend keeps the writer lock until its statement ends; acme's sessions set
// client_connection_check_interval so it dies promptly, and a restart waits for the lock.
TEST_F(WriterLock, ARestartRightAfterAKillDuringALongMergeSyncs) {
  seed(50, 2);
  ASSERT_EQ(acme({"run-etl"}).exit_code, 0);
  touch(1, "PROCESSING");
  auto stalled = acme_background({"run-etl"}, {"ACME_FAILPOINT=stall-merge"});
  const std::string app = fmt::format("acme (pid {})", stalled->pid());
  bool sleeping = false;
  for (int i = 0; i < 300 && !sleeping; ++i) {
    sleeping =
        !tgt_exec("SELECT 1 FROM pg_stat_activity WHERE application_name = " + m_tgt->quote(app) +
                  " AND query LIKE '%pg_sleep(3600)%'")
             .empty();
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(sleeping) << stalled->err();
  stalled->signal(SIGKILL);
  stalled->wait(5000);
  const auto t0 = std::chrono::steady_clock::now();
  const auto restart = acme({"run-etl"});
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(restart.exit_code, 0) << restart.err;
  EXPECT_LT(waited, 8s) << "the orphaned backend held the lock too long";
  EXPECT_EQ(target_status(1), "PROCESSING");
  expect_invariant();
}

TEST_F(WriterLock, ASecondInstanceWaitsTheConfiguredTimeThenExits3) {
  seed(5, 1);
  ASSERT_EQ(acme({"run-etl"}).exit_code, 0);
  touch(1, "PROCESSING");
  auto holder = acme_background({"run-etl"}, {"ACME_FAILPOINT=stall-merge"});
  const std::string app = fmt::format("acme (pid {})", holder->pid());
  for (int i = 0; i < 300; ++i) {
    if (!tgt_exec("SELECT 1 FROM pg_stat_activity WHERE application_name = " + m_tgt->quote(app) +
                  " AND query LIKE '%pg_sleep(3600)%'")
             .empty()) {
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  const auto t0 = std::chrono::steady_clock::now();
  const auto second = acme({"run-etl", "--lock-wait", "1.5"});
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(second.exit_code, 3) << second.err;
  EXPECT_NE(second.err.find("waiting up to 1.5 s for the writer lock"), std::string::npos)
      << second.err;
  EXPECT_NE(second.err.find(app), std::string::npos) << second.err;
  EXPECT_GE(waited, 1400ms);
  holder->signal(SIGKILL);
  holder->wait(5000);
}
#endif

TEST_F(WriterLock, StatusWithoutASourceDsnSaysSoInsteadOfUsingLibpqDefaults) {
  seed(1, 1);
  ASSERT_EQ(acme({"run-etl"}).exit_code, 0);
  const auto r = acme({"status"}, {"ACME_SOURCE_DSN="});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("no source database configured"), std::string::npos) << r.out;
}

TEST_F(WriterLock, AMissingEnvFileOrAnOutOfRangeSettingExits2) {
  const auto missing = acme({"run-etl", "--env-file", "/nonexistent/acme.env"});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_NE(missing.err.find("/nonexistent/acme.env"), std::string::npos) << missing.err;
  const auto wrapped = acme({"run-continuous-etl"}, {"ACME_RECONCILE_EVERY=4294967297"});
  EXPECT_EQ(wrapped.exit_code, 2) << wrapped.err;
  const auto lookback = acme({"run-etl"}, {"ACME_LATE_COMMIT_LOOKBACK=1e300"});
  EXPECT_EQ(lookback.exit_code, 2) << lookback.err;
}

// Any role that can connect to the target can take acme's advisory lock: every later acme then
// exits 3 and, at b72faa0, acme status stayed green while nothing synced.
TEST_F(WriterLock, StatusFailsWhenNothingSyncedAndNamesASessionThatKeepsTheLock) {
  seed(5, 2);
  ASSERT_EQ(acme({"run-etl"}).exit_code, 0);
  EXPECT_EQ(acme({"status", "--max-sync-age", "60"}).exit_code, 0);
  // An hour without a sync.
  tgt_exec("UPDATE " + m_target_schema +
           ".acme_runs SET finished_at = finished_at - interval '1 "
           "hour', started_at = started_at - interval '1 hour'");
  const auto stale = acme({"status", "--max-sync-age", "60"});
  EXPECT_EQ(stale.exit_code, 1) << stale.out << stale.err;
  EXPECT_NE(stale.out.find("STALE:"), std::string::npos) << stale.out;
  EXPECT_EQ(acme({"status", "--max-sync-age", "7200"}).exit_code, 0);
  pqxx::connection intruder(acme::test::target_dsn() + "?application_name=intruder");
  pqxx::nontransaction(intruder).exec_params(
      "SELECT pg_advisory_lock(1633906021, hashtext($1) & 2147483647)", m_target_schema);
  const auto blocked = acme({"run-etl"}, {"ACME_LOCK_WAIT=0"});
  EXPECT_EQ(blocked.exit_code, 3) << blocked.err;
  const auto held = acme({"status", "--max-sync-age", "60"});
  EXPECT_EQ(held.exit_code, 3) << held.out << held.err;
  EXPECT_NE(held.err.find(fmt::format("held by intruder (server pid {}", intruder.backendpid())),
            std::string::npos)
      << held.err;
}

} // namespace
