// What run-continuous-etl reads on the side for /metrics: Monitor, a thread that takes a reading
// at start and then every interval until destroyed, and the two readings it runs: the WAL acme's
// replication slot retains on the source (CDC) and the newest recorded quality run (both modes).
#pragma once

#include "acme/obs/metrics.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace acme::ops {

// Runs `read` at start and then every `interval` on a thread of its own, until destroyed. A
// reading must not throw: it logs its own failures (at debug level: the sync reports its own
// connection errors) and is simply tried again at the next interval.
class Monitor {
public:
  Monitor(std::chrono::milliseconds interval, std::function<void()> read);
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

private:
  void run();

  std::chrono::milliseconds m_interval;
  std::function<void()> m_read;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stopping = false;
  std::thread m_thread; // last: starts once everything above is ready
};

// CDC mode: the WAL acme's replication slot retains on the source (sql/source/cdc_slot_status.sql,
// a short-lived read-only session each time), reported to obs::Metrics::slot_retained_wal; a
// missing or lost slot leaves the last value. Every 10 s, or ACME_SLOT_MONITOR_INTERVAL_MS.
std::unique_ptr<Monitor> monitor_slot(const std::string& source_dsn, const std::string& slot,
                                      obs::Metrics& metrics);

// The newest recorded `acme quality` run on the target, reported to obs::Metrics::quality_run
// when a new run appears (one small query per reading otherwise). Every 30 s, or
// ACME_QUALITY_MONITOR_INTERVAL_MS.
std::unique_ptr<Monitor> monitor_quality(const std::string& target_dsn, const std::string& schema,
                                         obs::Metrics& metrics);

} // namespace acme::ops
