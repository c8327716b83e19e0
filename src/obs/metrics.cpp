#include "acme/obs/metrics.hpp"

#include "acme/error.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <netdb.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <sys/socket.h>
#include <unistd.h>

namespace acme::obs {
namespace {

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// prometheus-cpp's families are thread-safe; this class only wires them together.
class PrometheusMetrics final : public Metrics {
public:
  PrometheusMetrics(const std::string& address, const std::string& mode)
      : m_registry(std::make_shared<prometheus::Registry>()),
        m_up(prometheus::BuildGauge()
                 .Name("acme_up")
                 .Help("1 while acme run-continuous-etl is running")
                 .Register(*m_registry)
                 .Add({{"mode", mode}})),
        m_last_success(prometheus::BuildGauge()
                           .Name("acme_last_success_timestamp_seconds")
                           .Help("Unix time of the last committed cycle (poll) or flush (cdc)")
                           .Register(*m_registry)
                           .Add({})),
        m_lag(prometheus::BuildGauge()
                  .Name("acme_lag_seconds")
                  .Help("Seconds from the source state the last commit read to that commit")
                  .Register(*m_registry)
                  .Add({})),
        m_cycles(prometheus::BuildCounter()
                     .Name("acme_cycles_total")
                     .Help("Committed poll cycles or CDC flushes")
                     .Register(*m_registry)
                     .Add({})),
        m_duration(
            prometheus::BuildHistogram()
                .Name("acme_cycle_duration_seconds")
                .Help("Duration of committed poll cycles or CDC flushes")
                .Register(*m_registry)
                .Add({}, prometheus::Histogram::BucketBoundaries{0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                                 1, 2.5, 5, 10, 30, 60, 300})),
        m_rows_read(prometheus::BuildCounter()
                        .Name("acme_rows_read_total")
                        .Help("Source rows read")
                        .Register(*m_registry)
                        .Add({})),
        m_rows_written(prometheus::BuildCounter()
                           .Name("acme_rows_written_total")
                           .Help("Target rows inserted, updated or deleted")
                           .Register(*m_registry)
                           .Add({})),
        m_table_read(prometheus::BuildCounter()
                         .Name("acme_table_rows_read_total")
                         .Help("Source rows read (poll) per source table")
                         .Register(*m_registry)),
        m_table_written(prometheus::BuildCounter()
                            .Name("acme_table_rows_written_total")
                            .Help("Target rows inserted, updated or deleted per target table "
                                  "(history: both history tables)")
                            .Register(*m_registry)),
        m_retained_wal(prometheus::BuildGauge()
                           .Name("acme_cdc_slot_retained_wal_bytes")
                           .Help("WAL acme's replication slot retains on the source "
                                 "(pg_current_wal_lsn() - restart_lsn), read every 10 s")
                           .Register(*m_registry)),
        m_quality_score(prometheus::BuildGauge()
                            .Name("acme_quality_score")
                            .Help("Score (0-100) of the newest `acme quality` run, per table and "
                                  "overall (read every 30 s)")
                            .Register(*m_registry)),
        m_quality_violations(prometheus::BuildGauge()
                                 .Name("acme_quality_violations")
                                 .Help("Violating rows per rule in the newest `acme quality` run")
                                 .Register(*m_registry)),
        m_errors(prometheus::BuildCounter()
                     .Name("acme_errors_total")
                     .Help("Failed cycles by class: retryable (acme::Error) or fatal (acme::Fatal)")
                     .Register(*m_registry)),
        m_errors_retryable(m_errors.Add({{"class", "retryable"}})),
        m_errors_fatal(m_errors.Add({{"class", "fatal"}})) {
    try {
      m_exposer = std::make_unique<prometheus::Exposer>(address);
    } catch (const std::exception& e) {
      throw Fatal("cannot serve metrics on " + address + ": " + bind_failure(address, e.what()));
    }
    m_exposer->RegisterCollectable(m_registry);
    m_up.Set(1);
  }

  void cycle_succeeded(double seconds, std::int64_t rows_read, std::int64_t rows_written,
                       double lag_seconds) override {
    m_cycles.Increment();
    m_duration.Observe(seconds);
    m_rows_read.Increment(static_cast<double>(rows_read));
    m_rows_written.Increment(static_cast<double>(rows_written));
    m_last_success.Set(unix_now());
    if (lag_seconds >= 0) {
      m_lag.Set(lag_seconds);
    }
  }

  void table_rows(const std::map<std::string, std::int64_t>& read_by_table,
                  const std::map<std::string, std::int64_t>& written_by_step) override {
    for (const auto& [table, n] : read_by_table) {
      m_table_read.Add({{"table", table}}).Increment(static_cast<double>(n));
    }
    for (const auto& [step, n] : written_by_step) {
      m_table_written.Add({{"table", written_table(step)}}).Increment(static_cast<double>(n));
    }
  }

  void slot_retained_wal(std::int64_t bytes) override {
    // Created at the first reading: before it the value is unknown, not 0.
    m_retained_wal.Add({}).Set(static_cast<double>(bytes));
  }

  void quality_run(const std::map<std::string, double>& scores,
                   const std::map<std::string, double>& violations) override {
    const std::lock_guard<std::mutex> lock(m_quality_mutex);
    replace(m_quality_score, "table", scores, m_scores);
    replace(m_quality_violations, "rule", violations, m_violations);
  }

  void cycle_failed(ErrorClass error_class) override {
    (error_class == ErrorClass::fatal ? m_errors_fatal : m_errors_retryable).Increment();
  }

private:
  // Sets `family`'s series to `values` (label `key`), removing those `values` no longer names.
  static void replace(prometheus::Family<prometheus::Gauge>& family, const std::string& key,
                      const std::map<std::string, double>& values,
                      std::map<std::string, prometheus::Gauge*>& shown) {
    for (auto it = shown.begin(); it != shown.end();) {
      if (values.count(it->first) == 0) {
        family.Remove(it->second);
        it = shown.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& [name, value] : values) {
      auto& gauge = shown[name];
      if (gauge == nullptr) {
        gauge = &family.Add({{key, name}});
      }
      gauge->Set(value);
    }
  }

  std::shared_ptr<prometheus::Registry> m_registry;
  prometheus::Gauge& m_up;
  prometheus::Gauge& m_last_success;
  prometheus::Gauge& m_lag;
  prometheus::Counter& m_cycles;
  prometheus::Histogram& m_duration;
  prometheus::Counter& m_rows_read;
  prometheus::Counter& m_rows_written;
  prometheus::Family<prometheus::Counter>& m_table_read;
  prometheus::Family<prometheus::Counter>& m_table_written;
  prometheus::Family<prometheus::Gauge>& m_retained_wal;
  prometheus::Family<prometheus::Gauge>& m_quality_score;
  prometheus::Family<prometheus::Gauge>& m_quality_violations;
  std::mutex m_quality_mutex; // the series shown, below
  std::map<std::string, prometheus::Gauge*> m_scores;
  std::map<std::string, prometheus::Gauge*> m_violations;
  prometheus::Family<prometheus::Counter>& m_errors;
  prometheus::Counter& m_errors_retryable;
  prometheus::Counter& m_errors_fatal;
  std::unique_ptr<prometheus::Exposer> m_exposer; // last: stops serving before the rest goes
};

} // namespace

std::string written_table(std::string_view step) {
  const auto starts = [step](std::string_view prefix) { return step.rfind(prefix, 0) == 0; };
  if (starts("orders") || step == "order_totals") {
    return "analytical_orders";
  }
  if (starts("items")) {
    return "analytical_order_items";
  }
  if (starts("customers")) {
    return "customers";
  }
  if (starts("products")) {
    return "products";
  }
  return std::string(step);
}

Metrics& no_metrics() {
  static Metrics k_none; // stateless
  return k_none;
}

// Why an HTTP server could not listen on HOST:PORT, in the system's words: CivetServer only says
// it failed ("null context when constructing CivetServer"), cpp-httplib's bind_to_port only
// false, so bind a socket the same way and report its errno ("Address already in use", "Cannot
// assign requested address"). `fallback` when that bind succeeds.
std::string bind_failure(const std::string& address, const std::string& fallback) {
  const auto colon = address.rfind(':');
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), address.c_str() + colon + 1, &hints, &found);
      rc != 0) {
    return ::gai_strerror(rc);
  }
  std::string why = fallback;
  const int fd = ::socket(found->ai_family, found->ai_socktype, found->ai_protocol);
  if (fd >= 0) {
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); // as both servers do
    if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0) {
      why = std::strerror(errno);
    }
    ::close(fd);
  }
  ::freeaddrinfo(found);
  return why;
}

std::string metrics_address_problem(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return "expected HOST:PORT, e.g. 0.0.0.0:9187";
  }
  const std::string host = address.substr(0, colon);
  const std::string port = address.substr(colon + 1);
  if (host.find(':') != std::string::npos && (host.front() != '[' || host.back() != ']')) {
    return "an IPv6 host must be in brackets, e.g. [::1]:9187";
  }
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos) {
    return "the port must be a number from 1 to 65535";
  }
  const long n = std::stol(port);
  if (n < 1 || n > 65535) {
    return "the port must be a number from 1 to 65535";
  }
  return {};
}

std::string metrics_listen_address(const std::string& address) {
  const std::string port = !address.empty() && address.front() == ':' ? address.substr(1) : address;
  if (!port.empty() && port.find_first_not_of("0123456789") == std::string::npos) {
    return "127.0.0.1:" + port;
  }
  return address;
}

std::unique_ptr<Metrics> serve_metrics(const std::string& given, const std::string& mode) {
  const std::string address = metrics_listen_address(given);
  if (const auto problem = metrics_address_problem(address); !problem.empty()) {
    throw UsageError("invalid ACME_METRICS_ADDRESS / --metrics-address '" + address +
                     "': " + problem);
  }
  return std::make_unique<PrometheusMetrics>(address, mode);
}

} // namespace acme::obs
