// `acme serve`'s routes over the target: the reports (JSON or CSV, cached per committed sync),
// one order, a customer's orders, health, readiness, metrics, the OpenAPI document and the live
// HTML report. Api turns a Request into a Response; HttpServer (http.hpp) carries them.
#pragma once

#include "acme/api/http.hpp"
#include "acme/api/pool.hpp"
#include "acme/quality/evaluator.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/transaction_base>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace acme::api {

struct ApiOptions {
  std::string target_dsn;
  std::string schema = "analytics";
  std::string token; // empty: no authentication (loopback only; the command enforces it)
  int pool_size = 4;
  std::chrono::milliseconds statement_timeout{5000};
  std::chrono::milliseconds pool_wait{2000};         // a request waits this long for a session
  std::chrono::milliseconds watch_interval{1000};    // how often the newest sync is read
  std::chrono::duration<double> max_sync_age{300.0}; // /readyz: newest sync at most this old
  int page_refresh_seconds = 30;                     // GET /: the page reloads itself
};

// The target's state as the watcher last read it: what a cached report is valid for.
struct SyncWatch {
  std::optional<std::int64_t> sync_id;        // nullopt: never synced (or not read yet)
  std::optional<std::int64_t> quality_run_id; // the newest recorded `acme quality` run
  std::optional<double> sync_age_seconds;
  bool reachable = false;                          // the last read succeeded
  std::chrono::steady_clock::time_point read_at{}; // when it was read
};

// The largest page GET /api/v1/customers/{id}/orders returns, and its default.
inline constexpr int k_max_page = 500;
inline constexpr int k_default_page = 50;

class Api {
public:
  // Starts the watcher thread (reads the newest sync every watch_interval).
  explicit Api(ApiOptions options);
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  Response handle(const Request& request);

  // The OpenAPI 3 document of every route (built from the report catalog's columns).
  static nlohmann::json openapi();

  // For tests and /metrics: report requests answered from the cache, and computed.
  std::int64_t cache_hits() const { return m_cache_hits; }
  std::int64_t cache_misses() const { return m_cache_misses; }
  SyncWatch watch() const;

private:
  Response route(const Request& request);
  Response report(const Request& request, const std::string& name);
  Response order(const std::string& id);
  Response customer_orders(const Request& request, const std::string& id);
  Response ready();
  Response metrics();
  std::string quality_gauges_text() const;
  Response live_page();
  bool authorized(const Request& request) const;
  void watch_loop();
  void read_watch(pqxx::connection& conn);

  // What a snapshot saw: a result computed in it is valid while the watcher sees the same.
  struct StateKey {
    std::optional<std::int64_t> sync_id;
    std::optional<std::int64_t> quality_run_id;
    bool operator==(const StateKey& o) const {
      return sync_id == o.sync_id && quality_run_id == o.quality_run_id;
    }
  };
  struct Cached {
    StateKey state;
    std::string content_type;
    std::string body;
  };
  // The response stored under `key` while the watcher still sees the state it was computed for;
  // else `compute` runs in a snapshot of the target (its schema checked) with the state that
  // snapshot sees and its now() in UTC, and the result is stored under that state.
  using Compute = std::function<Response(pqxx::transaction_base& tx, const StateKey& state,
                                         const std::string& generated_at)>;
  Response cached(const std::string& key, const Compute& compute);
  std::tuple<StateKey, std::string> snapshot_state(pqxx::transaction_base& tx) const;
  std::optional<Response> from_cache(const std::string& key);
  void store(const std::string& key, const StateKey& state, const Response& r);
  void read_quality_gauges(pqxx::connection& conn, std::int64_t quality_run_id);

  ApiOptions m_options;
  ConnectionPool m_pool;
  mutable std::mutex m_mutex; // m_watch, m_cache, m_requests
  SyncWatch m_watch;
  std::map<std::string, Cached> m_cache;
  std::map<std::pair<std::string, int>, std::int64_t> m_requests; // (route, status) -> count
  // The newest quality run's gauges (none before the first run).
  std::optional<quality::RunGauges> m_quality_gauges;
  std::atomic<std::int64_t> m_cache_hits{0};
  std::atomic<std::int64_t> m_cache_misses{0};
  std::condition_variable m_stop_cv;
  bool m_stopping = false;
  std::thread m_watcher; // last: started once everything above exists
};

} // namespace acme::api
