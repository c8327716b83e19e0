// CDC continuous mode under live writes while each server restarts: the stream reconnects by
// itself and the target converges to the SQL oracle, with acme's one slot left.
// Runs serially (RUN_SERIAL): it restarts the shared test clusters.
#include "support/etl_fixture.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>
#include <random>
#include <thread>

namespace {

using namespace std::chrono_literals;

class CdcRestart : public acme::test::EtlTest {
protected:
  void SetUp() override {
    EtlTest::SetUp();
    m_cdc = true;
  }
  void pg_local(const std::string& verb) {
    const auto r = acme::test::run_process(
        {"/bin/bash", std::string(ACME_SOURCE_DIR) + "/scripts/pg-local", verb});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // Random transactions on every contract table until `stop`, through restarts.
  void write_until(const std::atomic<bool>& stop, std::atomic<long>& committed) {
    std::mt19937 rng(42);
    long next_order = 1000;
    std::unique_ptr<pqxx::connection> conn;
    while (!stop) {
      try {
        if (!conn || !conn->is_open()) {
          conn = std::make_unique<pqxx::connection>(acme::test::source_dsn());
        }
        pqxx::work tx(*conn);
        const long id = next_order++;
        tx.exec(fmt::format("INSERT INTO {} (order_id, customer_id, status) VALUES ({}, {}, "
                            "'PENDING')",
                            src("orders"), id, 1 + rng() % 2));
        tx.exec(fmt::format("INSERT INTO {} (order_item_id, order_id, product_id, quanity) "
                            "VALUES ({}, {}, {}, {})",
                            src("order_items"), id, id, 1 + rng() % 2, rng() % 5));
        tx.exec(fmt::format("UPDATE {} SET status = 'S{}' WHERE order_id = {}", src("orders"),
                            rng() % 4, 1 + rng() % 20));
        if (rng() % 5 == 0) {
          tx.exec(fmt::format("DELETE FROM {} WHERE order_item_id = {}", src("order_items"),
                              1 + rng() % 60));
        }
        if (rng() % 7 == 0) {
          tx.exec(fmt::format("UPDATE {} SET unity_price = {} WHERE product_id = {}",
                              src("products"), 1 + rng() % 9, 1 + rng() % 2));
        }
        tx.commit();
        ++committed;
      } catch (const std::exception&) {
        conn.reset(); // the source is restarting
        std::this_thread::sleep_for(100ms);
      }
      std::this_thread::sleep_for(5ms);
    }
  }
  bool converged() {
    try {
      pqxx::connection s(acme::test::source_dsn());
      pqxx::connection t(acme::test::target_dsn());
      return acme::test::invariant_violations(s, m_source_schema, t, m_target_schema, m_closed)
          .empty();
    } catch (const std::exception&) {
      return false;
    }
  }
};

TEST_F(CdcRestart, TheStreamSurvivesRestartsOfEachServerUnderLiveWrites) {
  seed();
  sync();
  auto env = cdc_env();
  env.push_back("ACME_CDC_SLOT_WAIT=120");
  auto p = acme_background({"run-continuous-etl"}, env);
  std::atomic<bool> stop{false};
  std::atomic<long> committed{0};
  std::thread writer([&] { write_until(stop, committed); });
  std::this_thread::sleep_for(2s);
  pg_local("restart-source");
  std::this_thread::sleep_for(3s);
  pg_local("restart-target");
  std::this_thread::sleep_for(3s);
  stop = true;
  writer.join();
  EXPECT_GT(committed.load(), 50);
  bool ok = false;
  for (int i = 0; i < 120 && !ok; ++i) {
    ok = converged();
    if (!ok) {
      std::this_thread::sleep_for(500ms);
    }
  }
  EXPECT_TRUE(ok) << "not converged 60 s after the writes stopped:\n" << p->err();
  // The fixture's own sessions ended with the restarts.
  m_src = std::make_unique<pqxx::connection>(acme::test::source_dsn());
  m_tgt = std::make_unique<pqxx::connection>(acme::test::target_dsn());
  p->signal(SIGTERM);
  const auto rc = p->wait(15000);
  ASSERT_TRUE(rc.has_value()) << p->err();
  EXPECT_EQ(*rc, 0) << p->err();
  EXPECT_NE(p->err().find("change stream failed (attempt 1)"), std::string::npos) << p->err();
  expect_invariant("after both restarts");
  EXPECT_EQ(src_value(fmt::format(
                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{}'", m_slot)),
            "1");
}

} // namespace
