// run-continuous-etl --metrics-address: /metrics scraped over HTTP while acme syncs (poll and
// cdc), bad addresses and busy ports, and Debian's real prometheus server scraping acme.
#include "support/etl_fixture.hpp"
#include "support/temp_dir.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace {

// A TCP port nobody listens on right now (the kernel's pick).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  // NOLINTNEXTLINE: the sockets API takes sockaddr*
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  // NOLINTNEXTLINE: the sockets API takes sockaddr*
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// GET http://127.0.0.1:port/path; the body, or an empty string when nothing answers.
std::string http_get(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  // NOLINTNEXTLINE: the sockets API takes sockaddr*
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return {};
  }
  const std::string req =
      "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (::write(fd, req.data(), req.size()) < 0) {
    ::close(fd);
    return {};
  }
  std::string response;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) {
    response.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const auto body = response.find("\r\n\r\n");
  return body == std::string::npos ? std::string() : response.substr(body + 4);
}

// The value of the first sample named `name` (labels ignored), or -1 when absent.
double sample(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name, 0) == 0 && line.size() > name.size() &&
        (line[name.size()] == ' ' || line[name.size()] == '{')) {
      return std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  return -1;
}

// The value of the series `series` exactly (name and labels as exposed, e.g.
// `acme_table_rows_read_total{table="orders"}`), or -1 when absent.
double series_value(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return -1;
}

const std::string k_orders_read = R"(acme_table_rows_read_total{table="orders"})";
const std::string k_orders_written = R"(acme_table_rows_written_total{table="analytical_orders"})";
const std::string k_retained_wal = "acme_cdc_slot_retained_wal_bytes";

class Metrics : public acme::test::EtlTest {
protected:
  void seed() {
    src_exec(fmt::format(
        "INSERT INTO {c} (customer_id, customer_name) VALUES (1, 'Ann'), (2, 'Bob');"
        "INSERT INTO {p} (product_id, product_name, barcode, unity_price) VALUES (1, 'W', 'B1', "
        "2.5);"
        "INSERT INTO {o} (order_id, customer_id, status) SELECT g, 1 + g % 2, 'PENDING' FROM "
        "generate_series(1, 10) g;"
        "INSERT INTO {i} (order_item_id, order_id, product_id, quanity) SELECT g, 1 + g % 10, 1, "
        "2 FROM generate_series(1, 50) g;",
        fmt::arg("c", src("customers")), fmt::arg("p", src("products")),
        fmt::arg("o", src("orders")), fmt::arg("i", src("order_items"))));
  }
  // Scrapes until `ready` holds on the text (or 20 s pass); returns the last scrape.
  static std::string scrape_until(int port, const std::function<bool(const std::string&)>& ready) {
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      text = http_get(port, "/metrics");
      if (!text.empty() && ready(text)) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return text;
  }
  // CDC mode: the snapshot hand-off is done (it is no flush: the counters start at the first
  // streamed change).
  bool handed_off() {
    return tgt_value("SELECT to_regclass('" + tgt("acme_cdc_state") + "') IS NOT NULL") == "t" &&
           tgt_value("SELECT count(*) FROM " + tgt("acme_cdc_state")) == "1";
  }
  // Scrapes while acme runs: values move after a source change.
  void expect_values_move(const std::vector<std::string>& env, bool cdc) {
    const int port = free_port();
    auto p = acme_background({"run-continuous-etl", "--polling-interval", "0.2",
                              "--metrics-address", fmt::format("127.0.0.1:{}", port)},
                             env);
    if (cdc) {
      const auto up = scrape_until(
          port, [&](const std::string& t) { return sample(t, "acme_up") == 1 && handed_off(); });
      ASSERT_EQ(sample(up, "acme_up"), 1) << up << p->err();
      ASSERT_TRUE(handed_off()) << p->err();
      src_exec(fmt::format("INSERT INTO {} (order_id, customer_id, status) VALUES (99, 1, "
                           "'PENDING')",
                           src("orders")));
    }
    const auto first = scrape_until(port, [](const std::string& t) {
      return sample(t, "acme_cycles_total") >= 1 && sample(t, "acme_rows_written_total") > 0;
    });
    ASSERT_GE(sample(first, "acme_cycles_total"), 1) << first << p->err();
    EXPECT_EQ(sample(first, "acme_up"), 1) << first;
    EXPECT_GT(sample(first, "acme_last_success_timestamp_seconds"), 1.7e9) << first;
    EXPECT_GE(sample(first, "acme_cycle_duration_seconds_count"), 1) << first;
    EXPECT_GE(sample(first, "acme_lag_seconds"), 0) << first;
    EXPECT_EQ(sample(first, "acme_errors_total"), 0) << first;
    const double cycles = sample(first, "acme_cycles_total");
    const double written = sample(first, "acme_rows_written_total");
    const double read = sample(first, "acme_rows_read_total");
    // Per table: poll mode reads the orders of the source (the first cycle is the full load);
    // both modes write analytical_orders.
    const double orders_written = series_value(first, k_orders_written);
    EXPECT_GT(orders_written, 0) << first;
    const double orders_read = series_value(first, k_orders_read);
    if (!cdc) {
      EXPECT_GT(orders_read, 0) << first;
    }
    // CDC: the slot's retained WAL, read from the source (every 200 ms here, 10 s by default).
    double retained = -1;
    if (!cdc) {
      EXPECT_EQ(series_value(first, k_retained_wal), -1) << "no slot in poll mode: " << first;
    } else {
      const auto wal = scrape_until(
          port, [](const std::string& t) { return series_value(t, k_retained_wal) > 0; });
      retained = series_value(wal, k_retained_wal);
      EXPECT_GT(retained, 0) << wal << p->err();
    }
    src_exec(fmt::format("INSERT INTO {} (order_id, customer_id, status) VALUES (100, 1, "
                         "'PENDING')",
                         src("orders")));
    const auto second = scrape_until(
        port, [&](const std::string& t) { return sample(t, "acme_rows_written_total") > written; });
    EXPECT_GT(sample(second, "acme_rows_written_total"), written) << second << p->err();
    EXPECT_GT(sample(second, "acme_rows_read_total"), read) << second;
    EXPECT_GT(sample(second, "acme_cycles_total"), cycles) << second;
    const auto per_table = scrape_until(port, [&](const std::string& t) {
      return series_value(t, k_orders_written) > orders_written;
    });
    EXPECT_GT(series_value(per_table, k_orders_written), orders_written) << per_table;
    // Poll reads the new order in its cycle; CDC receives its insert (absent before in CDC: the
    // snapshot hand-off is not counted).
    EXPECT_GT(series_value(per_table, k_orders_read), std::max(orders_read, 0.0)) << per_table;
    if (cdc) {
      // The insert wrote source WAL: the next reading differs (restart_lsn moves only now and
      // then, pg_current_wal_lsn() with every write).
      const auto moved = scrape_until(port, [&](const std::string& t) {
        const double v = series_value(t, k_retained_wal);
        return v > 0 && v != retained;
      });
      EXPECT_NE(series_value(moved, k_retained_wal), retained) << moved;
      EXPECT_GT(series_value(moved, k_retained_wal), 0) << moved;
    }
    p->signal(SIGTERM);
    const auto rc = p->wait(10000);
    ASSERT_TRUE(rc.has_value());
    EXPECT_EQ(*rc, 0) << p->err();
  }
};

TEST_F(Metrics, PollModeScrapeShowsCyclesAndRowsMoving) {
  seed();
  expect_values_move({}, false);
}

TEST_F(Metrics, CdcModeScrapeShowsFlushesAndRowsMoving) {
  seed();
  auto env = cdc_env();
  env.emplace_back("ACME_SLOT_MONITOR_INTERVAL_MS=200");
  expect_values_move(env, true);
}

// The newest recorded quality run appears as gauges while acme syncs, and a newer run replaces
// it: a rule the newer run does not evaluate (disabled) disappears, the score follows.
TEST_F(Metrics, QualityGaugesFollowTheNewestRecordedRun) {
  seed();
  src_exec(fmt::format("INSERT INTO {} (order_item_id, order_id, product_id, quanity) VALUES "
                       "(900, 4242, 1, 1), (901, 4242, 1, 1)",
                       src("order_items")));
  const int port = free_port();
  auto p = acme_background({"run-continuous-etl", "--polling-interval", "0.2", "--metrics-address",
                            fmt::format("127.0.0.1:{}", port)},
                           {"ACME_QUALITY_MONITOR_INTERVAL_MS=200"});
  const std::string orphans = R"(acme_quality_violations{rule="item_order_missing"})";
  const std::string overall = R"(acme_quality_score{table="overall"})";
  const auto synced =
      scrape_until(port, [](const std::string& t) { return sample(t, "acme_cycles_total") >= 1; });
  ASSERT_GE(sample(synced, "acme_cycles_total"), 1) << synced << p->err();
  EXPECT_EQ(series_value(synced, overall), -1) << "no run recorded yet: no sample";

  const auto first_run = acme({"quality", "--json"});
  ASSERT_EQ(first_run.exit_code, 0) << first_run.err;
  const double score = nlohmann::json::parse(first_run.out)["score"].get<double>();
  const auto first =
      scrape_until(port, [&](const std::string& t) { return series_value(t, orphans) >= 0; });
  EXPECT_EQ(series_value(first, orphans), 2) << first << p->err();
  EXPECT_NEAR(series_value(first, overall), score, 1e-6) << first;
  EXPECT_GE(series_value(first, R"(acme_quality_score{table="analytical_order_items"})"), 0)
      << first;

  const acme::test::TempDir dir("quality-gauges");
  const std::string rules = dir.str() + "/rules.json";
  std::ofstream(rules) << R"({"rules": {"item_order_missing": {"enabled": false}}})";
  const auto second_run = acme({"quality", "--json", "--rules", rules});
  ASSERT_EQ(second_run.exit_code, 0) << second_run.err;
  const double second_score = nlohmann::json::parse(second_run.out)["score"].get<double>();
  ASSERT_NE(second_score, score);
  const auto second =
      scrape_until(port, [&](const std::string& t) { return series_value(t, orphans) == -1; });
  EXPECT_EQ(series_value(second, orphans), -1) << "the disabled rule is gone: " << second;
  EXPECT_NEAR(series_value(second, overall), second_score, 1e-6) << second;

  p->signal(SIGTERM);
  const auto rc = p->wait(10000);
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << p->err();
}

TEST_F(Metrics, MalformedAddressExits2BeforeConnecting) {
  for (const char* bad : {"91870", "localhost:", "127.0.0.1:99999", "127.0.0.1:http", "::1:9187"}) {
    const auto r = acme({"run-continuous-etl", "--metrics-address", bad});
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    EXPECT_NE(r.err.find("--metrics-address"), std::string::npos) << r.err;
  }
  const auto r = acme({"run-continuous-etl"}, {"ACME_METRICS_ADDRESS=nonsense"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("ACME_METRICS_ADDRESS"), std::string::npos) << r.err;
}

TEST_F(Metrics, PortInUseIsAClearError) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  // NOLINTNEXTLINE: the sockets API takes sockaddr*
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof a;
  // NOLINTNEXTLINE: the sockets API takes sockaddr*
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  const auto r = acme(
      {"run-continuous-etl", "--metrics-address", fmt::format("127.0.0.1:{}", ntohs(a.sin_port))});
  ::close(fd);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("cannot serve metrics on 127.0.0.1:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Address already in use"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("CivetServer"), std::string::npos) << r.err;
}

// Debian's prometheus (scripts/install-deps) scrapes acme; acme_up is queried through its API.
TEST_F(Metrics, PrometheusServerScrapesAcmeUp) {
  const std::string prometheus = "/usr/bin/prometheus";
  // scripts/install-deps installs it: a missing server is a broken setup, not a reason to skip.
  ASSERT_EQ(::access(prometheus.c_str(), X_OK), 0)
      << prometheus << " is not installed: run scripts/install-deps (apt-get install prometheus)";
  seed();
  const int acme_port = free_port();
  const int prom_port = free_port();
  namespace fs = std::filesystem;
  const acme::test::TempDir temp("prom");
  const fs::path& dir = temp.path();
  {
    std::ofstream cfg(dir / "prometheus.yml");
    cfg << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        << "scrape_configs:\n  - job_name: acme\n    static_configs:\n"
        << "      - targets: ['127.0.0.1:" << acme_port << "']\n";
  }
  auto a = acme_background({"run-continuous-etl", "--polling-interval", "0.5", "--metrics-address",
                            fmt::format("127.0.0.1:{}", acme_port)});
  acme::test::BackgroundProcess prom({prometheus,
                                      "--config.file=" + (dir / "prometheus.yml").string(),
                                      "--storage.tsdb.path=" + (dir / "data").string(),
                                      fmt::format("--web.listen-address=127.0.0.1:{}", prom_port)},
                                     {});
  std::string answer;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(25);
  while (std::chrono::steady_clock::now() < deadline) {
    answer = http_get(prom_port, "/api/v1/query?query=acme_up");
    if (answer.find("\"value\":[") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  EXPECT_NE(answer.find("\"status\":\"success\""), std::string::npos) << answer << prom.err();
  EXPECT_NE(answer.find("\"job\":\"acme\""), std::string::npos) << answer;
  EXPECT_NE(answer.find("\"mode\":\"poll\""), std::string::npos) << answer;
  EXPECT_NE(answer.find(",\"1\"]"), std::string::npos) << answer;
  prom.signal(SIGTERM);
  prom.wait(5000);
  a->signal(SIGTERM);
  EXPECT_EQ(a->wait(10000).value_or(-1), 0) << a->err();
}

} // namespace
