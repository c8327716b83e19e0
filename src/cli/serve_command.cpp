// acme serve: the read-only HTTP API and the live report over the target, until SIGTERM/SIGINT.
#include "acme/api/api.hpp"
#include "acme/api/http.hpp"
#include "acme/error.hpp"
#include "acme/obs/metrics.hpp"
#include "acme/stop_signal.hpp"
#include "cli/common.hpp"

#include <chrono>
#include <spdlog/spdlog.h>
#include <thread>

namespace acme::cli {
namespace {

// Whether HOST of HOST:PORT is a loopback address (the only ones served without a token).
bool loopback(const std::string& address) {
  const std::string host = address.substr(0, address.rfind(':'));
  return host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

void check_listen(const config::Config& c) {
  if (const auto problem = obs::metrics_address_problem(c.api_listen); !problem.empty()) {
    throw UsageError("invalid ACME_API_LISTEN / --listen '" + c.api_listen + "': " + problem);
  }
  if (!loopback(c.api_listen) && c.api_token.empty()) {
    throw UsageError("acme serve listens on " + c.api_listen +
                     ", which is not a loopback address: set ACME_API_TOKEN (environment or "
                     ".env) so that every request must carry it");
  }
  if (!c.api_token.empty() && c.api_token.size() < 16) {
    throw UsageError("ACME_API_TOKEN must be at least 16 characters (e.g. openssl rand -hex 32)");
  }
  if (c.api_tls_cert.empty() != c.api_tls_key.empty()) {
    throw UsageError(c.api_tls_cert.empty()
                         ? "ACME_API_TLS_KEY is set but ACME_API_TLS_CERT (--tls-cert) is not: "
                           "HTTPS needs both the certificate and its key"
                         : "ACME_API_TLS_CERT is set but ACME_API_TLS_KEY (--tls-key) is not: "
                           "HTTPS needs both the certificate and its key");
  }
  if (!c.api_tls_cert.empty()) {
    api::check_tls_files(c.api_tls_cert, c.api_tls_key); // before the target is opened
  }
}

int run_serve(Context& ctx) {
  install_stop_handlers();
  const config::Config c = load_config(ctx);
  config::require_target(c);
  check_listen(c);
  api::ApiOptions options;
  options.target_dsn = c.target_dsn;
  options.schema = c.target_schema;
  options.token = c.api_token;
  options.pool_size = c.api_pool_size;
  options.statement_timeout = c.api_statement_timeout;
  options.max_sync_age = c.effective_max_sync_age();
  api::Api api(options);
  api::HttpOptions http;
  http.address = c.api_listen;
  http.threads = c.api_threads;
  http.tls_cert = c.api_tls_cert;
  http.tls_key = c.api_tls_key;
  api::HttpServer server(http, [&api](const api::Request& r) { return api.handle(r); });
  spdlog::info("acme serve: listening on {}://{} (TLS {}, target schema {}, {} request threads, "
               "{} target sessions, authentication {})",
               server.tls() ? "https" : "http", c.api_listen,
               server.tls() ? "on: " + c.api_tls_cert : std::string("off"), c.target_schema,
               c.api_threads, c.api_pool_size,
               c.api_token.empty() ? "off (loopback only)" : "bearer token");
  if (!server.tls() && !loopback(c.api_listen)) {
    spdlog::warn("acme serve: {} is not a loopback address and TLS is off: the bearer token and "
                 "the data travel in clear unless a TLS proxy is in front (set "
                 "ACME_API_TLS_CERT and ACME_API_TLS_KEY to serve HTTPS)",
                 c.api_listen);
  }
  while (!stop_requested()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  spdlog::info("acme serve: stopping");
  return 0;
}

} // namespace

void add_serve_command(CLI::App& app, Context& ctx) {
  auto& o = ctx.overrides;
  auto* cmd = app.add_subcommand(
      "serve",
      "Serve the reports, orders and customers' orders as a read-only HTTP API (JSON, CSV), "
      "/healthz, /readyz, /metrics and the live HTML report, until SIGTERM/SIGINT (exit 0)");
  cmd->add_option("--listen", o.api_listen,
                  "HOST:PORT to listen on; a non-loopback host needs ACME_API_TOKEN [env: "
                  "ACME_API_LISTEN, default: 127.0.0.1:8080]");
  cmd->add_option("--tls-cert", o.api_tls_cert,
                  "PEM certificate (chain) file: serve HTTPS only, with --tls-key [env: "
                  "ACME_API_TLS_CERT, default: none, plain HTTP]");
  cmd->add_option("--tls-key", o.api_tls_key,
                  "PEM private key file of --tls-cert (unencrypted) [env: ACME_API_TLS_KEY, "
                  "default: none]");
  cmd->add_option("--threads", o.api_threads,
                  "Requests served at once [env: ACME_API_THREADS, default: 8]");
  cmd->add_option("--pool-size", o.api_pool_size,
                  "Target sessions at most [env: ACME_API_POOL_SIZE, default: 4]");
  cmd->add_option(
      "--statement-timeout", o.api_statement_timeout,
      "Seconds a request's query may run [env: ACME_API_STATEMENT_TIMEOUT, default: 5]");
  cmd->add_option("--max-sync-age", o.max_sync_age,
                  "/readyz fails when nothing synced for this many seconds [env: "
                  "ACME_MAX_SYNC_AGE, default: max(300, 3 x ACME_POLLING_INTERVAL)]");
  cmd->callback([&ctx] { ctx.exit_code = run_serve(ctx); });
}

} // namespace acme::cli
