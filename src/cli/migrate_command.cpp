// acme migrate: create or upgrade the target schema (run-etl does this by itself too).
#include "acme/etl/sync.hpp"
#include "cli/common.hpp"

#include <spdlog/spdlog.h>

namespace acme::cli {
namespace {

int run_migrate(Context& ctx) {
  const config::Config c = load_config(ctx);
  config::require_target(c);
  etl::Syncer syncer(c, {});
  const auto applied = syncer.migrate_only();
  if (applied.empty()) {
    spdlog::info("target schema {} is up to date", c.target_schema);
  } else {
    spdlog::info("target schema {}: applied {} migration(s), now at version {}", c.target_schema,
                 applied.size(), applied.back());
  }
  return 0;
}

} // namespace

void add_migrate_command(CLI::App& app, Context& ctx) {
  auto* cmd =
      app.add_subcommand("migrate", "Create or upgrade the target schema (versioned, idempotent)");
  cmd->callback([&ctx] { ctx.exit_code = run_migrate(ctx); });
}

} // namespace acme::cli
