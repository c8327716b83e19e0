// Continuous mode converges by itself across server restarts and killed backends.
// Runs serially (RUN_SERIAL): it restarts the shared test clusters.
#include "support/etl_fixture.hpp"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <thread>

namespace {

class Restart : public acme::test::EtlTest {
protected:
  void pg_local(const std::string& verb) {
    const auto r = acme::test::run_process(
        {"/bin/bash", std::string(ACME_SOURCE_DIR) + "/scripts/pg-local", verb});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // Waits until the target shows order `id` (the continuous process synced it).
  bool wait_for_order(int id, int timeout_ms) {
    for (int waited = 0; waited < timeout_ms; waited += 100) {
      try {
        if (tgt_value(fmt::format("SELECT count(*) FROM {} WHERE order_id = {}",
                                  tgt("analytical_orders"), id)) == "1") {
          return true;
        }
      } catch (const std::exception&) {
        // the target may be restarting
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  void add_order(int id) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      try {
        src_exec(
            fmt::format("INSERT INTO {} (order_id, customer_id, status) VALUES ({}, 1, 'PENDING')",
                        src("orders"), id));
        return;
      } catch (const std::exception&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100)); // the source may be restarting
      }
    }
    FAIL() << "could not write to the source";
  }
};

TEST_F(Restart, ContinuousModeSurvivesServerRestartsAndKilledBackends) {
  src_exec(fmt::format("INSERT INTO {} (customer_id, customer_name) VALUES (1, 'Ann')",
                       src("customers")));
  add_order(1);
  auto p =
      acme_background({"run-continuous-etl", "--polling-interval", "0.2"}, {"ACME_LOG_LEVEL=info"});
  ASSERT_TRUE(wait_for_order(1, 20000)) << p->err();

  pg_local("restart-source");
  add_order(2);
  EXPECT_TRUE(wait_for_order(2, 30000)) << "after a source restart:\n" << p->err();

  pg_local("restart-target");
  add_order(3);
  EXPECT_TRUE(wait_for_order(3, 30000)) << "after a target restart:\n" << p->err();

  tgt_exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'acme "
           "(pid " +
           std::to_string(p->pid()) + ")'");
  src_exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'acme "
           "(pid " +
           std::to_string(p->pid()) + ")'");
  add_order(4);
  EXPECT_TRUE(wait_for_order(4, 30000)) << "after its backends were terminated:\n" << p->err();

  p->signal(SIGTERM);
  const auto rc = p->wait(10000);
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << p->err();
  EXPECT_NE(p->err().find("retrying in"), std::string::npos) << p->err();
  expect_invariant();
}

} // namespace
