#include "acme/ops/slot_monitor.hpp"

#include "acme/db/connection.hpp"
#include "acme/sql/embedded.hpp"

#include <cstdlib>
#include <fmt/format.h>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace acme::ops {

SlotMonitor::SlotMonitor(std::string source_dsn, std::string slot, obs::Metrics& metrics,
                         std::chrono::milliseconds interval)
    : m_source_dsn(std::move(source_dsn)), m_slot(std::move(slot)), m_metrics(metrics),
      m_interval(interval), m_thread([this] { run(); }) {}

SlotMonitor::~SlotMonitor() {
  {
    const std::lock_guard<std::mutex> lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  m_thread.join();
}

std::chrono::milliseconds SlotMonitor::default_interval() {
  if (const char* v = std::getenv("ACME_SLOT_MONITOR_INTERVAL_MS"); v != nullptr && *v != '\0') {
    char* end = nullptr;
    const long ms = std::strtol(v, &end, 10);
    if (end != nullptr && *end == '\0' && ms > 0) {
      return std::chrono::milliseconds(ms);
    }
  }
  return std::chrono::seconds(10);
}

void SlotMonitor::read_once() {
  try {
    // A session per reading: one round trip every 10 s, and nothing held open on the source
    // between them.
    auto source =
        db::connect(m_source_dsn, "source", fmt::format("acme (pid {}) slot monitor", ::getpid()));
    pqxx::read_transaction tx(*source);
    const auto r = tx.exec_params(std::string(sql::source_cdc_slot_status), m_slot);
    if (!r.empty() && !r[0]["retained_bytes"].is_null()) {
      m_metrics.slot_retained_wal(r[0]["retained_bytes"].as<std::int64_t>());
    }
  } catch (const std::exception& e) {
    spdlog::debug("could not read the retained WAL of slot {} (next try in {} s): {}", m_slot,
                  static_cast<double>(m_interval.count()) / 1000.0, e.what());
  }
}

void SlotMonitor::run() {
  std::unique_lock<std::mutex> lock(m_mutex);
  while (!m_stopping) {
    lock.unlock();
    read_once();
    lock.lock();
    m_wake.wait_for(lock, m_interval, [this] { return m_stopping; });
  }
}

} // namespace acme::ops
