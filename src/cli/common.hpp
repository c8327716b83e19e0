#pragma once

#include "acme/config/config.hpp"

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace acme::cli {

// State shared by main and the subcommands: global flags in, exit code and secrets out.
struct Context {
  config::Overrides overrides;
  std::vector<std::string> secrets; // passwords to scrub from the final error message
  int exit_code = 0;
};

// Registers the flags every subcommand understands (connections, schemas, logging, .env).
void add_global_options(CLI::App& app, Context& ctx);

// Resolves configuration and starts logging; records secrets in `ctx` for error redaction.
config::Config load_config(Context& ctx);

// Flags of the sync commands that override ETL settings (batch size, lookback, ...).
void add_sync_options(CLI::App& cmd, Context& ctx);

// Flags of run-continuous-etl alone (polling interval, reconciliation cadence, metrics).
void add_continuous_options(CLI::App& cmd, Context& ctx);

// Subcommand registration, one file each.
void add_config_command(CLI::App& app, Context& ctx);
void add_migrate_command(CLI::App& app, Context& ctx);
void add_run_etl_command(CLI::App& app, Context& ctx);
void add_run_continuous_etl_command(CLI::App& app, Context& ctx);
void add_status_command(CLI::App& app, Context& ctx);
void add_export_reports_command(CLI::App& app, Context& ctx);
void add_cdc_command(CLI::App& app, Context& ctx);
void add_doctor_command(CLI::App& app, Context& ctx);
void add_verify_command(CLI::App& app, Context& ctx);
void add_serve_command(CLI::App& app, Context& ctx);
void add_quality_command(CLI::App& app, Context& ctx);

} // namespace acme::cli
