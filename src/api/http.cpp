#include "acme/api/http.hpp"

#include "acme/error.hpp"
#include "acme/obs/metrics.hpp"

#include <array>
#include <cctype>
#include <civetweb.h>
#include <fmt/format.h>
#include <mutex>
#include <spdlog/spdlog.h>

namespace acme::api {

std::optional<std::string> Request::param(const std::string& name) const {
  // A decoded value is never longer than the query string itself.
  std::string buf(query.size() + 1, '\0');
  const int n = mg_get_var(query.data(), query.size(), name.c_str(), buf.data(), buf.size());
  if (n < 0) {
    return std::nullopt;
  }
  buf.resize(static_cast<std::size_t>(n));
  return buf;
}

std::string Request::header(const std::string& name) const {
  std::string key = name;
  for (auto& ch : key) {
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  const auto it = headers.find(key);
  return it == headers.end() ? std::string() : it->second;
}

Response Response::json(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.body = body.dump();
  return r;
}

Response Response::error(int status, const std::string& code, const std::string& message) {
  return json(status, nlohmann::json{{"error", message}, {"code", code}});
}

bool constant_time_equal(const std::string& a, const std::string& b) {
  // Every byte of the longer string is visited whatever the contents, and a length difference
  // only decides the result at the end.
  const std::size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

namespace {

Request read_request(mg_connection* conn) {
  const mg_request_info* ri = mg_get_request_info(conn);
  Request r;
  r.method = ri->request_method != nullptr ? ri->request_method : "";
  r.path = ri->local_uri != nullptr ? ri->local_uri : "";
  r.query = ri->query_string != nullptr ? ri->query_string : "";
  r.remote = ri->remote_addr;
  for (int i = 0; i < ri->num_headers; ++i) {
    std::string name = ri->http_headers[i].name;
    for (auto& ch : name) {
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    r.headers[name] = ri->http_headers[i].value;
  }
  return r;
}

void write_response(mg_connection* conn, const Response& res, bool head) {
  mg_response_header_start(conn, res.status);
  mg_response_header_add(conn, "Content-Type", res.content_type.c_str(), -1);
  const std::string length = std::to_string(res.body.size());
  mg_response_header_add(conn, "Content-Length", length.c_str(), -1);
  mg_response_header_add(conn, "X-Content-Type-Options", "nosniff", -1);
  for (const auto& [name, value] : res.headers) {
    mg_response_header_add(conn, name.c_str(), value.c_str(), -1);
  }
  mg_response_header_send(conn);
  if (!head && !res.body.empty()) {
    mg_write(conn, res.body.data(), res.body.size());
  }
}

} // namespace

struct HttpServer::Impl {
  HttpOptions options;
  Handler handler;
  mg_context* ctx = nullptr;
  int port = 0;

  static int on_request(mg_connection* conn, void* self) {
    return static_cast<Impl*>(self)->serve(conn);
  }
  static int on_log(const mg_connection* /*conn*/, const char* message) {
    spdlog::debug("http: {}", message);
    return 1;
  }

  int serve(mg_connection* conn) {
    const auto started = std::chrono::steady_clock::now();
    Request req = read_request(conn);
    const mg_request_info* ri = mg_get_request_info(conn);
    Response res;
    if (req.method != "GET" && req.method != "HEAD") {
      res = Response::error(405, "method_not_allowed", "only GET and HEAD are served");
      res.headers.emplace_back("Allow", "GET, HEAD");
    } else if (ri->content_length > 0) {
      res = Response::error(413, "body_not_allowed", "requests carry no body");
    } else {
      try {
        res = handler(req);
      } catch (const std::exception& e) {
        spdlog::error("api: {} {} failed: {}", req.method, req.path, e.what());
        res = Response::error(500, "internal", "the request failed; the server log says why");
      }
    }
    write_response(conn, res, req.method == "HEAD");
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    spdlog::info("api: {} {} {} {:.1f} ms {}", req.method, req.path, res.status, ms, req.remote);
    return res.status;
  }
};

HttpServer::HttpServer(HttpOptions options, Handler handler) : m_impl(std::make_unique<Impl>()) {
  static std::once_flag library_init;
  std::call_once(library_init, [] { mg_init_library(0); });
  m_impl->options = std::move(options);
  m_impl->handler = std::move(handler);
  const HttpOptions& o = m_impl->options;
  const std::string& ports = o.address;
  const std::string threads = std::to_string(o.threads);
  const std::string timeout = std::to_string(o.request_timeout.count());
  const std::string header_bytes = std::to_string(o.max_header_bytes);
  std::vector<const char*> opts = {
      "listening_ports",    ports.c_str(),   "num_threads",           threads.c_str(),
      "request_timeout_ms", timeout.c_str(), "max_request_size",      header_bytes.c_str(),
      "enable_keep_alive",  "yes",           "keep_alive_timeout_ms", "5000"};
  // Headers and body go out in separate writes: without TCP_NODELAY a small response waits for
  // the client's delayed ACK (Nagle's algorithm), some 40 ms a request on Linux.
  opts.insert(opts.end(), {"tcp_nodelay", "1"});
  opts.push_back(nullptr);
  mg_callbacks callbacks{};
  callbacks.log_message = &Impl::on_log;
  mg_init_data init{&callbacks, m_impl.get(), opts.data()};
  std::array<char, 256> text{};
  unsigned code = 0;
  mg_error_data error{&code, text.data(), text.size()};
  m_impl->ctx = mg_start2(&init, &error);
  if (m_impl->ctx == nullptr) {
    throw Fatal(fmt::format("acme serve cannot listen on {}: {}", o.address,
                            obs::bind_failure(o.address, text.data())));
  }
  mg_set_request_handler(m_impl->ctx, "/", &Impl::on_request, m_impl.get());
  mg_server_port port{};
  if (mg_get_server_ports(m_impl->ctx, 1, &port) == 1) {
    m_impl->port = port.port;
  }
}

HttpServer::~HttpServer() {
  if (m_impl->ctx != nullptr) {
    mg_stop(m_impl->ctx);
  }
}

int HttpServer::port() const {
  return m_impl->port;
}

} // namespace acme::api
