#include "cli/common.hpp"

#include "acme/log/logging.hpp"

#include <spdlog/spdlog.h>

namespace acme::cli {

void add_global_options(CLI::App& app, Context& ctx) {
  auto& o = ctx.overrides;
  const char* const conn = "Connections";
  const char* const logs = "Logging";
  app.add_option("--source-dsn", o.source_dsn,
                 "Source (orders OLTP) connection: libpq URI or key=value [env: ACME_SOURCE_DSN]")
      ->group(conn);
  app.add_option("--target-dsn", o.target_dsn,
                 "Target (analytics) connection: libpq URI or key=value [env: ACME_TARGET_DSN]")
      ->group(conn);
  app.add_option("--source-schema", o.source_schema,
                 "Schema of the source tables [env: ACME_SOURCE_SCHEMA, default: operations]")
      ->group(conn);
  app.add_option("--target-schema", o.target_schema,
                 "Schema acme owns in the target [env: ACME_TARGET_SCHEMA, default: analytics]")
      ->group(conn);
  app.add_option("--env-file", o.env_file,
                 "KEY=VALUE file read as literal data [env: ACME_ENV_FILE, default: .env]")
      ->group(conn);
  app.add_option("--log-level", o.log_level,
                 "trace|debug|info|warn|error|critical|off [env: ACME_LOG_LEVEL, default: info]")
      ->group(logs);
  app.add_option("--log-format", o.log_format,
                 "text|json (one JSON object per line; text on a terminal adds a progress line "
                 "to full loads and verify) [env: ACME_LOG_FORMAT, default: text]")
      ->group(logs);
  app.add_option(
         "--log-dir", o.log_dir,
         "Also write daily files <dir>/YYYYMMDD_acme.log [env: ACME_LOG_DIR, default: none]")
      ->group(logs);
}

void add_sync_options(CLI::App& cmd, Context& ctx) {
  auto& o = ctx.overrides;
  const char* const group = "Sync";
  cmd.add_option("--batch-size", o.batch_size,
                 "Max changed rows per table per batch [env: ACME_BATCH_SIZE, default: 500000]")
      ->group(group);
  cmd.add_option("--closed-statuses", o.closed_statuses,
                 "Comma-separated statuses of closed orders "
                 "[env: ACME_CLOSED_STATUSES, default: COMPLETED,CANCELLED]")
      ->group(group);
  cmd.add_option("--late-commit-lookback", o.lookback,
                 "Seconds re-read when other source sessions are not visible "
                 "[env: ACME_LATE_COMMIT_LOOKBACK, default: 120]")
      ->group(group);
  cmd.add_option("--history-days", o.history_days,
                 "Keep closed status/customer history intervals this many days "
                 "[env: ACME_HISTORY_DAYS, default: keep everything]")
      ->group(group);
  cmd.add_option("--lock-wait", o.lock_wait,
                 "Seconds to wait for another acme's writer lock before exiting 3 "
                 "[env: ACME_LOCK_WAIT, default: 10]")
      ->group(group);
  cmd.add_option("--jobs", o.jobs,
                 "Source and target connections of a full load (parallel COPY by heap block range, "
                 "parallel index builds); each is a source session with work_mem 128 MB "
                 "[env: ACME_JOBS, default: the CPUs acme may use (cgroup quota included), at "
                 "most 4]")
      ->group(group);
  cmd.add_option("--mode", o.mode,
                 "poll (query the source tables) or cdc (stream its logical replication) "
                 "[env: ACME_MODE, default: poll]")
      ->group("Mode");
  cmd.add_option("--cdc-slot", o.cdc_slot,
                 "Replication slot acme creates and owns in cdc mode [env: ACME_CDC_SLOT, "
                 "default: acme]")
      ->group("Mode");
  cmd.add_option("--cdc-publication", o.cdc_publication,
                 "Publication streamed in cdc mode [env: ACME_CDC_PUBLICATION, default: "
                 "cdc_publication]")
      ->group("Mode");
  cmd.add_option("--cdc-flush-ms", o.cdc_flush_ms,
                 "cdc mode: start a flush at most every N ms, 0 to 60000; 0 applies what has "
                 "arrived as soon as the stream has no more waiting [env: ACME_CDC_FLUSH_MS, "
                 "default: 0]")
      ->group("Mode");
  cmd.add_option("--cdc-receive-timeout", o.cdc_receive_timeout,
                 "cdc mode: seconds without any message from the source (data or keepalive) "
                 "before the stream is taken for dead and reopened, 0.1 to 3600 "
                 "[env: ACME_CDC_RECEIVE_TIMEOUT, default: 60]")
      ->group("Mode");
  cmd.add_option("--cdc-slot-wait", o.cdc_slot_wait,
                 "cdc mode: seconds to wait for the slot while another process holds it or its "
                 "creation waits for open source transactions, then exit 3 (held) or 1, 1 to "
                 "86400 [env: ACME_CDC_SLOT_WAIT, default: 120]")
      ->group("Mode");
  cmd.add_option("--source-timezone", o.source_timezone,
                 "Time zone the source's writers stamp updated_at in "
                 "[env: ACME_SOURCE_TIMEZONE, default: the source server's TimeZone]")
      ->group(group);
}

void add_continuous_options(CLI::App& cmd, Context& ctx) {
  cmd.add_option("--polling-interval", ctx.overrides.polling_interval,
                 "poll mode: seconds from one cycle's start to the next, fractions allowed, "
                 "0.01 to 86400 [env: ACME_POLLING_INTERVAL, default: 10]");
  cmd.add_option("--reconcile-every", ctx.overrides.reconcile_every,
                 "Compare every primary key with the source at start, then once every N cycles, "
                 "1/N of the key space per cycle, 1 to 1000000 "
                 "[env: ACME_RECONCILE_EVERY, default: 30]");
  cmd.add_option("--metrics-address", ctx.overrides.metrics_address,
                 "Serve Prometheus metrics on HOST:PORT/metrics; a port alone binds 127.0.0.1 "
                 "[env: ACME_METRICS_ADDRESS, default: off]");
}

config::Config load_config(Context& ctx) {
  config::Config c = config::load(ctx.overrides);
  const auto secrets = c.secrets();
  ctx.secrets.insert(ctx.secrets.end(), secrets.begin(), secrets.end());
  log::setup(log::Options{c.log_level, c.log_format, c.log_dir, ctx.secrets});
  for (const auto& line : c.ignored) {
    spdlog::warn("{} (a typo?)", line);
  }
  return c;
}

} // namespace acme::cli
