// CDC under faults: every state acme persists for a stream (the slot, the stored position, the
// snapshot hand-off) interrupted or contradicted between its steps, against real clusters. Each
// test ends with the SQL oracle equal and one slot, acme's. docs/operations.md "Faults" lists
// what acme does for each.
#include "acme/db/connection.hpp"
#include "support/etl_fixture.hpp"
#include "support/tcp_proxy.hpp"

#include <chrono>
#include <csignal>
#include <fmt/format.h>
#include <functional>
#include <gtest/gtest.h>
#include <pqxx/pqxx>
#include <regex>
#include <thread>

namespace {

using namespace std::chrono_literals;

// Resumes a SIGSTOPped server process however the test ends: a stopped walsender would keep
// the slot (and the cluster's shutdown) waiting for ever.
class Stopped {
public:
  explicit Stopped(int pid) : m_pid(pid) { ::kill(m_pid, SIGSTOP); }
  ~Stopped() { resume(); }
  Stopped(const Stopped&) = delete;
  Stopped& operator=(const Stopped&) = delete;
  void resume() {
    if (m_pid > 0) {
      ::kill(m_pid, SIGCONT);
      m_pid = -1;
    }
  }

private:
  int m_pid;
};

// A failpoint as a test name: cdc-slot-created -> cdc_slot_created.
std::string failpoint_name(const ::testing::TestParamInfo<const char*>& p) {
  std::string n = p.param;
  for (auto& ch : n) {
    ch = ch == '-' ? '_' : ch;
  }
  return n;
}

class CdcFault : public acme::test::EtlTest {
protected:
  void SetUp() override {
    EtlTest::SetUp();
    m_cdc = true;
  }

  static bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      try {
        if (done()) {
          return true;
        }
      } catch (const std::exception&) {
        // a server may be restarting, or a table not created yet
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  void src_sql(const std::string& sql) {
    src_exec(fmt::format(fmt::runtime(sql), fmt::arg("o", src("orders")),
                         fmt::arg("i", src("order_items")), fmt::arg("p", src("products")),
                         fmt::arg("c", src("customers"))));
  }

  std::string order_status(int id) {
    return tgt_value(
        fmt::format("SELECT status FROM {} WHERE order_id = {}", tgt("analytical_orders"), id));
  }

  // Replication slots named like this test's (acme's own, and nothing else left behind).
  std::string slots() {
    return src_value(
        fmt::format("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{}'", m_slot));
  }

  // The slot is held by a walsender that runs START_REPLICATION. "active" alone is also true
  // while a first start's slot-creating walsender exports the snapshot, and a test that stops or
  // kills "the" walsender then hits that one instead of the stream's.
  bool streaming() {
    return src_value(
               fmt::format("SELECT count(*) FROM pg_replication_slots s JOIN pg_stat_replication r "
                           "ON r.pid = s.active_pid WHERE s.slot_name = '{}' "
                           "AND r.state IN ('catchup', 'streaming')",
                           m_slot)) == "1";
  }

  // Sessions acme process `pid` holds on the target.
  std::string target_sessions_of(int pid) {
    return fmt::format("SELECT pid FROM pg_stat_activity WHERE application_name = 'acme (pid {})'",
                       pid);
  }

  std::unique_ptr<acme::test::BackgroundProcess>
  continuous(const std::vector<std::string>& extra = {}) {
    auto env = cdc_env();
    env.insert(env.end(), extra.begin(), extra.end());
    return acme_background({"run-continuous-etl"}, env);
  }

  void stop(acme::test::BackgroundProcess& p) {
    p.signal(SIGTERM);
    const auto rc = p.wait(15000);
    ASSERT_TRUE(rc.has_value()) << p.err();
    EXPECT_EQ(*rc, 0) << p.err();
  }

  void expect_converged(const std::string& when) {
    expect_invariant(when);
    EXPECT_EQ(slots(), "1") << when;
  }
};

// --- 1. A lost slot's re-snapshot that does not commit ---------------------------------------

class CdcResnapshotKilled : public CdcFault, public ::testing::WithParamInterface<const char*> {};

// At b72faa0 the rerun streamed the new slot from the old stored position: the server forwarded
// to the new slot's start and the three changes made while the slot was gone were never applied.
TEST_P(CdcResnapshotKilled, TheNextStartResnapshotsAndLosesNothing) {
  seed();
  sync();
  src_exec(fmt::format("SELECT pg_drop_replication_slot('{}')", m_slot));
  src_sql("UPDATE {o} SET status = 'WHILE-LOST' WHERE order_id IN (1, 2); DELETE FROM {i} WHERE "
          "order_item_id = 5; UPDATE {p} SET unity_price = 8 WHERE product_id = 2");
  auto env = cdc_env();
  env.push_back(std::string("ACME_FAILPOINT=") + GetParam());
  const auto killed = acme({"run-etl"}, env);
  ASSERT_EQ(killed.exit_code, -SIGKILL) << killed.err;
  const auto rerun = acme({"run-etl"}, cdc_env());
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_NE(rerun.err.find("fresh snapshot"), std::string::npos) << rerun.err;
  expect_converged(std::string("after the rerun (killed at ") + GetParam() + ")");
  EXPECT_EQ(order_status(1), "WHILE-LOST");
}

// Where a re-snapshot can die: before the slot is dropped, after the new slot exists, and during
// the load before and after its merge.
INSTANTIATE_TEST_SUITE_P(Failpoints, CdcResnapshotKilled,
                         ::testing::Values("cdc-snapshot-marked", "cdc-slot-created",
                                           "after-extract", "before-commit"),
                         failpoint_name);

// The same in continuous mode, with no operator: the re-snapshot's target session is ended while
// it waits for a lock, acme retries by itself, and the retry must re-snapshot again.
TEST_F(CdcFault, AResnapshotRetriedInContinuousModeStillResyncs) {
  seed();
  sync();
  src_exec(fmt::format("SELECT pg_drop_replication_slot('{}')", m_slot));
  src_sql("UPDATE {o} SET status = 'WHILE-LOST' WHERE order_id = 3");
  pqxx::connection blocker_conn(acme::test::target_dsn());
  auto blocker = std::make_unique<pqxx::work>(blocker_conn);
  blocker->exec("LOCK TABLE " + tgt("analytical_orders") + " IN SHARE MODE");
  auto p = continuous();
  const std::string waiting =
      "SELECT pid FROM pg_stat_activity WHERE application_name = 'acme (pid " +
      std::to_string(p->pid()) + ")' AND wait_event_type = 'Lock'";
  ASSERT_TRUE(eventually([&] { return !tgt_exec(waiting).empty(); }, 30s)) << p->err();
  tgt_exec("SELECT pg_terminate_backend(pid) FROM (" + waiting + ") w");
  ASSERT_TRUE(
      eventually([&] { return p->err().find("failed (attempt 1)") != std::string::npos; }, 10s))
      << p->err();
  blocker->abort();
  blocker.reset();
  EXPECT_TRUE(eventually([&] { return order_status(3) == "WHILE-LOST"; }, 30s)) << p->err();
  src_sql("UPDATE {o} SET status = 'AFTER' WHERE order_id = 4");
  EXPECT_TRUE(eventually([&] { return order_status(4) == "AFTER"; }, 30s)) << p->err();
  stop(*p);
  expect_converged("after the retried re-snapshot");
}

// --- 2. A slot ahead of the target -----------------------------------------------------------

// At b72faa0 the changes between the stored position and the slot's were skipped without a word.
TEST_F(CdcFault, ASlotAheadOfTheTargetIsResyncedNeverSkipped) {
  seed();
  sync();
  src_sql("UPDATE {o} SET status = 'SKIPPED?' WHERE order_id = 5; DELETE FROM {o} WHERE "
          "order_id = 6");
  // Someone advances the slot (the same as restoring the target from an older dump).
  ASSERT_TRUE(eventually([&] { return !streaming(); }, 10s));
  const auto target = src_value("SELECT pg_current_wal_insert_lsn()::text");
  // The server advances no further than WAL it has flushed (the test clusters commit
  // asynchronously): until the position is past the changes.
  ASSERT_TRUE(eventually(
      [&] {
        src_exec(fmt::format("SELECT pg_replication_slot_advance('{}', '{}')", m_slot, target));
        return slot_value(fmt::format("(confirmed_flush_lsn >= '{}'::pg_lsn)", target)) == "true";
      },
      10s));
  const auto r = acme({"run-etl"}, cdc_env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("is ahead of this target"), std::string::npos) << r.err;
  expect_converged("after the resync");
  EXPECT_EQ(order_status(5), "SKIPPED?");
}

TEST_F(CdcFault, ATargetRestoredFromAnOlderDumpIsResynced) {
  seed();
  sync();
  // The "dump": the target's stored position before the next change.
  const auto old_position =
      tgt_value("SELECT applied_lsn::text FROM " + tgt("acme_cdc_state") + " LIMIT 1");
  src_sql("UPDATE {o} SET status = 'AFTER-DUMP' WHERE order_id = 7");
  sync();
  // The restore: the target's rows and position as they were.
  tgt_exec(fmt::format("UPDATE {} SET status = 'PENDING' WHERE order_id = 7; UPDATE {} SET "
                       "applied_lsn = '{}'",
                       tgt("analytical_orders"), tgt("acme_cdc_state"), old_position));
  const auto r = acme({"run-etl"}, cdc_env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("is ahead of this target"), std::string::npos) << r.err;
  expect_converged("after the restore");
}

// The other side of point 2: positions confirmed while nothing of ours was pending (other
// tables' WAL) are stored first, so an idle slot is never mistaken for one that is ahead.
TEST_F(CdcFault, IdleConfirmationsAreStoredSoTheyNeverLookLikeAGap) {
  seed();
  sync();
  src_exec(fmt::format("CREATE TABLE {} (x int)", src("unpublished")));
  for (int i = 0; i < 3; ++i) {
    src_exec(fmt::format("INSERT INTO {} SELECT generate_series(1, 1000)", src("unpublished")));
    const auto r = sync();
    EXPECT_EQ(r.mode, "cdc") << "run " << i << " must stream, not resync";
  }
  const auto stored =
      tgt_value("SELECT applied_lsn::text FROM " + tgt("acme_cdc_state") + " LIMIT 1");
  EXPECT_EQ(slot_value(fmt::format("(confirmed_flush_lsn <= '{}'::pg_lsn)", stored)), "true")
      << "confirmed " << slot_value("confirmed_flush_lsn") << ", stored " << stored;
  expect_converged("after idle runs");
}

// --- 3. A first hand-off killed --------------------------------------------------------------

class CdcFirstHandoffKilled : public CdcFault, public ::testing::WithParamInterface<const char*> {};

// At b72faa0 every later start exited 1 ("no record of creating it") until drop-slot --force.
TEST_P(CdcFirstHandoffKilled, TheNextStartReplacesItsHalfMadeSlot) {
  seed();
  cdc_config(); // the test's publication and slot name
  auto env = cdc_env();
  env.push_back(std::string("ACME_FAILPOINT=") + GetParam());
  const auto killed = acme({"run-etl"}, env);
  ASSERT_EQ(killed.exit_code, -SIGKILL) << killed.err;
  if (std::string(GetParam()) != "cdc-snapshot-marked") {
    EXPECT_EQ(slots(), "1") << "the killed start left its slot";
  }
  src_sql("UPDATE {o} SET status = 'AFTER-KILL' WHERE order_id = 8");
  const auto rerun = acme({"run-etl"}, cdc_env());
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  expect_converged(std::string("after the rerun (killed at ") + GetParam() + ")");
  EXPECT_EQ(order_status(8), "AFTER-KILL");
}

INSTANTIATE_TEST_SUITE_P(Failpoints, CdcFirstHandoffKilled,
                         ::testing::Values("cdc-snapshot-marked", "cdc-slot-created", "load-copy"),
                         failpoint_name);

// --- 4. The slot still held by acme's previous walsender -------------------------------------

// At b72faa0 the restart exited 3 at once (systemd does not restart exit 3).
TEST_F(CdcFault, ASlotStillHeldByAcmesPreviousWalsenderIsWaitedFor) {
  seed();
  sync();
  auto first = continuous();
  ASSERT_TRUE(eventually([&] { return streaming(); }, 30s)) << first->err();
  const int walsender = std::stoi(slot_value("active_pid"));
  Stopped busy(walsender); // it will not notice its client is gone until it runs again
  first->signal(SIGKILL);
  first->wait(5000);
  src_sql("UPDATE {o} SET status = 'AFTER-RESTART' WHERE order_id = 9");
  auto env = cdc_env();
  env.push_back("ACME_CDC_SLOT_WAIT=60");
  auto second = acme_background({"run-etl"}, env);
  const std::string named =
      fmt::format("in use by pid {}, application 'acme cdc (pid {})'", walsender, first->pid());
  EXPECT_TRUE(eventually([&] { return second->err().find(named) != std::string::npos; }, 20s))
      << second->err();
  busy.resume(); // the old walsender finds its client gone and exits
  const auto rc = second->wait(60000);
  ASSERT_TRUE(rc.has_value()) << second->err();
  EXPECT_EQ(*rc, 0) << second->err();
  EXPECT_NE(second->err().find("was released after"), std::string::npos) << second->err();
  expect_converged("after waiting for the slot");
  EXPECT_EQ(order_status(9), "AFTER-RESTART");
}

// --- 5. The target drops acme's session ------------------------------------------------------

// At b72faa0 run-continuous-etl --mode cdc exited 1 ("Could not obtain client encoding").
TEST_F(CdcFault, ContinuousCdcRetriesWhenTheTargetEndsItsSession) {
  seed();
  sync();
  auto p = continuous();
  ASSERT_TRUE(eventually([&] { return streaming(); }, 30s)) << p->err();
  tgt_exec("SELECT pg_terminate_backend(pid) FROM (" + target_sessions_of(p->pid()) + ") s");
  src_sql("UPDATE {o} SET status = 'AFTER-TERMINATE' WHERE order_id = 10");
  EXPECT_TRUE(eventually([&] { return order_status(10) == "AFTER-TERMINATE"; }, 30s)) << p->err();
  EXPECT_FALSE(p->wait(0).has_value()) << "acme exited:\n" << p->err();
  EXPECT_NE(p->err().find("change stream failed (attempt 1)"), std::string::npos) << p->err();
  stop(*p);
  expect_converged("after the target session was ended");
}

// --- 6. A stalled walsender ------------------------------------------------------------------

// At b72faa0 the stream had no receive timeout: it waited for ever.
TEST_F(CdcFault, AStalledWalsenderIsNoticedAndTheStreamReopened) {
  seed();
  sync();
  auto p = continuous({"ACME_CDC_RECEIVE_TIMEOUT=1.5", "ACME_CDC_SLOT_WAIT=60"});
  ASSERT_TRUE(eventually([&] { return streaming(); }, 30s)) << p->err();
  {
    Stopped stalled(std::stoi(slot_value("active_pid")));
    EXPECT_TRUE(eventually(
        [&] { return p->err().find("no message from the source for") != std::string::npos; }, 15s))
        << p->err();
  }
  src_sql("UPDATE {o} SET status = 'AFTER-STALL' WHERE order_id = 11");
  EXPECT_TRUE(eventually([&] { return order_status(11) == "AFTER-STALL"; }, 60s)) << p->err();
  stop(*p);
  expect_converged("after the stall");
}

// A network path that silently stops carrying packets (the peer still "connected").
TEST_F(CdcFault, ABlackholedConnectionIsNoticedAndTheStreamReopened) {
  seed();
  sync();
  const std::string dsn = acme::test::source_dsn();
  std::smatch port;
  ASSERT_TRUE(std::regex_search(dsn, port, std::regex(":([0-9]+)/"))) << dsn;
  acme::test::TcpProxy proxy(std::stoi(port[1]));
  const std::string proxied =
      std::regex_replace(dsn, std::regex(":[0-9]+/"), ":" + std::to_string(proxy.port()) + "/");
  auto p = continuous(
      {"ACME_SOURCE_DSN=" + proxied, "ACME_CDC_RECEIVE_TIMEOUT=1.5", "ACME_CDC_SLOT_WAIT=60"});
  ASSERT_TRUE(eventually([&] { return streaming(); }, 30s)) << p->err();
  proxy.blackhole(true);
  EXPECT_TRUE(eventually(
      [&] { return p->err().find("no message from the source for") != std::string::npos; }, 15s))
      << p->err();
  proxy.blackhole(false);
  src_sql("UPDATE {o} SET status = 'AFTER-BLACKHOLE' WHERE order_id = 14");
  EXPECT_TRUE(eventually([&] { return order_status(14) == "AFTER-BLACKHOLE"; }, 60s)) << p->err();
  stop(*p);
  expect_converged("after the black hole");
}

// --- 7. Replica identity ---------------------------------------------------------------------

// At b72faa0 a key change under REPLICA IDENTITY DEFAULT filled the unchanged, out-of-line name
// from the key-only old tuple: NULL.
TEST_F(CdcFault, AKeyChangeUnderDefaultIdentityKeepsUnchangedToastedValues) {
  seed();
  // 500 three-byte characters in each: the row passes the TOAST threshold and, with EXTERNAL
  // storage, the values go out of line uncompressed.
  src_sql("ALTER TABLE {c} REPLICA IDENTITY DEFAULT; ALTER TABLE {c} ALTER COLUMN customer_name "
          "SET STORAGE EXTERNAL; ALTER TABLE {c} ALTER COLUMN customer_address SET STORAGE "
          "EXTERNAL; UPDATE {c} SET customer_name = repeat('名', 500), customer_address = "
          "repeat('址', 500) WHERE customer_id = 1");
  sync();
  src_sql("UPDATE {c} SET customer_id = 701 WHERE customer_id = 1; UPDATE {o} SET customer_id = "
          "701 WHERE customer_id = 1");
  sync();
  expect_invariant("after the key change");
  EXPECT_EQ(tgt_value(fmt::format("SELECT length(customer_address) || ' ' || "
                                  "length(customer_name) FROM {} WHERE customer_id = 701",
                                  tgt("customers"))),
            "500 500");
}

TEST_F(CdcFault, AnIdentityIndexOtherThanThePrimaryKeyIsRefusedNamingIt) {
  seed();
  sync();
  src_sql("ALTER TABLE {p} ALTER COLUMN barcode SET NOT NULL; CREATE UNIQUE INDEX "
          "products_barcode_key ON {p} (barcode); ALTER TABLE {p} REPLICA IDENTITY USING INDEX "
          "products_barcode_key");
  const auto r = acme({"run-etl"}, cdc_env());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("has REPLICA IDENTITY USING INDEX, which acme cannot stream"),
            std::string::npos)
      << r.err;
  const auto doctor = acme({"doctor"}, cdc_env());
  EXPECT_NE(doctor.exit_code, 0);
  EXPECT_NE((doctor.out + doctor.err).find("products (USING INDEX)"), std::string::npos)
      << doctor.out << doctor.err;
}

// --- 8. Publication drift --------------------------------------------------------------------

TEST_F(CdcFault, APublicationThatNoLongerServesTheContractStopsAStartNamingTheGap) {
  seed();
  sync();
  src_exec(fmt::format("ALTER PUBLICATION {} DROP TABLE {}", acme::db::quote_ident(m_publication),
                       src("order_items")));
  src_exec(fmt::format("ALTER PUBLICATION {} SET (publish = 'insert, update')",
                       acme::db::quote_ident(m_publication)));
  const auto r = acme({"run-etl"}, cdc_env());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("does not publish " + src("order_items")), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("does not publish delete, truncate"), std::string::npos) << r.err;
}

TEST_F(CdcFault, APublicationNarrowedWhileStreamingStopsTheStream) {
  seed();
  sync();
  auto p = continuous();
  ASSERT_TRUE(eventually([&] { return streaming(); }, 30s)) << p->err();
  src_exec(fmt::format("ALTER PUBLICATION {} DROP TABLE {}", acme::db::quote_ident(m_publication),
                       src("customers")));
  const auto rc = p->wait(30000);
  ASSERT_TRUE(rc.has_value()) << p->err();
  EXPECT_EQ(*rc, 2) << p->err();
  EXPECT_NE(p->err().find("does not publish " + src("customers")), std::string::npos) << p->err();
}

// --- 9. Slot creation behind an open transaction ---------------------------------------------

// At b72faa0: "no answer from the source within 60000 ms", no cause, and the abandoned walsender
// kept a half-made slot.
TEST_F(CdcFault, SlotCreationSaysWhichTransactionItWaitsForAndLeavesNoSlotWhenGivingUp) {
  seed();
  cdc_config();
  pqxx::connection writer_conn(acme::test::source_dsn() + "?application_name=long_writer");
  pqxx::work writer(writer_conn);
  writer.exec(fmt::format("UPDATE {} SET status = 'OPEN-TX' WHERE order_id = 12", src("orders")));
  auto env = cdc_env();
  env.push_back("ACME_CDC_SLOT_WAIT=6");
  const auto r = acme({"run-etl"}, env);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("waited 5 s for the transactions that were open"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(fmt::format("pid {} (long_writer)", writer_conn.backendpid())),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(eventually([&] { return slots() == "0"; }, 10s)) << "a half-made slot remained";
  writer.commit();
  const auto rerun = acme({"run-etl"}, cdc_env());
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  expect_converged("after the transaction ended");
}

// --- 10. A large source transaction is all or nothing ----------------------------------------

// At b72faa0 a transaction of more than 20,000 changes was committed in 20,000-change slices.
TEST_F(CdcFault, ALargeSourceTransactionCommitsOnceInTheTarget) {
  seed();
  sync();
  const auto runs_before = tgt_value("SELECT count(*) FROM " + tgt("acme_runs"));
  src_sql("INSERT INTO {i} (order_item_id, order_id, product_id, quanity) SELECT 1000 + g, 1 + g "
          "% 20, 1 + g % 2, 1 FROM generate_series(1, 45000) g");
  const auto r = sync();
  EXPECT_EQ(r.batches, 1) << "one target transaction for the source transaction";
  EXPECT_EQ(tgt_value("SELECT count(*) FROM " + tgt("acme_runs")),
            std::to_string(std::stoi(runs_before) + 1));
  expect_invariant("after the large transaction");
}

// --- 11. A long flush keeps the stream alive -------------------------------------------------

// At b72faa0 nothing was sent during a flush: a flush longer than wal_sender_timeout got the
// stream ended by the server.
TEST_F(CdcFault, AFlushLongerThanWalSenderTimeoutKeepsTheStream) {
  seed();
  sync();
  auto env = cdc_env();
  env.push_back("ACME_SOURCE_DSN=" + acme::test::source_dsn() +
                "?options=-c%20wal_sender_timeout%3D2000");
  auto p = acme_background({"run-continuous-etl"}, env);
  ASSERT_TRUE(eventually([&] { return streaming(); }, 30s)) << p->err();
  {
    pqxx::connection lock_conn(acme::test::target_dsn());
    pqxx::work lock(lock_conn);
    lock.exec("LOCK TABLE " + tgt("analytical_orders") + " IN SHARE MODE");
    src_sql("UPDATE {o} SET status = 'SLOW-FLUSH' WHERE order_id = 13");
    std::this_thread::sleep_for(5s); // the flush waits for the lock: 2.5 wal_sender_timeouts
    lock.abort();
  }
  EXPECT_TRUE(eventually([&] { return order_status(13) == "SLOW-FLUSH"; }, 15s)) << p->err();
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(p->err().find("failed (attempt"), std::string::npos) << p->err();
  stop(*p);
  expect_converged("after the long flush");
}

} // namespace
