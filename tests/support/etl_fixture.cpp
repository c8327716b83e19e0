#include "support/etl_fixture.hpp"

#include "acme/cdc/stream_sync.hpp"
#include "acme/db/connection.hpp"

#include <chrono>
#include <fmt/format.h>
#include <pqxx/pqxx>
#include <thread>
#include <unistd.h>

namespace acme::test {

config::Config EtlTest::config() const {
  config::Config c;
  c.source_dsn = source_dsn();
  c.target_dsn = target_dsn();
  c.source_schema = m_source_schema;
  c.target_schema = m_target_schema;
  c.batch_size = m_batch_size;
  c.jobs = m_jobs;
  c.closed_statuses = m_closed;
  c.history_days = m_history_days;
  return c;
}

std::vector<std::string> EtlTest::cdc_env() {
  const auto c = cdc_config();
  return {"ACME_MODE=cdc", "ACME_CDC_SLOT=" + c.cdc_slot,
          "ACME_CDC_PUBLICATION=" + c.cdc_publication, "ACME_CDC_FLUSH_MS=5"};
}

config::Config EtlTest::cdc_config() {
  if (m_slot.empty()) {
    // Slot names: at most 63 of [a-z0-9_]; unique per test process and test.
    static int counter = 0;
    m_slot = "acme_t_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    m_publication = m_slot + "_pub";
    src_exec(fmt::format("CREATE PUBLICATION {} FOR TABLE {}, {}, {}, {}",
                         db::quote_ident(m_publication), src("customers"), src("products"),
                         src("orders"), src("order_items")));
  }
  auto c = config();
  c.mode = config::SyncMode::cdc;
  c.cdc_slot = m_slot;
  c.cdc_publication = m_publication;
  c.cdc_flush = std::chrono::milliseconds(5);
  return c;
}

etl::SyncResult EtlTest::sync(etl::SyncRequest request) {
  if (m_cdc) {
    cdc::StreamSyncer streamer(cdc_config(), {});
    const auto r = streamer.run(true);
    etl::SyncResult out;
    out.mode = r.snapshot ? "cdc-snapshot" : "cdc";
    out.batches = static_cast<int>(r.flushes);
    out.rows_read = r.changes;
    out.rows_written = r.rows_written;
    return out;
  }
  etl::Syncer syncer(config(), {});
  return syncer.sync(request);
}

void EtlTest::TearDown() {
  if (!m_slot.empty()) {
    // Never leave a slot behind: it would retain the source's WAL for ever.
    try {
      // A stream of the test's own (acme, or pg_recvlogical) may still be ending: its walsender
      // holds the slot for a moment after the client went. End it and wait for the slot.
      const std::string holder =
          fmt::format("SELECT COALESCE((SELECT active_pid::text FROM pg_replication_slots "
                      "WHERE slot_name = '{}' AND active), '')",
                      m_slot);
      for (int i = 0; i < 100; ++i) {
        const auto pid = src_value(holder);
        if (pid.empty()) {
          break;
        }
        src_exec("SELECT pg_terminate_backend(" + pid + ")");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      src_exec(fmt::format("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                           "WHERE slot_name = '{}'",
                           m_slot));
      src_exec("DROP PUBLICATION IF EXISTS " + db::quote_ident(m_publication));
    } catch (const std::exception& e) {
      ADD_FAILURE() << "could not drop the test's slot or publication: " << e.what();
    }
  }
  PgTest::TearDown();
}

void EtlTest::seed() {
  src_exec(fmt::format(
      "INSERT INTO {c} (customer_id, customer_name, customer_address) VALUES (1, 'Ann', 'A'), "
      "(2, 'Bob', 'B');"
      "INSERT INTO {p} (product_id, product_name, barcode, unity_price) VALUES (1, 'W', 'B1', "
      "2.5), (2, 'X', 'B2', 3);"
      "INSERT INTO {o} (order_id, customer_id, status, delivery_date) SELECT g, 1 + g % 2, "
      "CASE WHEN g % 5 = 0 THEN 'COMPLETED' ELSE 'PENDING' END, DATE '2026-12-01' + g % 3 "
      "FROM generate_series(1, 20) g;"
      "INSERT INTO {i} (order_item_id, order_id, product_id, quanity) SELECT g, 1 + g % 20, "
      "1 + g % 2, g % 4 FROM generate_series(1, 60) g",
      fmt::arg("c", src("customers")), fmt::arg("p", src("products")), fmt::arg("o", src("orders")),
      fmt::arg("i", src("order_items"))));
}

std::string EtlTest::slot_value(const std::string& column) {
  return src_value(fmt::format("SELECT {}::text FROM pg_replication_slots WHERE slot_name = '{}'",
                               column, m_slot));
}

void EtlTest::expect_invariant(const std::string& when) {
  const auto v = invariant_violations(*m_src, m_source_schema, *m_tgt, m_target_schema, m_closed);
  std::string text;
  for (std::size_t i = 0; i < v.size() && i < 25; ++i) {
    text += "  " + v[i] + "\n";
  }
  EXPECT_TRUE(v.empty()) << v.size() << " invariant violation(s) " << when << ":\n" << text;
}

std::string EtlTest::src(const std::string& name) const {
  return db::qualify(m_source_schema, name);
}

std::string EtlTest::tgt(const std::string& name) const {
  return db::qualify(m_target_schema, name);
}

std::string EtlTest::tgt_value(const std::string& sql) {
  const auto r = tgt_exec(sql);
  return r[0][0].is_null() ? "<NULL>" : r[0][0].as<std::string>();
}

std::string EtlTest::src_value(const std::string& sql) {
  const auto r = src_exec(sql);
  return r[0][0].is_null() ? "<NULL>" : r[0][0].as<std::string>();
}

} // namespace acme::test
