#include "acme/ops/monitors.hpp"

#include "acme/db/connection.hpp"
#include "acme/quality/evaluator.hpp"
#include "acme/sql/embedded.hpp"

#include <cstdlib>
#include <fmt/format.h>
#include <optional>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace acme::ops {
namespace {

// `fallback`, or the milliseconds in environment variable `name` when it holds a number > 0
// (tests read faster).
std::chrono::milliseconds interval(const char* name, std::chrono::milliseconds fallback) {
  if (const char* v = std::getenv(name); v != nullptr && *v != '\0') {
    char* end = nullptr;
    const long ms = std::strtol(v, &end, 10);
    if (end != nullptr && *end == '\0' && ms > 0) {
      return std::chrono::milliseconds(ms);
    }
  }
  return fallback;
}

double seconds(std::chrono::milliseconds ms) {
  return static_cast<double>(ms.count()) / 1000.0;
}

} // namespace

Monitor::Monitor(std::chrono::milliseconds interval, std::function<void()> read)
    : m_interval(interval), m_read(std::move(read)), m_thread([this] { run(); }) {}

Monitor::~Monitor() {
  {
    const std::lock_guard<std::mutex> lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  m_thread.join();
}

void Monitor::run() {
  std::unique_lock<std::mutex> lock(m_mutex);
  while (!m_stopping) {
    lock.unlock();
    m_read();
    lock.lock();
    m_wake.wait_for(lock, m_interval, [this] { return m_stopping; });
  }
}

std::unique_ptr<Monitor> monitor_slot(const std::string& source_dsn, const std::string& slot,
                                      obs::Metrics& metrics) {
  const auto every = interval("ACME_SLOT_MONITOR_INTERVAL_MS", std::chrono::seconds(10));
  return std::make_unique<Monitor>(every, [source_dsn, slot, &metrics, every] {
    try {
      // A session per reading: nothing held open on the source between them.
      auto source =
          db::connect(source_dsn, "source", fmt::format("acme (pid {}) slot monitor", ::getpid()));
      pqxx::read_transaction tx(*source);
      const auto r = tx.exec_params(std::string(sql::source_cdc_slot_status), slot);
      if (!r.empty() && !r[0]["retained_bytes"].is_null()) {
        metrics.slot_retained_wal(r[0]["retained_bytes"].as<std::int64_t>());
      }
    } catch (const std::exception& e) {
      spdlog::debug("could not read the retained WAL of slot {} (next try in {} s): {}", slot,
                    seconds(every), e.what());
    }
  });
}

std::unique_ptr<Monitor> monitor_quality(const std::string& target_dsn, const std::string& schema,
                                         obs::Metrics& metrics) {
  const auto every = interval("ACME_QUALITY_MONITOR_INTERVAL_MS", std::chrono::seconds(30));
  auto shown = std::make_shared<std::optional<std::int64_t>>(); // the run reported last
  return std::make_unique<Monitor>(every, [target_dsn, schema, &metrics, every, shown] {
    try {
      auto target = db::connect(target_dsn, "target",
                                fmt::format("acme (pid {}) quality monitor", ::getpid()));
      pqxx::read_transaction tx(*target);
      const auto newest = quality::newest_run_id(tx, schema);
      if (newest && newest != *shown) {
        const auto g = quality::run_gauges(tx, schema, *newest);
        metrics.quality_run(g.scores, g.violations);
        *shown = newest;
      }
    } catch (const std::exception& e) {
      spdlog::debug("could not read the newest quality run (next try in {} s): {}", seconds(every),
                    e.what());
    }
  });
}

} // namespace acme::ops
