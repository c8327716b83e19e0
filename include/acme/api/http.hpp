// The HTTP layer of `acme serve`: requests and responses as plain values, and HttpServer, which
// serves one handler over HTTP or HTTPS (cpp-httplib's parser, OpenSSL for TLS) with its limits
// and threads, and logs every request.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace acme::api {

// One request, as the handler sees it.
struct Request {
  std::string method;
  std::string path;                           // decoded, without the query string
  std::string query;                          // raw query string, without '?'
  std::map<std::string, std::string> headers; // names in lower case
  std::string remote;

  // The query parameter `name`, decoded; nullopt when absent.
  std::optional<std::string> param(const std::string& name) const;
  // The header `name` (any case), or an empty string.
  std::string header(const std::string& name) const;
};

// One response: status, content type, body and extra headers.
struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Response json(int status, const nlohmann::json& body);
  // {"error": message, "code": code}: what went wrong in words, and a stable machine code.
  static Response error(int status, const std::string& code, const std::string& message);
};

using Handler = std::function<Response(const Request&)>;

// How the server listens and what it accepts.
struct HttpOptions {
  std::string address = "127.0.0.1:8080";           // HOST:PORT; port 0 picks a free port (tests)
  int threads = 8;                                  // requests served at once
  std::chrono::milliseconds request_timeout{10000}; // reading a request, writing a response
  std::size_t max_header_bytes = 8192;              // request line and headers
  // PEM files: the certificate (chain) and its private key. Both set: HTTPS only; both empty:
  // plain HTTP. Loaded and checked against each other before listening.
  std::string tls_cert;
  std::string tls_key;
};

// Serves `handler` until destroyed. Only GET and HEAD are served (405 otherwise) and a request
// with a body is refused (413) unread: the API is read-only. The request line and headers are
// at most max_header_bytes in all (431, counted as they are read). A handler that throws answers
// 500 with a JSON error that says nothing of the cause (logged instead). Every request is logged:
// method, path, status, duration and remote address (never the query string or headers, which may
// carry a token).
class HttpServer {
public:
  // Throws acme::UsageError (a Fatal) when the certificate or key cannot be loaded or do not
  // match, and acme::Fatal when the address cannot be bound, before anything is served. Requests
  // are parsed by cpp-httplib 0.11 (Debian's libcpp-httplib); the connections (keep-alive,
  // timeouts, the header limit) and TLS (OpenSSL 3, TLS 1.2 at least) are acme's own: see
  // docs/api.md for why not civetweb.
  HttpServer(HttpOptions options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port listened on (the chosen one when the address said 0).
  int port() const;
  // Whether it serves HTTPS.
  bool tls() const;

  class Impl;

private:
  std::unique_ptr<Impl> m_impl;
};

// Loads the TLS certificate and key as HttpServer would, and throws the same acme::UsageError
// if they cannot be used: for a command to refuse them before it starts anything else.
void check_tls_files(const std::string& cert_path, const std::string& key_path);

// Compares two secrets in time that depends only on their lengths, not on where they differ.
bool constant_time_equal(const std::string& a, const std::string& b);

} // namespace acme::api
