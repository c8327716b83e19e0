// acme run-continuous-etl: sync every N seconds until SIGTERM/SIGINT (then exit 0).
#include "acme/cdc/stream_sync.hpp"
#include "acme/etl/continuous.hpp"
#include "acme/obs/metrics.hpp"
#include "acme/ops/monitors.hpp"
#include "acme/stop_signal.hpp"
#include "cli/common.hpp"

#include <spdlog/spdlog.h>

namespace acme::cli {
namespace {

int run_run_continuous_etl(Context& ctx) {
  // First thing: a SIGTERM that arrives while connecting must stop acme gracefully too.
  install_stop_handlers();
  const config::Config c = load_config(ctx);
  config::require_source(c);
  config::require_target(c);
  const auto stop = [] { return stop_requested(); };
  std::unique_ptr<obs::Metrics> metrics;
  if (!c.metrics_address.empty()) {
    metrics =
        obs::serve_metrics(c.metrics_address, c.mode == config::SyncMode::cdc ? "cdc" : "poll");
    spdlog::info("serving Prometheus metrics on http://{}/metrics",
                 obs::metrics_listen_address(c.metrics_address));
  }
  // The newest recorded quality run's scores, read every 30 s while metrics are on.
  const auto quality_monitor =
      metrics ? ops::monitor_quality(c.target_dsn, c.target_schema, *metrics) : nullptr;
  if (c.mode == config::SyncMode::cdc) {
    cdc::StreamSyncer streamer(c, stop);
    std::unique_ptr<ops::Monitor> slot_monitor; // the slot's retained WAL, every 10 s
    if (metrics) {
      streamer.set_metrics(*metrics);
      slot_monitor = ops::monitor_slot(c.source_dsn, c.cdc_slot, *metrics);
    }
    cdc::run_continuous(streamer, etl::ContinuousOptions{}.backoff_base,
                        etl::ContinuousOptions{}.backoff_cap, stop);
    return 0;
  }
  etl::Syncer syncer(c, stop);
  etl::ContinuousOptions options;
  options.interval = c.polling_interval;
  options.reconcile_every = c.reconcile_every;
  if (metrics) {
    options.metrics = metrics.get();
  }
  etl::run_continuous(syncer, options, stop);
  return 0;
}

} // namespace

void add_run_continuous_etl_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "run-continuous-etl",
      "Sync continuously until SIGTERM/SIGINT (exit 0): poll every --polling-interval "
      "seconds, or with --mode cdc stream the source's logical replication (sub-second "
      "latency, no table scans); transient failures are retried with backoff, configuration "
      "and permission errors are fatal");
  add_continuous_options(*cmd, ctx);
  add_sync_options(*cmd, ctx);
  cmd->callback([&ctx] { ctx.exit_code = run_run_continuous_etl(ctx); });
}

} // namespace acme::cli
