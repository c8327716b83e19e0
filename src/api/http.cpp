#include "acme/api/http.hpp"

#include "acme/error.hpp"
#include "acme/obs/metrics.hpp"
#include "tls.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <fmt/format.h>
#include <httplib.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <string_view>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace acme::api {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// A form-encoded value decoded: %XX is the byte XX, '+' a space; a malformed % stays as it is.
std::string form_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const int hi = s[i] == '%' && i + 2 < s.size() ? hex_digit(s[i + 1]) : -1;
    const int lo = hi >= 0 ? hex_digit(s[i + 2]) : -1;
    if (lo >= 0) {
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

} // namespace

std::optional<std::string> Request::param(const std::string& name) const {
  // The first name=value pair of the query string with this name, as civetweb's mg_get_var did.
  std::string_view rest = query;
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos && form_decode(pair.substr(0, eq)) == name) {
      return form_decode(pair.substr(eq + 1));
    }
  }
  return std::nullopt;
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

using Clock = std::chrono::steady_clock;

// What the server's logger and error handler need to know of the request being served on this
// thread (cpp-httplib calls them with its own request only).
struct Exchange {
  std::string remote;
  std::optional<Clock::time_point> started; // the request's first byte
  bool over_header_limit = false;
  bool close = false; // the response said Connection: close
};
thread_local Exchange* t_exchange = nullptr;

// Waits until `fd` is ready for `events` or `timeout` passes, looking every 100 ms whether the
// server is stopping. True when ready.
bool wait_for(int fd, short events, std::chrono::milliseconds timeout,
              const std::atomic<bool>& stopping) {
  const auto deadline = Clock::now() + timeout;
  while (!stopping) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return false;
    }
    pollfd p{fd, events, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(std::min<long>(left.count(), 100)));
    if (rc > 0) {
      return true;
    }
    if (rc < 0 && errno != EINTR) {
      return false;
    }
  }
  return false;
}

std::string numeric_host(const sockaddr_storage& addr, socklen_t len, int& port) {
  std::array<char, NI_MAXHOST> host{};
  std::array<char, NI_MAXSERV> serv{};
  if (::getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, host.data(), host.size(),
                    serv.data(), serv.size(), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    port = -1;
    return {};
  }
  port = std::atoi(serv.data());
  return host.data();
}

// One accepted connection, plain or TLS, as cpp-httplib's parser reads it: through a buffer,
// each read within the request timeout, and at most `budget` bytes per request (its request
// line and headers: a request with a body is refused before the body is read).
class Connection final : public httplib::Stream {
public:
  Connection(int fd, SSL* ssl, const HttpOptions& options, const std::atomic<bool>& stopping)
      : m_fd(fd), m_ssl(ssl), m_options(options), m_stopping(stopping) {}

  void next_request(Exchange& exchange) {
    m_exchange = &exchange;
    m_budget = m_options.max_header_bytes;
    m_written = 0;
  }
  // Bytes of response written since next_request().
  std::size_t written() const { return m_written; }
  bool has_buffered() const {
    return m_pos < m_end || (m_ssl != nullptr && SSL_pending(m_ssl) > 0);
  }

  bool is_readable() const override {
    return has_buffered() || wait_for(m_fd, POLLIN, m_options.request_timeout, m_stopping);
  }
  bool is_writable() const override {
    return wait_for(m_fd, POLLOUT, m_options.request_timeout, m_stopping);
  }
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    ip = ::getpeername(m_fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0
             ? numeric_host(addr, len, port)
             : std::string();
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    ip = ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0
             ? numeric_host(addr, len, port)
             : std::string();
  }
  socket_t socket() const override { return m_fd; }

private:
  bool fill();

  int m_fd;
  SSL* m_ssl;
  const HttpOptions& m_options;
  const std::atomic<bool>& m_stopping;
  Exchange* m_exchange = nullptr;
  std::size_t m_budget = 0;
  std::size_t m_written = 0;
  std::array<char, 4096> m_buf{};
  std::size_t m_pos = 0;
  std::size_t m_end = 0;
};

bool Connection::fill() {
  if (!has_buffered() && !wait_for(m_fd, POLLIN, m_options.request_timeout, m_stopping)) {
    return false;
  }
  const int n = m_ssl != nullptr ? SSL_read(m_ssl, m_buf.data(), static_cast<int>(m_buf.size()))
                                 : static_cast<int>(::recv(m_fd, m_buf.data(), m_buf.size(), 0));
  if (n <= 0) {
    return false;
  }
  m_pos = 0;
  m_end = static_cast<std::size_t>(n);
  return true;
}

ssize_t Connection::read(char* ptr, size_t size) {
  if (m_pos == m_end && !fill()) {
    return -1;
  }
  if (m_budget == 0) {
    m_exchange->over_header_limit = true;
    return -1;
  }
  if (!m_exchange->started) {
    m_exchange->started = Clock::now();
  }
  const std::size_t n = std::min({size, m_end - m_pos, m_budget});
  std::copy_n(m_buf.data() + m_pos, n, ptr);
  m_pos += n;
  m_budget -= n;
  return static_cast<ssize_t>(n);
}

ssize_t Connection::write(const char* ptr, size_t size) {
  std::size_t done = 0;
  while (done < size) {
    if (!is_writable()) {
      return -1;
    }
    // 64 KiB at most a call, as civetweb wrote: on the 517 KB pending-items report, 4-21% more
    // requests/s and a lower p99 than one send of it all (three A/B rounds, two loaded cores).
    const std::size_t left = std::min<std::size_t>(size - done, std::size_t{64} * 1024);
    const int n = m_ssl != nullptr ? SSL_write(m_ssl, ptr + done, static_cast<int>(left))
                                   : static_cast<int>(::send(m_fd, ptr + done, left, MSG_NOSIGNAL));
    if (n <= 0) {
      return -1;
    }
    done += static_cast<std::size_t>(n);
  }
  m_written += size;
  return static_cast<ssize_t>(size);
}

// The 431 answer to a request line longer than the header limit: cpp-httplib gives up on such a
// line without answering, so the answer is written here.
Response header_limit_error(std::size_t limit) {
  return Response::error(431, "headers_too_large",
                         fmt::format("the request line and headers exceed {} bytes", limit));
}

void refuse_long_request_line(Connection& conn, const Exchange& exchange, std::size_t limit) {
  const Response e = header_limit_error(limit);
  const std::string head = fmt::format(
      "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: {}\r\nContent-Length: "
      "{}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
      e.content_type, e.body.size());
  if (conn.write(head.data(), head.size()) > 0) {
    conn.write(e.body.data(), e.body.size());
  }
  const double ms =
      exchange.started
          ? std::chrono::duration<double, std::milli>(Clock::now() - *exchange.started).count()
          : 0.0;
  spdlog::info("api: - - 431 {:.1f} ms {}", ms, exchange.remote);
}

// A read or write that blocks at most the request timeout (a TLS handshake, or a TLS record
// read in parts); the waits above come first, so this only bounds a stalled peer.
void set_socket_timeouts(int fd, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = timeout.count() / 1000;
  tv.tv_usec = (timeout.count() % 1000) * 1000;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  // Headers and body go out in separate writes: without TCP_NODELAY a small response waits for
  // the client's delayed ACK (Nagle's algorithm), some 40 ms a request on Linux.
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Closes `fd` without losing the response: closing with bytes unread (a refused body, headers
// past the limit) makes the kernel reset the connection, which can discard the response before
// the client reads it. So: no more writes, then read what the client still sends, for a moment.
void close_gracefully(int fd) {
  ::shutdown(fd, SHUT_WR);
  std::array<char, 4096> sink{};
  const auto deadline = Clock::now() + std::chrono::seconds(1);
  std::size_t drained = 0;
  while (Clock::now() < deadline && drained < (std::size_t{1} << 20)) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) {
      break;
    }
    const ssize_t n = ::recv(fd, sink.data(), sink.size(), 0);
    if (n <= 0) {
      break;
    }
    drained += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

constexpr std::size_t k_keep_alive_max_requests = 100; // then the connection closes (fairness)
constexpr std::chrono::milliseconds k_keep_alive_timeout{5000};

} // namespace

// cpp-httplib's server with acme's connections: it accepts and parses; acme reads and writes the
// bytes (plain or TLS), bounds the request line and headers, and keeps connections alive.
class HttpServer::Impl final : public httplib::Server {
public:
  HttpOptions options;
  api::Handler handler; // not httplib::Server::Handler
  TlsContext tls;
  int port = 0;
  std::atomic<bool> stopping{false};
  std::atomic<bool> listener_done{false};
  std::thread listener;

  void route(const httplib::Request& req, httplib::Response& res) const;
  Server::HandlerResponse error_page(const httplib::Request& req, httplib::Response& res) const;
  void log(const httplib::Request& req, const httplib::Response& res) const;

private:
  bool process_and_close_socket(socket_t sock) override;
  void serve_connection(Connection& conn, const std::string& remote);
};

bool HttpServer::Impl::process_and_close_socket(socket_t sock) {
  set_socket_timeouts(sock, options.request_timeout);
  std::string remote;
  int remote_port = 0;
  Connection(sock, nullptr, options, stopping).get_remote_ip_and_port(remote, remote_port);
  SSL* ssl = nullptr;
  if (tls) {
    ssl = SSL_new(tls.get());
    if (ssl == nullptr || SSL_set_fd(ssl, sock) != 1 || SSL_accept(ssl) != 1) {
      // Not TLS (plain HTTP to the HTTPS port), a failed handshake or a timeout: no response.
      spdlog::debug("api: TLS handshake with {} failed", remote);
      SSL_free(ssl);
      ERR_clear_error();
      close_gracefully(sock);
      return true;
    }
  }
  {
    Connection conn(sock, ssl, options, stopping);
    serve_connection(conn, remote);
  }
  if (ssl != nullptr) {
    SSL_shutdown(ssl); // close_notify, without waiting for the peer's
    SSL_free(ssl);
    ERR_clear_error();
  }
  close_gracefully(sock);
  return true;
}

void HttpServer::Impl::serve_connection(Connection& conn, const std::string& remote) {
  // Requests one after another on this connection until it closes, idles, errs or is done.
  for (std::size_t count = 1;; ++count) {
    Exchange exchange{remote, std::nullopt, false, false};
    conn.next_request(exchange);
    t_exchange = &exchange;
    bool closed = false;
    const bool last = count >= k_keep_alive_max_requests;
    const bool ok = process_request(conn, last, closed, [](httplib::Request& req) {
      req.ranges.clear(); // whole bodies only, as before: a Range header is ignored
      // Bodies go out as they are, as before: cpp-httplib would gzip or brotli each response
      // again for a client that accepts it (CPU per request, a cached report included).
      req.headers.erase("Accept-Encoding");
    });
    t_exchange = nullptr;
    if (!ok && exchange.over_header_limit && conn.written() == 0) {
      refuse_long_request_line(conn, exchange, options.max_header_bytes);
    }
    if (!ok || closed || exchange.close || last || stopping) {
      return;
    }
    if (!conn.has_buffered() && !wait_for(conn.socket(), POLLIN, k_keep_alive_timeout, stopping)) {
      return;
    }
  }
}

void HttpServer::Impl::route(const httplib::Request& req, httplib::Response& res) const {
  Request r;
  r.method = req.method;
  r.path = req.path;
  const auto q = req.target.find('?');
  r.query = q == std::string::npos ? std::string() : req.target.substr(q + 1);
  r.remote = t_exchange != nullptr ? t_exchange->remote : req.remote_addr;
  for (const auto& [name, value] : req.headers) {
    std::string key = name;
    for (auto& ch : key) {
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    r.headers.emplace(std::move(key), value); // the first of repeated headers, as civetweb did
  }
  Response out;
  if (r.method != "GET" && r.method != "HEAD") {
    out = Response::error(405, "method_not_allowed", "only GET and HEAD are served");
    out.headers.emplace_back("Allow", "GET, HEAD");
  } else if (req.get_header_value<std::uint64_t>("Content-Length") > 0 ||
             req.has_header("Transfer-Encoding")) {
    out = Response::error(413, "body_not_allowed", "requests carry no body");
  } else {
    try {
      out = handler(r);
    } catch (const std::exception& e) {
      spdlog::error("api: {} {} failed: {}", r.method, r.path, e.what());
      out = Response::error(500, "internal", "the request failed; the server log says why");
    }
  }
  res.status = out.status;
  res.body = std::move(out.body); // what set_content does, without copying the body
  res.set_header("Content-Type", out.content_type);
  res.set_header("X-Content-Type-Options", "nosniff");
  for (const auto& [name, value] : out.headers) {
    res.set_header(name, value);
  }
  if (out.status == 405 || out.status == 413) {
    res.set_header("Connection", "close"); // an unread body must not be taken for a request
    if (t_exchange != nullptr) {
      t_exchange->close = true;
    }
  }
}

httplib::Server::HandlerResponse HttpServer::Impl::error_page(const httplib::Request& /*req*/,
                                                              httplib::Response& res) const {
  if (!res.body.empty()) {
    return HandlerResponse::Unhandled; // the handler's own error
  }
  // cpp-httplib refused the request before routing: malformed, a URI over 8 KiB (414), a bad
  // Range (416), or acme's header limit (431).
  if (t_exchange != nullptr && t_exchange->over_header_limit) {
    res.status = 431;
  }
  const Response e = res.status == 431 ? header_limit_error(options.max_header_bytes)
                                       : Response::error(res.status, "bad_request",
                                                         "the request could not be parsed");
  res.set_content(e.body, e.content_type);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Connection", "close"); // what follows a refused request is not one
  if (t_exchange != nullptr) {
    t_exchange->close = true;
  }
  return HandlerResponse::Handled;
}

void HttpServer::Impl::log(const httplib::Request& req, const httplib::Response& res) const {
  const Exchange* x = t_exchange;
  const double ms =
      x != nullptr && x->started
          ? std::chrono::duration<double, std::milli>(Clock::now() - *x->started).count()
          : 0.0;
  spdlog::info("api: {} {} {} {:.1f} ms {}", req.method, req.path, res.status, ms,
               x != nullptr ? x->remote : req.remote_addr);
}

namespace {

// HOST and PORT of HOST:PORT or [IPv6]:PORT.
std::pair<std::string, int> split_address(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    throw Fatal(fmt::format("acme serve cannot listen on '{}': expected HOST:PORT", address));
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port = address.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos) {
    throw Fatal(fmt::format("acme serve cannot listen on '{}': bad port", address));
  }
  return {host, std::stoi(port)};
}

} // namespace

void check_tls_files(const std::string& cert_path, const std::string& key_path) {
  load_tls_context(cert_path, key_path);
}

HttpServer::HttpServer(HttpOptions options, Handler handler) : m_impl(std::make_unique<Impl>()) {
  Impl& s = *m_impl;
  s.options = std::move(options);
  s.handler = std::move(handler);
  const HttpOptions& o = s.options;
  if (!o.tls_cert.empty() || !o.tls_key.empty()) {
    s.tls = load_tls_context(o.tls_cert, o.tls_key); // before binding: nothing half-started
  }
  std::signal(SIGPIPE, SIG_IGN); // a client gone mid-response is an error of that write only
  const std::size_t threads = static_cast<std::size_t>(std::max(1, o.threads));
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.set_socket_options([](socket_t fd) {
    // Not SO_REUSEPORT (cpp-httplib's default): a port in use must fail, not be shared.
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  });
  Impl* self = &s;
  s.set_pre_routing_handler([self](const httplib::Request& req, httplib::Response& res) {
    self->route(req, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  s.set_error_handler(httplib::Server::HandlerWithResponse(
      [self](const httplib::Request& req, httplib::Response& res) {
        return self->error_page(req, res);
      }));
  s.set_keep_alive_max_count(k_keep_alive_max_requests); // what the Keep-Alive header says
  s.set_keep_alive_timeout(
      std::chrono::duration_cast<std::chrono::seconds>(k_keep_alive_timeout).count());
  s.set_logger(
      [self](const httplib::Request& req, const httplib::Response& res) { self->log(req, res); });
  const auto [host, port] = split_address(o.address);
  s.port = port == 0 ? s.bind_to_any_port(host) : (s.bind_to_port(host, port) ? port : -1);
  if (s.port <= 0) {
    throw Fatal(fmt::format("acme serve cannot listen on {}: {}", o.address,
                            obs::bind_failure(o.address, "cannot bind")));
  }
  s.listener = std::thread([self] {
    self->listen_after_bind();
    self->listener_done = true;
  });
  while (!s.is_running() && !s.listener_done) { // stop() before listening would not stop it
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

HttpServer::~HttpServer() {
  m_impl->stopping = true;
  m_impl->stop();
  if (m_impl->listener.joinable()) {
    m_impl->listener.join();
  }
}

int HttpServer::port() const {
  return m_impl->port;
}

bool HttpServer::tls() const {
  return static_cast<bool>(m_impl->tls);
}

} // namespace acme::api
