// SlotMonitor: in CDC mode with metrics, a thread that periodically reads the WAL acme's
// replication slot retains on the source and reports it to /metrics.
#pragma once

#include "acme/obs/metrics.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace acme::ops {

// CDC mode with metrics: reads the WAL acme's replication slot retains on the source
// (sql/source/cdc_slot_status.sql, its own short-lived read-only session) at start and then
// every `interval`, and reports it to obs::Metrics::slot_retained_wal, until destroyed. A failed
// reading is logged at debug level and retried at the next interval: the stream reports its own
// connection errors, and a missing or lost slot simply leaves the last value.
class SlotMonitor {
public:
  SlotMonitor(std::string source_dsn, std::string slot, obs::Metrics& metrics,
              std::chrono::milliseconds interval);
  ~SlotMonitor();
  SlotMonitor(const SlotMonitor&) = delete;
  SlotMonitor& operator=(const SlotMonitor&) = delete;

  // 10 s, or ACME_SLOT_MONITOR_INTERVAL_MS when set (> 0; for tests).
  static std::chrono::milliseconds default_interval();

private:
  void read_once();
  void run();

  std::string m_source_dsn;
  std::string m_slot;
  obs::Metrics& m_metrics;
  std::chrono::milliseconds m_interval;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stopping = false;
  std::thread m_thread; // last: starts once everything above is ready
};

} // namespace acme::ops
