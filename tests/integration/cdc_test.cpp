// CDC mode: the source's logical replication stream applied through the same Stager, checked
// against the SQL oracle after every step.
#include "acme/db/connection.hpp"
#include "support/etl_fixture.hpp"

#include <csignal>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>
#include <thread>

namespace {

using namespace std::chrono_literals;

class Cdc : public acme::test::EtlTest {
protected:
  void SetUp() override {
    EtlTest::SetUp();
    m_cdc = true;
  }

  // Whether this test's slot is streaming to a walsender within 30 s.
  bool wait_streaming() {
    const auto streaming = [&] {
      return src_value(fmt::format("SELECT count(*) FROM pg_replication_slots s JOIN "
                                   "pg_stat_replication r ON r.pid = s.active_pid WHERE "
                                   "s.slot_name = '{}' AND r.state IN ('catchup', 'streaming')",
                                   m_slot)) == "1";
    };
    for (int i = 0; i < 600 && !streaming(); ++i) {
      std::this_thread::sleep_for(50ms);
    }
    return streaming();
  }

  // The target's status of order `order_id` once it is `want`, or after `limit`.
  std::string target_status(int order_id, const std::string& want,
                            std::chrono::milliseconds limit) {
    const auto t0 = std::chrono::steady_clock::now();
    std::string status;
    while (status != want && std::chrono::steady_clock::now() - t0 < limit) {
      std::this_thread::sleep_for(20ms);
      status = tgt_value(fmt::format("SELECT status FROM {} WHERE order_id = {}",
                                     tgt("analytical_orders"), order_id));
    }
    return status;
  }
};

TEST_F(Cdc, FirstStartLoadsTheExportedSnapshotThenStreamsEveryKindOfChange) {
  seed();
  const auto first = sync();
  EXPECT_EQ(first.mode, "cdc-snapshot");
  expect_invariant("after the snapshot hand-off");
  // Every kind of change, each checked.
  const std::vector<std::pair<std::string, std::string>> steps{
      {"status change",
       "UPDATE {o} SET status = 'PROCESSING', updated_at = now() WHERE order_id = 1"},
      {"closing an order", "UPDATE {o} SET status = 'COMPLETED' WHERE order_id = 2"},
      {"price change", "UPDATE {p} SET unity_price = 9.99 WHERE product_id = 1"},
      {"customer rename", "UPDATE {c} SET customer_name = 'Ann B.' WHERE customer_id = 1"},
      {"product rename", "UPDATE {p} SET product_name = 'W2' WHERE product_id = 1"},
      {"new order and items",
       "INSERT INTO {o} (order_id, customer_id, status) VALUES (100, 2, 'PENDING'); "
       "INSERT INTO {i} (order_item_id, order_id, product_id, quanity) VALUES (1000, 100, 2, 7)"},
      {"item moves", "UPDATE {i} SET order_id = 3 WHERE order_item_id = 1000"},
      {"NULL updated_at", "UPDATE {i} SET quanity = 9, updated_at = NULL WHERE order_item_id = 5"},
      {"stamp behind the cursor (a clock that went back)",
       "UPDATE {o} SET status = 'REPROCESSING', updated_at = '2001-01-01' WHERE order_id = 4"},
      {"hard deletes", "DELETE FROM {i} WHERE order_item_id IN (7, 8); DELETE FROM {o} WHERE "
                       "order_id = 6"},
      {"dimension deletes", "DELETE FROM {p} WHERE product_id = 2; DELETE FROM {c} WHERE "
                            "customer_id = 2"},
      {"missing reference appears", "INSERT INTO {p} (product_id, product_name, barcode, "
                                    "unity_price) VALUES (2, 'Back', 'B', 4)"},
      {"primary key change", "UPDATE {i} SET order_item_id = 5000 WHERE order_item_id = 9"},
      {"insert, update, delete of one row in one transaction",
       "BEGIN; INSERT INTO {o} (order_id, status) VALUES (200, 'PENDING'); UPDATE {o} SET status = "
       "'X' WHERE order_id = 200; DELETE FROM {o} WHERE order_id = 200; COMMIT"},
      {"truncate of items", "TRUNCATE {i}"},
      {"rows after a truncate",
       "INSERT INTO {i} (order_item_id, order_id, product_id, quanity) VALUES (1, 1, 1, 1)"},
      {"truncate and reload in one transaction",
       "BEGIN; TRUNCATE {o}; INSERT INTO {o} (order_id, status) VALUES (1, 'PENDING'); COMMIT"},
  };
  for (const auto& [what, sql] : steps) {
    src_exec(fmt::format(fmt::runtime(sql), fmt::arg("o", src("orders")),
                         fmt::arg("i", src("order_items")), fmt::arg("p", src("products")),
                         fmt::arg("c", src("customers"))));
    sync();
    expect_invariant("after " + what);
  }
  // Idle: nothing to apply, nothing written.
  EXPECT_EQ(sync().rows_written, 0);
}

TEST_F(Cdc, LateAndPreparedTransactionsArriveInCommitOrder) {
  seed();
  sync();
  // A transaction that started first commits last, stamped before the others.
  pqxx::connection late_conn(acme::test::source_dsn());
  pqxx::work late(late_conn);
  late.exec(fmt::format("UPDATE {} SET status = 'LATE', updated_at = CURRENT_TIMESTAMP(3) WHERE "
                        "order_id = 1",
                        src("orders")));
  const std::string gid = acme::test::unique_name("cdc_gid");
  src_exec(fmt::format("BEGIN; UPDATE {} SET status = 'TWO-PHASE' WHERE order_id = 2; PREPARE "
                       "TRANSACTION '{}'",
                       src("orders"), gid));
  src_exec(fmt::format("UPDATE {} SET status = 'NEWER' WHERE order_id = 3", src("orders")));
  sync();
  expect_invariant("with a late and a prepared transaction open");
  late.commit();
  src_exec(fmt::format("COMMIT PREPARED '{}'", gid));
  sync();
  expect_invariant("after both committed");
  EXPECT_EQ(tgt_value("SELECT status FROM " + tgt("analytical_orders") + " WHERE order_id = 2"),
            "TWO-PHASE");
}

TEST_F(Cdc, PollThenCdcThenPollKeepsTheOracle) {
  seed();
  m_cdc = false;
  sync();
  src_exec(fmt::format("UPDATE {} SET status = 'PROCESSING', updated_at = CURRENT_TIMESTAMP(3) "
                       "WHERE order_id = 1",
                       src("orders")));
  m_cdc = true;
  EXPECT_EQ(sync().mode, "cdc-snapshot");
  expect_invariant("after switching to cdc");
  src_exec(fmt::format("UPDATE {} SET unity_price = 1.25 WHERE product_id = 2; DELETE FROM {} "
                       "WHERE order_item_id = 3",
                       src("products"), src("order_items")));
  sync();
  expect_invariant("after a cdc change");
  m_cdc = false;
  src_exec(fmt::format("UPDATE {} SET status = 'REPROCESSING', updated_at = CURRENT_TIMESTAMP(3) "
                       "WHERE order_id = 7",
                       src("orders")));
  const auto back = sync();
  EXPECT_EQ(back.mode, "full") << "polling resumes with a full read after cdc";
  expect_invariant("after switching back to poll");
  src_exec(fmt::format("DELETE FROM {} WHERE order_id = 8", src("orders")));
  m_cdc = true;
  EXPECT_EQ(sync().mode, "cdc-snapshot") << "polling ran in between: the stream is stale";
  expect_invariant("after switching to cdc again");
  src_exec(
      fmt::format("UPDATE {} SET customer_name = 'Zed' WHERE customer_id = 2", src("customers")));
  sync();
  expect_invariant("after the last change");
}

#if ACME_TEST_HOOKS
class CdcCrash : public Cdc, public ::testing::WithParamInterface<const char*> {};

TEST_P(CdcCrash, KilledAtAnyPointTheRerunConverges) {
  seed();
  sync();
  src_exec(fmt::format("UPDATE {} SET status = 'PROCESSING' WHERE order_id <= 5; UPDATE {} SET "
                       "unity_price = 7 WHERE product_id = 1; DELETE FROM {} WHERE order_item_id = "
                       "11",
                       src("orders"), src("products"), src("order_items")));
  auto env = cdc_env();
  env.push_back(std::string("ACME_FAILPOINT=") + GetParam());
  const auto killed = acme({"run-etl"}, env);
  EXPECT_EQ(killed.exit_code, -SIGKILL) << killed.err;
  const auto rerun = acme({"run-etl"}, cdc_env());
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  expect_invariant(std::string("after the rerun (killed at ") + GetParam() + ")");
  // The slot's confirmed position reached what the target stored. It may be further: with
  // nothing of ours pending, acme confirms WAL that other databases' writers produced.
  const auto applied = tgt_value("SELECT applied_lsn::text FROM " + tgt("acme_cdc_state"));
  EXPECT_EQ(slot_value(fmt::format("(confirmed_flush_lsn >= '{}'::pg_lsn)", applied)), "true")
      << "confirmed " << slot_value("confirmed_flush_lsn") << ", applied " << applied;
}

INSTANTIATE_TEST_SUITE_P(Failpoints, CdcCrash,
                         ::testing::Values("cdc-after-receive", "cdc-after-merge",
                                           "cdc-before-commit", "cdc-after-commit"),
                         [](const ::testing::TestParamInfo<const char*>& p) {
                           std::string n = p.param;
                           for (auto& ch : n) {
                             ch = ch == '-' ? '_' : ch;
                           }
                           return n;
                         });
#endif

TEST_F(Cdc, ContinuousModeStreamsAndStopsOnSigtermWithinTwoSeconds) {
  seed();
  auto p = acme_background({"run-continuous-etl"}, cdc_env());
  // Wait for the hand-off, then change and watch the change arrive.
  const auto handed_off = [&] {
    return tgt_value("SELECT to_regclass('" + tgt("acme_cdc_state") + "') IS NOT NULL") == "t" &&
           tgt_value("SELECT count(*) FROM " + tgt("acme_cdc_state")) == "1";
  };
  for (int i = 0; i < 200 && !handed_off(); ++i) {
    std::this_thread::sleep_for(50ms);
  }
  src_exec(fmt::format("UPDATE {} SET status = 'STREAMED' WHERE order_id = 1", src("orders")));
  EXPECT_EQ(target_status(1, "STREAMED", 5s), "STREAMED") << p->err();
  const auto t0 = std::chrono::steady_clock::now();
  p->signal(SIGTERM);
  const auto rc = p->wait(5000);
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << p->err();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  expect_invariant();
  for (int i = 0; i < 100 && slot_value("active") != "false"; ++i) {
    std::this_thread::sleep_for(20ms); // the walsender ends just after acme
  }
  EXPECT_EQ(slot_value("active"), "false");
}

// A received transaction used to wait --cdc-flush-ms for more input before it was applied: with
// the longest setting, a lone change showed up a minute late. A flush starts once the stream has
// nothing more waiting; the setting only spaces flushes that follow each other.
TEST_F(Cdc, ALoneTransactionIsAppliedOnceTheStreamIsDrainedWithoutWaitingForMore) {
  seed();
  sync();
  auto env = cdc_env();
  env.emplace_back("ACME_CDC_FLUSH_MS=60000");
  auto p = acme_background({"run-continuous-etl"}, env);
  ASSERT_TRUE(wait_streaming()) << p->err();
  src_exec(fmt::format("UPDATE {} SET status = 'AT-ONCE' WHERE order_id = 2", src("orders")));
  // Far below the 60 s the old timer waited, and far above a flush on a busy machine.
  EXPECT_EQ(target_status(2, "AT-ONCE", 15s), "AT-ONCE") << p->err();
  p->signal(SIGTERM);
  const auto rc = p->wait(5000);
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << p->err();
  expect_invariant();
}

// A stream's target session used to create its ~30 work tables and plan every statement in its
// first flush, while changes kept arriving (~100 ms at S; under load the backlog took ~1 s to
// drain). run-continuous-etl does that before it starts streaming, and writes nothing doing it.
TEST_F(Cdc, AContinuousStreamPreparesItsTargetSessionBeforeStreamingAndWritesNothing) {
  seed();
  sync();
  const auto target_rows = [&] {
    return tgt_value(fmt::format(
        "SELECT (SELECT count(*) FROM {}) || '/' || (SELECT count(*) FROM {}) || '/' || "
        "(SELECT count(*) FROM {}) || '/' || (SELECT count(*) FROM {})",
        tgt("acme_runs"), tgt("analytical_orders"), tgt("analytical_order_items"),
        tgt("analytical_order_status_history")));
  };
  const auto before = target_rows();
  auto p = acme_background({"run-continuous-etl"}, cdc_env());
  ASSERT_TRUE(wait_streaming()) << p->err();
  // That process's target session (named after its pid, holding its writer lock); its
  // temporary schema is pg_temp_<backend id>, the first part of its virtual transaction id.
  const auto temp_schema = tgt_value(
      fmt::format("SELECT 'pg_temp_' || split_part(l.virtualtransaction, '/', 1) FROM pg_locks l "
                  "JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' AND l.granted "
                  "AND a.application_name = 'acme (pid {})'",
                  p->pid()));
  ASSERT_FALSE(temp_schema.empty()) << p->err();
  EXPECT_EQ(tgt_value(fmt::format("SELECT to_regclass('{}.acme_tr_customers') IS NOT NULL AND "
                                  "to_regclass('{}.acme_chg_orders') IS NOT NULL",
                                  temp_schema, temp_schema)),
            "t")
      << "no work tables in " << temp_schema << " before the first change";
  EXPECT_EQ(target_rows(), before);
  src_exec(fmt::format("UPDATE {} SET status = 'PRIMED' WHERE order_id = 2", src("orders")));
  EXPECT_EQ(target_status(2, "PRIMED", 15s), "PRIMED") << p->err();
  p->signal(SIGTERM);
  const auto rc = p->wait(5000);
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << p->err();
  expect_invariant();
}

TEST_F(Cdc, ASlotInUseByAnotherProcessExits3) {
  seed();
  sync();
  // Another consumer streams acme's slot (PostgreSQL's own pg_recvlogical).
  acme::test::BackgroundProcess holder({"/usr/lib/postgresql/15/bin/pg_recvlogical", "-d",
                                        acme::test::source_dsn(), "-S", m_slot, "--start", "-f",
                                        "/dev/null", "-o", "proto_version=1", "-o",
                                        "publication_names=" + m_publication},
                                       {});
  for (int i = 0; i < 200 && slot_value("active") != "true"; ++i) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(slot_value("active"), "true") << holder.err();
  auto env = cdc_env();
  env.push_back("ACME_CDC_SLOT_WAIT=2");
  const auto t0 = std::chrono::steady_clock::now();
  const auto second = acme({"run-etl"}, env);
  EXPECT_EQ(second.exit_code, 3) << second.err;
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 2s) << "it waited ACME_CDC_SLOT_WAIT first";
  const std::string holder_pid = slot_value("active_pid");
  EXPECT_NE(second.err.find("in use by pid " + holder_pid), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("application 'pg_recvlogical'"), std::string::npos) << second.err;
  holder.signal(SIGTERM);
  holder.wait(5000);
}

TEST_F(Cdc, ALostSlotIsRecreatedAndTheTargetResyncedFromAFreshSnapshot) {
  seed();
  sync();
  src_exec(fmt::format("SELECT pg_drop_replication_slot('{}')", m_slot));
  src_exec(fmt::format("UPDATE {} SET status = 'WHILE-LOST' WHERE order_id = 1", src("orders")));
  const auto r = acme({"run-etl"}, cdc_env());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("re-creating it and resyncing"), std::string::npos) << r.err;
  expect_invariant("after the resync");
}

TEST_F(Cdc, AContractColumnDroppedFromThePublishedTableIsFatalNamingIt) {
  seed();
  sync();
  src_exec(fmt::format("ALTER TABLE {} ADD COLUMN extra TEXT; UPDATE {} SET extra = 'x', status = "
                       "'WITH-EXTRA' WHERE order_id = 1",
                       src("orders"), src("orders")));
  sync();
  expect_invariant("after a column was added");
  src_exec(fmt::format("ALTER TABLE {} RENAME COLUMN delivery_date TO deliver_on; UPDATE {} SET "
                       "status = 'RENAMED' WHERE order_id = 1",
                       src("orders"), src("orders")));
  const auto r = acme({"run-etl"}, cdc_env());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("no column delivery_date"), std::string::npos) << r.err;
}

} // namespace
