// The /metrics endpoint: the Metrics interface the sync loops report cycles, rows, failures and
// retained WAL to, its no-op default, the Prometheus server, and the listen address checks.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace acme::obs {

// The error classes acme's metrics count failures by (include/acme/error.hpp).
enum class ErrorClass { retryable, fatal };

// What the sync loops report to /metrics. Callers hold a Metrics& and never see prometheus-cpp;
// every method is thread-safe. The default implementation does nothing (metrics off).
class Metrics {
public:
  Metrics() = default;
  virtual ~Metrics() = default;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // A committed poll cycle or CDC flush: its duration, rows read/written, and the lag (seconds
  // from the newest source change it could have seen to its commit; negative = unknown).
  virtual void cycle_succeeded(double /*seconds*/, std::int64_t /*rows_read*/,
                               std::int64_t /*rows_written*/, double /*lag_seconds*/) {}
  // The rows of that cycle or flush per table: source table -> rows read, and merge step
  // (etl::MergeCounts::written) -> target rows written (counted under written_table(step)).
  virtual void table_rows(const std::map<std::string, std::int64_t>& /*read_by_table*/,
                          const std::map<std::string, std::int64_t>& /*written_by_step*/) {}
  // A failed cycle, by class.
  virtual void cycle_failed(ErrorClass /*error_class*/) {}
  // CDC mode: WAL the slot retains on the source, in bytes.
  virtual void slot_retained_wal(std::int64_t /*bytes*/) {}
  // The newest recorded `acme quality` run: score per table (and "overall") and violating rows
  // per rule. Replaces the previous run's: a table or rule it does not name disappears.
  virtual void quality_run(const std::map<std::string, double>& /*scores*/,
                           const std::map<std::string, double>& /*violations*/) {}
};

// The target table a merge step writes (`orders_customer_fanout` -> `analytical_orders`,
// `items_deleted` -> `analytical_order_items`, `history` -> `history`, ...); an unknown step is
// its own name. Pure.
std::string written_table(std::string_view step);

// A Metrics that does nothing, for when --metrics-address is not given.
Metrics& no_metrics();

// Serves /metrics on `given` ("HOST:PORT", e.g. 0.0.0.0:9187) until destroyed; `mode` is
// poll or cdc (a label). Throws acme::UsageError on a malformed address and acme::Fatal when
// the port cannot be bound.
std::unique_ptr<Metrics> serve_metrics(const std::string& given, const std::string& mode);

// Checks "HOST:PORT" (port 1-65535, host non-empty, IPv6 in brackets); returns the message of
// the first problem, or an empty string.
std::string metrics_address_problem(const std::string& address);

// A port alone ("9187" or ":9187") means loopback, 127.0.0.1:9187: /metrics (which names the
// target schema and the sync's health) is never exposed on every interface unless the host is
// written out, e.g. 0.0.0.0:9187 in a container. Anything else is returned as it is.
std::string metrics_listen_address(const std::string& address);

// Why an HTTP server could not listen on HOST:PORT, in the system's words: civetweb (/metrics)
// and cpp-httplib (acme serve) only say they failed, so this binds a socket the same way and
// reports its errno ("Address already in use"). `fallback` when that bind succeeds.
std::string bind_failure(const std::string& address, const std::string& fallback);

} // namespace acme::obs
