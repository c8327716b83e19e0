// acme config: prints the resolved configuration (passwords masked) and where each value came from.
#include "acme/config/dsn.hpp"
#include "cli/common.hpp"

#include <chrono>
#include <fmt/format.h>
#include <iostream>
#include <nlohmann/json.hpp>

namespace acme::cli {
namespace {

struct ConfigOptions {
  bool json = false;
};

int run_config(Context& ctx, const ConfigOptions& opts) {
  const config::Config c = load_config(ctx);
  auto origin = [&](const char* var) {
    auto it = c.origin.find(var);
    return it == c.origin.end() ? std::string("default") : it->second;
  };
  auto seconds = [](std::chrono::milliseconds ms) {
    return fmt::format("{:.3f}", static_cast<double>(ms.count()) / 1000.0);
  };
  std::string closed;
  for (const auto& s : c.closed_statuses) {
    closed += (closed.empty() ? "" : ",") + s;
  }
  const std::vector<std::pair<const char*, std::string>> rows = {
      {"ACME_SOURCE_DSN", c.source_dsn.empty() ? "" : config::mask_dsn(c.source_dsn)},
      {"ACME_TARGET_DSN", c.target_dsn.empty() ? "" : config::mask_dsn(c.target_dsn)},
      {"ACME_SOURCE_SCHEMA", c.source_schema},
      {"ACME_TARGET_SCHEMA", c.target_schema},
      {"ACME_CLOSED_STATUSES", closed},
      {"ACME_BATCH_SIZE", std::to_string(c.batch_size)},
      {"ACME_LATE_COMMIT_LOOKBACK", seconds(c.lookback)},
      {"ACME_SOURCE_TIMEZONE", c.source_timezone},
      {"ACME_RECONCILE_EVERY", std::to_string(c.reconcile_every)},
      {"ACME_LOCK_WAIT", seconds(c.lock_wait)},
      {"ACME_POLLING_INTERVAL", seconds(c.polling_interval)},
      {"ACME_HISTORY_DAYS", c.history_days ? std::to_string(*c.history_days) : std::string()},
      {"ACME_JOBS", std::to_string(c.jobs)},
      {"ACME_METRICS_ADDRESS", c.metrics_address},
      {"ACME_QUALITY_RULES", c.quality_rules},
      {"ACME_MODE", c.mode == config::SyncMode::cdc ? "cdc" : "poll"},
      {"ACME_CDC_SLOT", c.cdc_slot},
      {"ACME_CDC_PUBLICATION", c.cdc_publication},
      {"ACME_CDC_FLUSH_MS", std::to_string(c.cdc_flush.count())},
      {"ACME_CDC_RECEIVE_TIMEOUT", seconds(c.cdc_receive_timeout)},
      {"ACME_CDC_SLOT_WAIT", seconds(c.cdc_slot_wait)},
      {"ACME_MAX_SYNC_AGE", seconds(c.effective_max_sync_age())},
      {"ACME_LOG_LEVEL", c.log_level},
      {"ACME_LOG_FORMAT", c.log_format},
      {"ACME_LOG_DIR", c.log_dir},
  };
  if (opts.json) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : rows) {
      j[k] = {{"value", v}, {"origin", origin(k)}};
    }
    std::cout << j.dump(2) << '\n';
  } else {
    for (const auto& [k, v] : rows) {
      std::cout << fmt::format("{:<26} {:<50} ({})\n", k, v.empty() ? "-" : v, origin(k));
    }
  }
  return 0;
}

} // namespace

void add_config_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<ConfigOptions>();
  auto* cmd = app.add_subcommand(
      "config",
      "Show the resolved configuration (passwords masked) and where each value came from");
  cmd->add_flag("--json", opts->json, "Print JSON instead of a table");
  // Every flag the sync commands take, so that their effect (and its origin) can be previewed.
  add_sync_options(*cmd, ctx);
  add_continuous_options(*cmd, ctx);
  cmd->callback([&ctx, opts] { ctx.exit_code = run_config(ctx, *opts); });
}

} // namespace acme::cli
