// acme verify [--repair] against the real clusters: a synced target is equal; each kind of drift
// (extra, missing, wrong price, stale name, wrong total) exits 4 naming its keys; --repair
// rewrites exactly those rows, after which verify exits 0 and the SQL oracle holds.
#include "support/etl_fixture.hpp"

#include <chrono>
#include <csignal>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <thread>

namespace {

// Whether verify's text output lists `key` among the `kind` keys of `table` (the indented
// lines under the table's line).
bool lists_key(const std::string& out, const std::string& table, const std::string& kind,
               std::int64_t key) {
  auto pos = out.find(table + " ");
  if (pos == std::string::npos) {
    return false;
  }
  const std::string prefix = "  " + kind + ":";
  for (pos = out.find('\n', pos); pos != std::string::npos && out.compare(pos + 1, 2, "  ") == 0;
       pos = out.find('\n', pos + 1)) {
    const std::string line = out.substr(pos + 1, out.find('\n', pos + 1) - pos - 1) + ",";
    if (line.rfind(prefix, 0) == 0) {
      return line.find(" " + std::to_string(key) + ",") != std::string::npos;
    }
  }
  return false;
}

class Verify : public acme::test::EtlTest {
protected:
  // Several key ranges per table, open, closed and NULL statuses, an order without customer,
  // items without product or order.
  void seed() {
    src_exec(fmt::format(R"(
      INSERT INTO {c} (customer_id, customer_name, customer_address)
        SELECT g, 'customer ' || g, 'street ' || g FROM generate_series(1, 100) g;
      INSERT INTO {p} (product_id, product_name, barcode, unity_price)
        SELECT g, 'product ' || g, 'B' || g, (g * 1.25)::numeric FROM generate_series(1, 40) g;
      INSERT INTO {o} (order_id, order_date, delivery_date, customer_id, status)
        SELECT g, DATE '2026-11-01' + g % 20, DATE '2026-11-05' + g % 20,
               CASE WHEN g % 97 = 0 THEN 5000 ELSE g % 100 + 1 END,
               (ARRAY['PENDING', 'PROCESSING', 'COMPLETED', 'CANCELLED', NULL])[g % 5 + 1]
        FROM generate_series(1, 2500) g;
      INSERT INTO {i} (order_item_id, order_id, product_id, quanity)
        SELECT g, CASE WHEN g % 501 = 0 THEN 90000 ELSE (g - 1) / 3 + 1 END,
               CASE WHEN g % 333 = 0 THEN 777 ELSE g % 40 + 1 END,
               CASE WHEN g % 50 = 0 THEN NULL ELSE g % 7 + 1 END
        FROM generate_series(1, 7500) g;)",
                         fmt::arg("c", src("customers")), fmt::arg("p", src("products")),
                         fmt::arg("o", src("orders")), fmt::arg("i", src("order_items"))));
    sync();
    expect_invariant("after the initial load");
  }

  // A fingerprint of every target row version: changes iff a row is written.
  std::string fingerprint() {
    std::string out;
    for (const char* t : {"customers", "products", "analytical_orders", "analytical_order_items"}) {
      out += tgt_value(fmt::format("SELECT md5(string_agg(xmin::text || ctid::text, ',' ORDER BY "
                                   "ctid)) FROM {}",
                                   tgt(t))) +
             " ";
    }
    return out;
  }

  // An open order (PROCESSING) and a closed one (COMPLETED).
  std::int64_t open_order() { return 1; }
  std::int64_t closed_order() { return 2; }

  void expect_drift_then_repair(const std::string& table, const std::string& kind,
                                std::int64_t key) {
    const auto r = acme({"verify"});
    EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
    EXPECT_TRUE(lists_key(r.out, table, kind, key))
        << "expected " << table << " " << kind << " " << key << " in:\n"
        << r.out;
    const auto j = acme({"verify", "--json"});
    EXPECT_EQ(j.exit_code, 4) << j.err;
    const auto doc = nlohmann::json::parse(j.out);
    EXPECT_FALSE(doc["equal"].get<bool>());
    const auto& keys = doc["tables"][table][kind + "_keys"];
    EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end()) << doc.dump(2);

    const auto repaired = acme({"verify", "--repair"});
    EXPECT_EQ(repaired.exit_code, 0) << repaired.out << repaired.err;
    EXPECT_NE(repaired.out.find("verify: repaired"), std::string::npos) << repaired.out;
    const auto after = acme({"verify"});
    EXPECT_EQ(after.exit_code, 0) << after.out << after.err;
    expect_invariant("after verify --repair");
  }
};

TEST_F(Verify, CleanTargetExitsZeroAndWritesNothing) {
  seed();
  const std::string before = fingerprint();
  const auto r = acme({"verify"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("analytical_order_items       7500 source,      7500 target rows: equal"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("verify: the target equals the source"), std::string::npos) << r.out;
  const auto repair = acme({"verify", "--repair"});
  EXPECT_EQ(repair.exit_code, 0) << repair.out << repair.err;
  EXPECT_EQ(fingerprint(), before) << "verify or verify --repair wrote to a clean target";
  const auto j = acme({"verify", "--json"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  const auto doc = nlohmann::json::parse(j.out);
  EXPECT_TRUE(doc["equal"].get<bool>());
  EXPECT_EQ(doc["tables"]["analytical_orders"]["source_rows"], 2500);
  EXPECT_EQ(doc["tables"]["analytical_orders"]["key_ranges"], 3);
}

TEST_F(Verify, ExtraRowIsReportedAndDeleted) {
  seed();
  tgt_exec(fmt::format("INSERT INTO {} (order_id, status) VALUES (123456, 'PENDING')",
                       tgt("analytical_orders")));
  expect_drift_then_repair("analytical_orders", "extra", 123456);
  EXPECT_EQ(
      tgt_value("SELECT count(*) FROM " + tgt("analytical_orders") + " WHERE order_id = 123456"),
      "0");
}

TEST_F(Verify, MissingRowIsReportedAndRestored) {
  seed();
  tgt_exec(fmt::format("DELETE FROM {} WHERE order_item_id = 4242", tgt("analytical_order_items")));
  tgt_exec(fmt::format("DELETE FROM {} WHERE order_id = 1700", tgt("analytical_orders")));
  expect_drift_then_repair("analytical_order_items", "missing", 4242);
}

TEST_F(Verify, WrongPriceIsReportedAndRepriced) {
  seed();
  const std::string item =
      tgt_value(fmt::format("SELECT min(order_item_id) FROM {} WHERE order_id = {}",
                            tgt("analytical_order_items"), open_order()));
  tgt_exec(fmt::format("UPDATE {} SET price = price + 1 WHERE order_item_id = {}",
                       tgt("analytical_order_items"), item));
  expect_drift_then_repair("analytical_order_items", "different", std::stoll(item));
}

TEST_F(Verify, StaleCustomerNameIsReportedAndFixed) {
  seed();
  tgt_exec(fmt::format("UPDATE {} SET customer_name = 'old name' WHERE order_id = 1234",
                       tgt("analytical_orders")));
  expect_drift_then_repair("analytical_orders", "different", 1234);
  // A stale mirror row too: the repair fans the name out to the customer's orders.
  tgt_exec(fmt::format("UPDATE {} SET customer_name = 'old name' WHERE customer_id = 7",
                       tgt("customers")));
  expect_drift_then_repair("customers", "different", 7);
}

TEST_F(Verify, WrongTotalAmountIsReportedAndRecomputed) {
  seed();
  tgt_exec(
      fmt::format("UPDATE {} SET total_amount = total_amount + 0.01 WHERE order_id IN ({}, {})",
                  tgt("analytical_orders"), open_order(), closed_order()));
  expect_drift_then_repair("analytical_orders", "different", closed_order());
  tgt_exec(fmt::format("UPDATE {} SET total_amount = 0 WHERE order_id = 2001",
                       tgt("analytical_orders")));
  expect_drift_then_repair("analytical_orders", "different", 2001);
}

TEST_F(Verify, RepairWaitsForTheWriterLockAndExitsThreeWhileAnotherAcmeHoldsIt) {
  seed();
  tgt_exec(fmt::format("DELETE FROM {} WHERE order_item_id = 99", tgt("analytical_order_items")));
  auto running = acme_background({"run-continuous-etl", "--polling-interval", "30"});
  // Wait for that process's writer lock (other tests running in parallel hold their own).
  const auto held = fmt::format("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING "
                                "(pid) WHERE l.locktype = 'advisory' AND l.granted AND "
                                "a.application_name = 'acme (pid {})'",
                                running->pid());
  for (int i = 0; i < 100 && tgt_value(held) == "0"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const auto locked = acme({"verify", "--repair"}, {"ACME_LOCK_WAIT=1"});
  EXPECT_EQ(locked.exit_code, 3) << locked.out << locked.err;
  // A plain verify needs no lock (and finds the item back: the running acme reconciled at start).
  const auto plain = acme({"verify"});
  EXPECT_EQ(plain.exit_code, 0) << plain.out << plain.err;
  running->signal(SIGTERM);
  ASSERT_EQ(running->wait(10000), std::optional<int>(0)) << running->err();
}

TEST_F(Verify, CdcStreamedTargetIsEqualAndDoctorSeesTheSlot) {
  m_cdc = true;
  seed();
  src_exec(fmt::format("UPDATE {} SET unity_price = unity_price + 1 WHERE product_id = 3; "
                       "DELETE FROM {} WHERE order_id = 10; "
                       "UPDATE {} SET customer_name = 'renamed' WHERE customer_id = 4",
                       src("products"), src("orders"), src("customers")));
  sync();
  expect_invariant("after streaming");
  const auto r = acme({"verify"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto d = acme({"doctor", "--mode", "cdc"},
                      {"ACME_CDC_SLOT=" + m_slot, "ACME_CDC_PUBLICATION=" + m_publication});
  EXPECT_EQ(d.exit_code, 0) << d.out << d.err;
  EXPECT_NE(d.out.find("ok    cdc slot: slot " + m_slot + " inactive, retains "), std::string::npos)
      << d.out;
}

TEST_F(Verify, ManyDifferencesListTheFirstTwentyKeysAndRepairThemAll) {
  seed();
  tgt_exec(
      fmt::format("DELETE FROM {} WHERE order_item_id % 10 = 0", tgt("analytical_order_items")));
  const auto r = acme({"verify"});
  EXPECT_EQ(r.exit_code, 4) << r.out;
  EXPECT_NE(r.out.find("750 missing"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  missing:   10, 20, 30"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("200, ... (730 more)"), std::string::npos) << r.out;
  const auto repaired = acme({"verify", "--repair"});
  EXPECT_EQ(repaired.exit_code, 0) << repaired.out << repaired.err;
  EXPECT_EQ(acme({"verify"}).exit_code, 0);
  expect_invariant("after repairing 750 items");
}

} // namespace
