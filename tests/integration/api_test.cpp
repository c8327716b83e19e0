// acme serve over real HTTP against a real target: the reports identical to export-reports' CSVs
// and valid against the OpenAPI document, the cache per committed sync, one order, keyset
// pagination, authentication, limits, a slow client, readiness and the command's refusals.
#include "acme/api/api.hpp"
#include "acme/api/http.hpp"
#include "acme/report/html.hpp"
#include "acme/report/html_report.hpp"
#include "acme/report/reports.hpp"
#include "support/chromium.hpp"
#include "support/etl_fixture.hpp"
#include "support/temp_dir.hpp"

#include <arpa/inet.h>
#include <array>
#include <csignal>
#include <fstream>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace acme::test {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

struct Reply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers; // names in lower case
  std::string error;                          // why no response came, when status is 0
};

// One GET (or another method) over a fresh connection, with cpp-httplib's client: HTTPS when
// `ca_cert` names the PEM certificate to verify the server with (its name: 127.0.0.1), else HTTP.
// A request that gets no response has status 0 and the client's error in `error`.
Reply http(int port, const std::string& path, const std::vector<std::string>& headers = {},
           const std::string& ca_cert = "", const std::string& method = "GET") {
  std::unique_ptr<httplib::ClientImpl> client;
  if (ca_cert.empty()) {
    client = std::make_unique<httplib::ClientImpl>("127.0.0.1", port);
  } else {
    auto tls = std::make_unique<httplib::SSLClient>("127.0.0.1", port);
    tls->set_ca_cert_path(ca_cert);
    tls->enable_server_certificate_verification(true);
    client = std::move(tls);
  }
  client->set_connection_timeout(10);
  client->set_read_timeout(10);
  client->set_keep_alive(false);
  client->set_url_encode(false);
  client->set_decompress(false); // the bytes as they came
  httplib::Request req;
  req.method = method;
  req.path = path;
  for (const auto& h : headers) {
    const auto colon = h.find(": ");
    req.set_header(h.substr(0, colon), h.substr(colon + 2));
  }
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  Reply r;
  if (!client->send(req, res, error)) {
    r.error = httplib::to_string(error);
    return r;
  }
  r.status = res.status;
  r.body = res.body;
  for (const auto& [name, value] : res.headers) {
    std::string key = name;
    for (auto& ch : key) {
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    r.headers[key] = value;
  }
  return r;
}

// A raw TCP connection to the server (for what a well-behaved client would not send).
int raw_connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return fd;
}

// A throwaway self-signed certificate for 127.0.0.1 and its unencrypted key, made by the openssl
// command in `dir` as NAME.crt and NAME.key.
struct TestCert {
  std::string cert;
  std::string key;
};
TestCert make_cert(const TempDir& dir, const std::string& name) {
  TestCert c{(dir.path() / (name + ".crt")).string(), (dir.path() / (name + ".key")).string()};
  const std::string openssl = find_program("openssl");
  EXPECT_FALSE(openssl.empty()) << "the openssl command must be installed: scripts/install-deps";
  const auto r = run_process({openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                              "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", c.key, "-out",
                              c.cert, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                              "subjectAltName=IP:127.0.0.1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return c;
}

// A TCP port nobody listens on right now (the kernel's pick).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Checks `value` against an OpenAPI 3.0 schema: the subset acme's document uses ($ref, type,
// nullable, required, properties, items, oneOf, enum). Returns the first problem, or "".
std::string check_schema(const json& doc, const json& schema, const json& value,
                         const std::string& at) {
  if (schema.contains("$ref")) {
    const std::string name = schema["$ref"].get<std::string>().substr(21);
    return check_schema(doc, doc["components"]["schemas"][name], value, at);
  }
  if (value.is_null()) {
    return schema.value("nullable", false) ? "" : at + ": null but not nullable";
  }
  if (schema.contains("oneOf")) {
    int matched = 0;
    for (const auto& s : schema["oneOf"]) {
      matched += check_schema(doc, s, value, at).empty() ? 1 : 0;
    }
    return matched == 1 ? "" : at + ": matches " + std::to_string(matched) + " of oneOf";
  }
  const std::string type = schema.value("type", "");
  const bool ok =
      type.empty() || (type == "object" && value.is_object()) ||
      (type == "array" && value.is_array()) || (type == "string" && value.is_string()) ||
      (type == "integer" && value.is_number_integer()) || (type == "number" && value.is_number()) ||
      (type == "boolean" && value.is_boolean());
  if (!ok) {
    return at + ": expected " + type + ", got " + value.dump();
  }
  for (const auto& req : schema.value("required", json::array())) {
    if (!value.contains(req.get<std::string>())) {
      return at + ": missing " + req.get<std::string>();
    }
  }
  if (schema.contains("properties")) {
    for (const auto& [name, sub] : schema["properties"].items()) {
      if (value.contains(name)) {
        if (auto p = check_schema(doc, sub, value[name], at + "." + name); !p.empty()) {
          return p;
        }
      }
    }
  }
  if (schema.contains("items")) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (auto p = check_schema(doc, schema["items"], value[i], at + "[" + std::to_string(i) + "]");
          !p.empty()) {
        return p;
      }
    }
  }
  return {};
}

// The 200 response schema of `path` for `media`.
json response_schema(const json& doc, const std::string& path,
                     const std::string& media = "application/json") {
  return doc["paths"][path]["get"]["responses"]["200"]["content"][media]["schema"];
}

class ApiTest : public EtlTest {
protected:
  void SetUp() override {
    EtlTest::SetUp();
    seed();
    sync();
  }
  void TearDown() override {
    m_server.reset();
    m_api.reset();
    EtlTest::TearDown();
  }

  void start(api::ApiOptions options = {}, api::HttpOptions http_options = {}) {
    options.target_dsn = config().target_dsn;
    options.schema = m_target_schema;
    options.watch_interval = std::chrono::milliseconds(100);
    http_options.address = "127.0.0.1:0";
    m_server.reset();
    m_api = std::make_unique<api::Api>(options);
    m_server = std::make_unique<api::HttpServer>(
        http_options, [this](const api::Request& r) { return m_api->handle(r); });
    wait_for_sync_id();
  }

  // Until the watcher has read the newest committed sync.
  void wait_for_sync_id() {
    const std::string newest =
        tgt_value("SELECT max(run_id) FROM " + tgt("acme_runs") + " WHERE status = 'succeeded'");
    for (int i = 0; i < 100; ++i) {
      const auto w = m_api->watch();
      if (w.sync_id && std::to_string(*w.sync_id) == newest) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "the watcher never saw sync " << newest;
  }

  Reply get(const std::string& path, const std::vector<std::string>& headers = {}) {
    return http(m_server->port(), path, headers);
  }

  std::unique_ptr<api::Api> m_api;
  std::unique_ptr<api::HttpServer> m_server;
};

TEST_F(ApiTest, ReportsAreExportReportsCsvsByteForByteAndTheirJsonMatchesTheOpenApiDocument) {
  start();
  TempDir dir("api");
  ASSERT_EQ(acme({"quality"}).exit_code, 0); // a recorded run for the quality report
  wait_for_sync_id();
  const auto exported =
      acme({"export-reports", "--all", "--quality", "--output-dir", dir.path().string()});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const json doc = json::parse(get("/api/v1/openapi.json").body);
  for (const auto& r : report::catalog()) {
    const std::string path = "/api/v1/reports/" + std::string(r.name);
    const Reply csv = get(path + "?format=csv");
    ASSERT_EQ(csv.status, 200) << path << ": " << csv.body;
    EXPECT_EQ(csv.headers.at("content-type"), "text/csv; charset=utf-8");
    const std::string expected = read_file(dir.path() / std::string(r.file_name));
    EXPECT_EQ(csv.body, expected) << path;

    const Reply js = get(path);
    ASSERT_EQ(js.status, 200) << path;
    const json body = json::parse(js.body);
    EXPECT_EQ(check_schema(doc, response_schema(doc, path), body, path), "");
    const auto lines = std::count(expected.begin(), expected.end(), '\n');
    EXPECT_EQ(static_cast<long>(body["rows"].size()), lines - 1) << path;
  }
}

TEST_F(ApiTest, RepeatedReportRequestsAreServedFromTheCacheUntilANewerSyncCommits) {
  start();
  const Reply first = get("/api/v1/reports/top-customers");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(m_api->cache_misses(), 1);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(get("/api/v1/reports/top-customers").body, first.body);
  }
  // The stored bytes as they are, to a client that accepts compression too (not compressed
  // again on every request).
  const Reply accepting = get("/api/v1/reports/top-customers", {"Accept-Encoding: gzip, br"});
  EXPECT_EQ(accepting.headers.count("content-encoding"), 0U);
  EXPECT_EQ(accepting.body, first.body);
  EXPECT_EQ(m_api->cache_misses(), 1);
  EXPECT_EQ(m_api->cache_hits(), 5);
  // The CSV is another entry of the cache, computed once too.
  get("/api/v1/reports/top-customers?format=csv");
  get("/api/v1/reports/top-customers?format=csv");
  EXPECT_EQ(m_api->cache_misses(), 2);

  src_exec("UPDATE " + src("customers") + " SET customer_name = 'Renamed by the API test', " +
           "updated_at = updated_at + interval '1 hour'");
  sync();
  wait_for_sync_id();
  const Reply after = get("/api/v1/reports/top-customers");
  EXPECT_EQ(m_api->cache_misses(), 3);
  EXPECT_NE(after.body, first.body);
  EXPECT_NE(after.body.find("Renamed by the API test"), std::string::npos);
}

TEST_F(ApiTest, AnOrderComesWithItsItemsAndStatusHistory) {
  start();
  const std::string id = tgt_value("SELECT min(order_id) FROM " + tgt("analytical_orders"));
  const Reply r = get("/api/v1/orders/" + id);
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = json::parse(r.body);
  const json doc = json::parse(get("/api/v1/openapi.json").body);
  EXPECT_EQ(check_schema(doc, response_schema(doc, "/api/v1/orders/{id}"), body, "order"), "");
  EXPECT_EQ(std::to_string(body["order"]["order_id"].get<std::int64_t>()), id);
  EXPECT_EQ(std::to_string(body["items"].size()),
            tgt_value("SELECT count(*) FROM " + tgt("analytical_order_items") +
                      " WHERE order_id = " + id));
  EXPECT_GE(body["status_history"].size(), 1U);
  EXPECT_EQ(get("/api/v1/orders/999999999").status, 404);
  const Reply bad = get("/api/v1/orders/abc");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["code"], "bad_id");
}

TEST_F(ApiTest, ACustomersOrdersArePagedByKeyWithABoundedLimit) {
  start();
  const std::string customer = tgt_value("SELECT customer_id FROM " + tgt("analytical_orders") +
                                         " GROUP BY customer_id ORDER BY count(*) DESC LIMIT 1");
  std::vector<std::int64_t> seen;
  std::string after;
  for (int page = 0; page < 100; ++page) {
    const Reply r = get("/api/v1/customers/" + customer + "/orders?limit=3" +
                        (after.empty() ? "" : "&after=" + after));
    ASSERT_EQ(r.status, 200) << r.body;
    const json body = json::parse(r.body);
    EXPECT_LE(body["orders"].size(), 3U);
    for (const auto& o : body["orders"]) {
      seen.push_back(o["order_id"].get<std::int64_t>());
    }
    if (body["next_after"].is_null()) {
      break;
    }
    after = std::to_string(body["next_after"].get<std::int64_t>());
  }
  std::vector<std::int64_t> expected;
  for (const auto& row : tgt_exec("SELECT order_id FROM " + tgt("analytical_orders") +
                                  " WHERE customer_id = " + customer + " ORDER BY order_id")) {
    expected.push_back(row[0].as<std::int64_t>());
  }
  EXPECT_EQ(seen, expected);
  const Reply completed =
      get("/api/v1/customers/" + customer + "/orders?status=COMPLETED&limit=500");
  const json completed_body = json::parse(completed.body);
  for (const auto& o : completed_body["orders"]) {
    EXPECT_EQ(o["status"], "COMPLETED");
  }
  EXPECT_EQ(get("/api/v1/customers/" + customer + "/orders?limit=0").status, 400);
  EXPECT_EQ(get("/api/v1/customers/" + customer + "/orders?limit=501").status, 400);
  EXPECT_EQ(get("/api/v1/customers/" + customer + "/orders?after=x").status, 400);
}

TEST_F(ApiTest, ATokenIsRequiredOnceConfiguredAndCheckedExactly) {
  api::ApiOptions options;
  options.token = "0123456789abcdef0123456789abcdef";
  start(options);
  const Reply none = get("/api/v1/reports/open-orders");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(json::parse(none.body)["code"], "unauthorized");
  EXPECT_EQ(none.headers.at("www-authenticate"), "Bearer realm=\"acme\"");
  EXPECT_EQ(get("/api/v1/reports/open-orders", {"Authorization: Bearer wrong"}).status, 401);
  EXPECT_EQ(
      get("/api/v1/reports/open-orders", {"Authorization: Bearer 0123456789abcdef0123456789abcdeX"})
          .status,
      401);
  EXPECT_EQ(get("/api/v1/reports/open-orders", {"Authorization: Bearer " + options.token}).status,
            200);
  EXPECT_EQ(get("/metrics").status, 401);
  EXPECT_EQ(get("/healthz").status, 200); // probes need no token
}

TEST_F(ApiTest, ErrorsAreJsonAndLimitsAreEnforced) {
  start();
  const Reply unknown = get("/api/v1/reports/no-such-report");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(json::parse(unknown.body)["code"], "unknown_report");
  EXPECT_EQ(get("/nowhere").status, 404);
  EXPECT_EQ(get("/api/v1/reports/open-orders?format=xml").status, 400);
  const Reply post = http(m_server->port(), "/api/v1/reports/open-orders", {}, "", "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(json::parse(post.body)["code"], "method_not_allowed");
  EXPECT_EQ(post.headers.at("allow"), "GET, HEAD");
  const Reply body = http(m_server->port(), "/healthz", {"Content-Length: 5"}, "", "GET");
  EXPECT_EQ(body.status, 413);
  EXPECT_EQ(json::parse(body.body)["code"], "body_not_allowed");
  const Reply head = http(m_server->port(), "/healthz", {}, "", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.headers.at("x-content-type-options"), "nosniff");
  // A request line and headers over the limit (8 KiB) are refused, not buffered: one long
  // header, and many short ones (each under any per-line limit, 20 KB in all).
  const Reply huge = get("/healthz", {"X-Padding: " + std::string(20000, 'a')});
  EXPECT_EQ(huge.status, 431) << huge.error;
  EXPECT_EQ(json::parse(huge.body)["code"], "headers_too_large");
  std::vector<std::string> many;
  for (int i = 0; i < 200; ++i) {
    many.push_back("X-Padding-" + std::to_string(i) + ": " + std::string(90, 'a'));
  }
  EXPECT_EQ(get("/healthz", many).status, 431);
  const Reply long_uri = get("/healthz?padding=" + std::string(9000, 'a'));
  EXPECT_EQ(long_uri.status, 431) << long_uri.error;
  EXPECT_EQ(json::parse(long_uri.body)["code"], "headers_too_large");
  EXPECT_EQ(get("/healthz", {"X-Padding: " + std::string(7000, 'a')}).status, 200);
}

TEST_F(ApiTest, ASlowClientDoesNotStallOthers) {
  api::HttpOptions http_options;
  http_options.threads = 4;
  http_options.request_timeout = std::chrono::milliseconds(2000);
  start({}, http_options);
  // Half a request line, then nothing: it holds one thread until the request timeout.
  const int slow = raw_connect(m_server->port());
  const std::string partial = "GET /api/v1/rep";
  ASSERT_EQ(::send(slow, partial.data(), partial.size(), 0), static_cast<ssize_t>(partial.size()));
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(get("/api/v1/reports/open-orders").status, 200);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  ::close(slow);
}

TEST_F(ApiTest, ReadinessFollowsTheNewestSyncsAge) {
  start();
  const Reply ready = get("/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_TRUE(json::parse(ready.body)["ready"].get<bool>());
  api::ApiOptions strict;
  strict.max_sync_age = std::chrono::duration<double>(0.001);
  start(strict);
  const Reply stale = get("/readyz");
  EXPECT_EQ(stale.status, 503);
  EXPECT_TRUE(json::parse(stale.body)["target_reachable"].get<bool>());
}

TEST_F(ApiTest, TheLivePageCarriesTheReportsCspAndReloadsItself) {
  start();
  const Reply page = get("/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.headers.at("content-security-policy"), std::string(report::html_csp()));
  EXPECT_NE(page.body.find("<meta http-equiv=\"refresh\" content=\"30\">"), std::string::npos);
  EXPECT_NE(page.body.find("Content-Security-Policy"), std::string::npos);
  const Reply metrics = get("/metrics");
  EXPECT_NE(metrics.body.find("acme_api_requests_total{route=\"/\",status=\"200\"} 1"),
            std::string::npos)
      << metrics.body;
}

TEST_F(ApiTest, TheLivePageRendersInChromiumUnderItsCsp) {
  start();
  // Over HTTP, as a browser gets it: the CSP arrives as a header too.
  const auto dump =
      chromium("http://127.0.0.1:" + std::to_string(m_server->port()) + "/", {"--dump-dom"});
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  const std::string& dom = dump.out;
  ASSERT_NE(dom.find("<h1>ACME orders"), std::string::npos) << dom.substr(0, 2000);
  EXPECT_NE(dom.find("id=\"freshness\""), std::string::npos);
  EXPECT_GE(std::count(dom.begin(), dom.end(), '<'), 100) << "a page with its tables";
  std::size_t charts = 0;
  for (auto pos = dom.find("<svg"); pos != std::string::npos; pos = dom.find("<svg", pos + 4)) {
    ++charts;
  }
  EXPECT_EQ(charts, report::html_sections().size() - 1)
      << "one chart per report section with rows (no quality run recorded here), and none for "
         "the daily series: no order of this data falls in their 60 days";
  EXPECT_NE(dom.find("http-equiv=\"refresh\""), std::string::npos);
}

TEST_F(ApiTest, TheQualityReportAndGaugesFollowTheNewestRecordedQualityRun) {
  start();
  const auto wait_for_quality_run = [this](std::optional<std::int64_t> after) {
    for (int i = 0; i < 100; ++i) {
      const auto q = m_api->watch().quality_run_id;
      if (q && q != after) {
        return q;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "the watcher never saw a new quality run";
    return after;
  };
  const Reply none = get("/api/v1/reports/quality");
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(json::parse(none.body)["rows"].size(), 0U);
  ASSERT_EQ(acme({"quality"}).exit_code, 0);
  const auto first = wait_for_quality_run(std::nullopt);
  const Reply report = get("/api/v1/reports/quality");
  const json rows = json::parse(report.body)["rows"];
  ASSERT_GT(rows.size(), 10U) << report.body;
  EXPECT_EQ(rows[0]["run_id"], *first);
  const Reply metrics = get("/metrics");
  EXPECT_NE(metrics.body.find("acme_quality_score{table=\"overall\"} "), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("acme_quality_violations{rule=\"order_without_items\"} "),
            std::string::npos)
      << metrics.body;
  // A newer run, with no sync in between, is a new state: not the cached report.
  ASSERT_EQ(acme({"quality"}).exit_code, 0);
  const auto second = wait_for_quality_run(first);
  const json again = json::parse(get("/api/v1/reports/quality").body)["rows"];
  ASSERT_FALSE(again.empty());
  EXPECT_EQ(again[0]["run_id"], *second);
}

TEST_F(ApiTest, TheCommandRefusesAPublicAddressWithoutAToken) {
  const auto r = acme({"serve", "--listen", "0.0.0.0:8099"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("ACME_API_TOKEN"), std::string::npos) << r.err;
  const auto short_token = acme({"serve"}, {"ACME_API_TOKEN=short"});
  EXPECT_EQ(short_token.exit_code, 2);
  EXPECT_EQ(short_token.err.find("short"), std::string::npos)
      << "the token leaked: " << short_token.err;
}

TEST_F(ApiTest, HttpsServesWhatHttpServesAndNothingToPlainHttpOrAnUntrustingClient) {
  TempDir dir("tls");
  const TestCert cert = make_cert(dir, "server");
  const TestCert other = make_cert(dir, "other");
  api::ApiOptions options;
  options.token = "0123456789abcdef0123456789abcdef";
  start(options); // m_server: plain HTTP, the same Api
  api::HttpOptions tls_options;
  tls_options.address = "127.0.0.1:0";
  tls_options.tls_cert = cert.cert;
  tls_options.tls_key = cert.key;
  api::HttpServer https(tls_options, [this](const api::Request& r) { return m_api->handle(r); });
  ASSERT_TRUE(https.tls());
  ASSERT_FALSE(m_server->tls());
  const Reply health = http(https.port(), "/healthz", {}, cert.cert);
  EXPECT_EQ(health.status, 200) << health.error;
  const std::string auth = "Authorization: Bearer " + options.token;
  for (const std::string path :
       {"/api/v1/reports/top-customers", "/api/v1/reports/open-orders?format=csv"}) {
    const Reply secure = http(https.port(), path, {auth}, cert.cert);
    ASSERT_EQ(secure.status, 200) << path << ": " << secure.error;
    const Reply plain = http(m_server->port(), path, {auth});
    EXPECT_EQ(secure.body, plain.body) << path;
    EXPECT_EQ(secure.headers.at("content-type"), plain.headers.at("content-type"));
    // The token is required over TLS as over HTTP.
    EXPECT_EQ(http(https.port(), path, {}, cert.cert).status, 401) << path;
  }
  // HTTP to the HTTPS port: the handshake fails, nothing is served.
  const Reply cleartext = http(https.port(), "/api/v1/reports/top-customers", {auth});
  EXPECT_EQ(cleartext.status, 0);
  EXPECT_TRUE(cleartext.body.empty());
  const int fd = raw_connect(https.port());
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  std::string got;
  std::array<char, 4096> buf{};
  for (ssize_t n = 0; (n = ::recv(fd, buf.data(), buf.size(), 0)) > 0;) {
    got.append(buf.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  EXPECT_EQ(got.find("HTTP/1.1 200"), std::string::npos) << got;
  EXPECT_EQ(got.find("\"ok\""), std::string::npos) << got;
  // A client that verifies against another certificate gets nothing either.
  const Reply untrusted = http(https.port(), "/healthz", {}, other.cert);
  EXPECT_EQ(untrusted.status, 0);
  EXPECT_EQ(untrusted.error, "SSLServerVerification");
  // And the server still serves after all that.
  EXPECT_EQ(http(https.port(), "/healthz", {}, cert.cert).status, 200);
}

TEST_F(ApiTest, TheCommandServesHttpsGivenACertificateAndItsKey) {
  TempDir dir("tls");
  const TestCert cert = make_cert(dir, "server");
  const int port = free_port();
  auto serve = acme_background({"serve", "--listen", "127.0.0.1:" + std::to_string(port)},
                               {"ACME_API_TLS_CERT=" + cert.cert, "ACME_API_TLS_KEY=" + cert.key});
  Reply health;
  for (int i = 0; i < 100 && health.status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    health = http(port, "/healthz", {}, cert.cert);
  }
  EXPECT_EQ(health.status, 200) << health.error << serve->err();
  EXPECT_EQ(http(port, "/healthz").status, 0) << "plain HTTP served on the HTTPS port";
  const Reply report = http(port, "/api/v1/reports/top-dates", {}, cert.cert);
  ASSERT_EQ(report.status, 200) << report.error;
  EXPECT_FALSE(json::parse(report.body)["rows"].empty()) << report.body;
  serve->signal(SIGTERM);
  EXPECT_EQ(serve->wait(10000), 0);
  const std::string log = serve->err();
  EXPECT_NE(log.find("listening on https://127.0.0.1:" + std::to_string(port)), std::string::npos)
      << log;
  EXPECT_NE(log.find("TLS on"), std::string::npos) << log;
}

TEST_F(ApiTest, TheCommandRefusesAHalfOrBadTlsSettingBeforeListening) {
  TempDir dir("tls");
  const TestCert cert = make_cert(dir, "server");
  const TestCert other = make_cert(dir, "other");
  const std::string key_text = read_file(cert.key);
  const auto key_line = key_text.substr(key_text.find('\n') + 1, 40); // base64 of the key
  const std::string missing = (dir.path() / "missing.key").string();
  const std::string not_pem = (dir.path() / "not.pem").string();
  std::ofstream(not_pem) << "not a key\n";
  const std::string encrypted = (dir.path() / "encrypted.key").string();
  ASSERT_EQ(run_process({find_program("openssl"), "pkey", "-in", cert.key, "-aes256", "-passout",
                         "pass:secret", "-out", encrypted})
                .exit_code,
            0);
  const std::string rsa_key = (dir.path() / "rsa.key").string();
  ASSERT_EQ(run_process({find_program("openssl"), "genpkey", "-algorithm", "RSA", "-pkeyopt",
                         "rsa_keygen_bits:2048", "-out", rsa_key})
                .exit_code,
            0);
  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string says;
  };
  const std::string cert_flag = "--tls-cert=" + cert.cert;
  const std::vector<Case> cases = {
      {{"serve", cert_flag}, {}, "ACME_API_TLS_KEY (--tls-key) is not"},
      {{"serve"}, {"ACME_API_TLS_KEY=" + cert.key}, "ACME_API_TLS_CERT (--tls-cert) is not"},
      {{"serve", cert_flag, "--tls-key", missing},
       {},
       "cannot read the TLS private key '" + missing},
      {{"serve", "--tls-cert", missing, "--tls-key", cert.key},
       {},
       "cannot read the TLS certificate"},
      {{"serve", cert_flag, "--tls-key", other.key}, {}, "does not match the certificate"},
      {{"serve", cert_flag, "--tls-key", rsa_key}, {}, "does not match the certificate"},
      {{"serve", "--tls-cert", not_pem, "--tls-key", cert.key}, {}, "is not a PEM certificate"},
      {{"serve", cert_flag, "--tls-key", not_pem}, {}, "is not an unencrypted PEM private key"},
      {{"serve", cert_flag, "--tls-key", encrypted}, {}, "is not an unencrypted PEM private key"},
      // TLS does not replace the token on a public address.
      {{"serve", "--listen", "0.0.0.0:" + std::to_string(free_port()), cert_flag, "--tls-key",
        cert.key},
       {},
       "set ACME_API_TOKEN"},
  };
  for (const auto& c : cases) {
    const auto r = acme(c.args, c.env);
    const std::string what = c.args.back() + " " + (c.env.empty() ? "" : c.env[0]);
    EXPECT_EQ(r.exit_code, 2) << what << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << what << ": " << r.err;
    EXPECT_EQ(r.err.find("listening on"), std::string::npos) << what << ": " << r.err;
    EXPECT_EQ(r.err.find(key_line), std::string::npos) << "the key leaked: " << r.err;
    EXPECT_EQ(r.err.find("PRIVATE KEY"), std::string::npos) << r.err;
  }
}

TEST_F(ApiTest, APublicAddressWithoutTlsIsServedWithAWarning) {
  const int port = free_port();
  auto serve = acme_background({"serve", "--listen", "0.0.0.0:" + std::to_string(port)},
                               {"ACME_API_TOKEN=0123456789abcdef0123456789abcdef"});
  int status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = http(port, "/healthz").status;
  }
  EXPECT_EQ(status, 200) << serve->err();
  serve->signal(SIGTERM);
  EXPECT_EQ(serve->wait(10000), 0);
  EXPECT_NE(serve->err().find("TLS is off: the bearer token and the data travel in clear"),
            std::string::npos)
      << serve->err();
}

} // namespace
} // namespace acme::test
