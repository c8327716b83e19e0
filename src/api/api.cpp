#include "acme/api/api.hpp"

#include "acme/db/connection.hpp"
#include "acme/error.hpp"
#include "acme/sql/embedded.hpp"

#include <fmt/format.h>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <spdlog/spdlog.h>

namespace acme::api {
namespace {

// The route label of a path for metrics (ids collapsed), so that labels stay few.
std::string route_label(const std::string& path) {
  static const std::vector<std::pair<std::string, std::string>> prefixes = {
      {"/api/v1/reports/", "/api/v1/reports/{name}"},
      {"/api/v1/orders/", "/api/v1/orders/{id}"},
      {"/api/v1/customers/", "/api/v1/customers/{id}/orders"}};
  for (const auto& [prefix, label] : prefixes) {
    if (path.rfind(prefix, 0) == 0) {
      return label;
    }
  }
  static const std::vector<std::string> exact = {"/", "/healthz", "/readyz", "/metrics",
                                                 "/api/v1/openapi.json"};
  for (const auto& e : exact) {
    if (path == e) {
      return e;
    }
  }
  return "other";
}

// A Prometheus label value: backslash, quote and newline escaped.
std::string label(const std::string& value) {
  std::string out;
  for (const char ch : value) {
    if (ch == '\\' || ch == '"') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else {
      out += ch;
    }
  }
  return out;
}

} // namespace

std::string Api::quality_gauges_text() const {
  const std::lock_guard<std::mutex> lock(m_mutex);
  if (!m_quality_gauges) {
    return {};
  }
  std::string score = "# HELP acme_quality_score Score (0-100) of the newest `acme quality` run, "
                      "per table and overall.\n# TYPE acme_quality_score gauge\n";
  std::string violations = "# HELP acme_quality_violations Violating rows per rule in the newest "
                           "`acme quality` run.\n# TYPE acme_quality_violations gauge\n";
  for (const auto& [table, value] : m_quality_gauges->scores) {
    score += fmt::format("acme_quality_score{{table=\"{}\"}} {}\n", label(table), value);
  }
  for (const auto& [rule, value] : m_quality_gauges->violations) {
    violations += fmt::format("acme_quality_violations{{rule=\"{}\"}} {}\n", label(rule), value);
  }
  return score + violations;
}

Api::Api(ApiOptions options)
    : m_options(std::move(options)),
      m_pool(m_options.target_dsn, m_options.pool_size, m_options.statement_timeout),
      m_watcher([this] { watch_loop(); }) {}

Api::~Api() {
  {
    const std::lock_guard<std::mutex> lock(m_mutex);
    m_stopping = true;
  }
  m_stop_cv.notify_all();
  m_watcher.join();
}

SyncWatch Api::watch() const {
  const std::lock_guard<std::mutex> lock(m_mutex);
  return m_watch;
}

void Api::read_watch(pqxx::connection& conn) {
  const pqxx::result state = [&] {
    pqxx::nontransaction tx(conn); // ended before the gauges' read below
    return tx.exec(db::with_schema(sql::api_sync_state, m_options.schema));
  }();
  const auto row = state[0];
  SyncWatch w;
  if (!row["sync_id"].is_null()) {
    w.sync_id = row["sync_id"].as<std::int64_t>();
  }
  if (!row["sync_age_seconds"].is_null()) {
    w.sync_age_seconds = row["sync_age_seconds"].as<double>();
  }
  if (!row["quality_run_id"].is_null()) {
    w.quality_run_id = row["quality_run_id"].as<std::int64_t>();
  }
  w.reachable = true;
  w.read_at = std::chrono::steady_clock::now();
  if (w.quality_run_id && (!m_quality_gauges || *w.quality_run_id != m_quality_gauges->run_id)) {
    read_quality_gauges(conn, *w.quality_run_id); // only when a new run was recorded
  }
  const std::lock_guard<std::mutex> lock(m_mutex);
  m_watch = w;
}

void Api::read_quality_gauges(pqxx::connection& conn, std::int64_t quality_run_id) {
  pqxx::nontransaction tx(conn);
  auto gauges = quality::run_gauges(tx, m_options.schema, quality_run_id);
  const std::lock_guard<std::mutex> lock(m_mutex);
  m_quality_gauges = std::move(gauges);
}

// Reads the newest committed sync every watch_interval on a session of its own, so that a
// request never asks the database whether its cached report is still current.
void Api::watch_loop() {
  std::unique_ptr<pqxx::connection> conn;
  std::unique_lock<std::mutex> lock(m_mutex);
  while (!m_stopping) {
    lock.unlock();
    try {
      if (!conn || !conn->is_open()) {
        conn = db::connect(m_options.target_dsn, "target", "acme serve (watch)");
      }
      read_watch(*conn);
    } catch (const std::exception& e) {
      conn.reset();
      spdlog::warn("api: cannot read the newest sync from the target: {}", e.what());
      const std::lock_guard<std::mutex> relock(m_mutex);
      m_watch.reachable = false;
      m_watch.read_at = std::chrono::steady_clock::now();
    }
    lock.lock();
    m_stop_cv.wait_for(lock, m_options.watch_interval, [this] { return m_stopping; });
  }
}

bool Api::authorized(const Request& request) const {
  if (m_options.token.empty()) {
    return true;
  }
  const std::string header = request.header("authorization");
  const std::string scheme = "Bearer ";
  if (header.size() <= scheme.size() || header.compare(0, scheme.size(), scheme) != 0) {
    return false;
  }
  return constant_time_equal(header.substr(scheme.size()), m_options.token);
}

Response Api::handle(const Request& request) {
  Response res;
  try {
    res = route(request);
  } catch (const PoolExhausted&) {
    res = Response::error(503, "busy", "every database session is busy; retry shortly");
    res.headers.emplace_back("Retry-After", "1");
  } catch (const std::exception& e) {
    const std::string state = db::sqlstate_of(e);
    spdlog::error("api: {} {}: {}", request.method, request.path, e.what());
    if (state == "57014") {
      res = Response::error(504, "timeout", "the query took longer than the statement timeout");
    } else if (dynamic_cast<const Fatal*>(&e) != nullptr) {
      res = Response::error(503, "not_ready",
                            "the target has no acme schema yet, or acme "
                            "cannot read it; the server log says why");
    } else {
      res = Response::error(503, "target_unavailable",
                            "the target database cannot answer now; the server log says why");
    }
  }
  const std::lock_guard<std::mutex> lock(m_mutex);
  ++m_requests[{route_label(request.path), res.status}];
  return res;
}

Response Api::route(const Request& request) {
  const std::string& p = request.path;
  if (p == "/healthz") {
    return Response::json(200, {{"status", "ok"}});
  }
  if (p == "/readyz") {
    return ready();
  }
  if (!authorized(request)) {
    Response r =
        Response::error(401, "unauthorized", "this server needs an Authorization: Bearer token");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"acme\"");
    return r;
  }
  if (p == "/metrics") {
    return metrics();
  }
  if (p == "/api/v1/openapi.json") {
    return Response::json(200, openapi());
  }
  if (p == "/") {
    return live_page();
  }
  const std::string reports = "/api/v1/reports/";
  if (p.rfind(reports, 0) == 0) {
    return report(request, p.substr(reports.size()));
  }
  const std::string orders = "/api/v1/orders/";
  if (p.rfind(orders, 0) == 0) {
    return order(p.substr(orders.size()));
  }
  const std::string customers = "/api/v1/customers/";
  const std::string suffix = "/orders";
  if (p.rfind(customers, 0) == 0 && p.size() > customers.size() + suffix.size() &&
      p.compare(p.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return customer_orders(request,
                           p.substr(customers.size(), p.size() - customers.size() - suffix.size()));
  }
  return Response::error(404, "not_found", "no such resource; see /api/v1/openapi.json");
}

Response Api::ready() {
  const SyncWatch w = watch();
  const auto since_read = std::chrono::steady_clock::now() - w.read_at;
  const bool recent = since_read <= 3 * m_options.watch_interval + std::chrono::seconds(1);
  const bool reachable = w.reachable && recent;
  const bool fresh = w.sync_age_seconds && *w.sync_age_seconds <= m_options.max_sync_age.count();
  nlohmann::json body{{"ready", reachable && fresh},
                      {"target_reachable", reachable},
                      {"sync_id", w.sync_id ? nlohmann::json(*w.sync_id) : nlohmann::json()},
                      {"sync_age_seconds",
                       w.sync_age_seconds ? nlohmann::json(*w.sync_age_seconds) : nlohmann::json()},
                      {"max_sync_age_seconds", m_options.max_sync_age.count()}};
  return Response::json(reachable && fresh ? 200 : 503, body);
}

Response Api::metrics() {
  const SyncWatch w = watch();
  std::string out;
  out += "# HELP acme_api_requests_total Requests answered, by route and status.\n"
         "# TYPE acme_api_requests_total counter\n";
  {
    const std::lock_guard<std::mutex> lock(m_mutex);
    for (const auto& [key, n] : m_requests) {
      out += fmt::format("acme_api_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", key.first,
                         key.second, n);
    }
  }
  out += fmt::format("# HELP acme_api_report_cache_hits_total Report requests answered from the "
                     "cache.\n# TYPE acme_api_report_cache_hits_total counter\n"
                     "acme_api_report_cache_hits_total {}\n",
                     m_cache_hits.load());
  out += fmt::format("# HELP acme_api_report_cache_misses_total Report requests computed.\n"
                     "# TYPE acme_api_report_cache_misses_total counter\n"
                     "acme_api_report_cache_misses_total {}\n",
                     m_cache_misses.load());
  out += fmt::format("# HELP acme_api_db_sessions_in_use Target sessions lent to requests.\n"
                     "# TYPE acme_api_db_sessions_in_use gauge\nacme_api_db_sessions_in_use {}\n",
                     m_pool.in_use());
  out += fmt::format("# HELP acme_api_target_reachable 1 when the last read of the newest sync "
                     "succeeded.\n# TYPE acme_api_target_reachable gauge\n"
                     "acme_api_target_reachable {}\n",
                     w.reachable ? 1 : 0);
  if (w.sync_age_seconds) {
    out += fmt::format("# HELP acme_api_sync_age_seconds Age of the newest committed sync.\n"
                       "# TYPE acme_api_sync_age_seconds gauge\nacme_api_sync_age_seconds {}\n",
                       *w.sync_age_seconds);
  }
  out += quality_gauges_text();
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = std::move(out);
  return r;
}

std::optional<Response> Api::from_cache(const std::string& key) {
  const std::lock_guard<std::mutex> lock(m_mutex);
  const auto it = m_cache.find(key);
  if (it == m_cache.end() || !m_watch.sync_id ||
      !(it->second.state == StateKey{m_watch.sync_id, m_watch.quality_run_id})) {
    return std::nullopt;
  }
  Response r;
  r.content_type = it->second.content_type;
  r.body = it->second.body;
  return r;
}

void Api::store(const std::string& key, const StateKey& state, const Response& r) {
  if (!state.sync_id || r.status != 200) {
    return; // a never-synced target has nothing to key the result by
  }
  const std::lock_guard<std::mutex> lock(m_mutex);
  m_cache[key] = Cached{state, r.content_type, r.body};
}

} // namespace acme::api
