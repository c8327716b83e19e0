// acme cdc setup | drop-slot: prepare the source for CDC mode, and remove acme's replication slot.
#include "acme/cdc/admin.hpp"
#include "cli/common.hpp"

#include <iostream>
#include <spdlog/spdlog.h>

namespace acme::cli {
namespace {

struct DropSlotOptions {
  bool force = false;
};

int run_setup(Context& ctx) {
  const config::Config c = load_config(ctx);
  config::require_source(c);
  const cdc::SetupResult r = cdc::setup_publication(c);
  for (const auto& f : r.findings) {
    spdlog::warn("{}", f);
  }
  switch (r.outcome) {
  case cdc::SetupResult::Outcome::created:
    spdlog::info("created publication {} for the four tables of schema {}", c.cdc_publication,
                 c.source_schema);
    return 0;
  case cdc::SetupResult::Outcome::complete:
    spdlog::info("publication {} already publishes the four tables of schema {}: nothing to do",
                 c.cdc_publication, c.source_schema);
    return 0;
  case cdc::SetupResult::Outcome::needs_dba:
    break;
  }
  spdlog::error("the source is not ready for CDC and acme may not fix it: a DBA should run the "
                "SQL printed on standard output in the source database");
  std::cout << r.sql;
  return 2;
}

int run_drop_slot(Context& ctx, const DropSlotOptions& opts) {
  const config::Config c = load_config(ctx);
  config::require_source(c);
  config::require_target(c);
  (void)cdc::drop_slot(c, opts.force);
  return 0;
}

// The settings the cdc subcommands read, as flags (the sync commands have them too).
void add_cdc_options(CLI::App& cmd, Context& ctx) {
  auto& o = ctx.overrides;
  cmd.add_option("--cdc-slot", o.cdc_slot,
                 "Replication slot acme creates and owns [env: ACME_CDC_SLOT, default: acme]");
  cmd.add_option("--cdc-publication", o.cdc_publication,
                 "Publication streamed in cdc mode [env: ACME_CDC_PUBLICATION, default: "
                 "cdc_publication]");
}

} // namespace

void add_cdc_command(CLI::App& app, Context& ctx) {
  auto* cdc = app.add_subcommand("cdc", "Prepare the source for CDC mode, or drop acme's slot");
  cdc->require_subcommand(1);

  auto* setup = cdc->add_subcommand(
      "setup", "Check wal_level = logical and create the publication for the four source tables "
               "(exit 0); when the source role may not, print the SQL for a DBA and exit 2");
  add_cdc_options(*setup, ctx);
  setup->callback([&ctx] { ctx.exit_code = run_setup(ctx); });

  auto opts = std::make_shared<DropSlotOptions>();
  auto* drop = cdc->add_subcommand(
      "drop-slot", "Drop acme's replication slot so the source stops retaining WAL for it; the "
                   "next cdc start re-snapshots (exit 3 while a stream uses the slot)");
  drop->add_flag("--force", opts->force,
                 "Drop the slot even if this target has no record of creating it");
  add_cdc_options(*drop, ctx);
  drop->callback([&ctx, opts] { ctx.exit_code = run_drop_slot(ctx, *opts); });
}

} // namespace acme::cli
