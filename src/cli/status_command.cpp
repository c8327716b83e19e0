// acme status: cursors, last run, late-commit horizon and lag. Exit 0 when the last run succeeded.
#include "acme/error.hpp"
#include "acme/log/logging.hpp"
#include "acme/ops/status.hpp"
#include "cli/common.hpp"

#include <fmt/format.h>
#include <iostream>

namespace acme::cli {
namespace {

struct StatusOptions {
  bool json = false;
};

int run_status(Context& ctx, const StatusOptions& opts) {
  const config::Config c = load_config(ctx);
  config::require_target(c);
  const ops::Status s = ops::read_status(c);
  if (opts.json) {
    std::cout << s.report.dump(2) << '\n';
  } else {
    std::cout << log::printable(ops::format_status(s.report), true);
  }
  if (s.stale && !s.lock_holder.empty()) {
    // Nothing syncs because some session keeps the writer lock: exit 3, naming it.
    throw LockedError(fmt::format("no sync for longer than ACME_MAX_SYNC_AGE: the writer lock on "
                                  "target schema '{}' is held by {}",
                                  c.target_schema, s.lock_holder));
  }
  return s.healthy ? 0 : 1;
}

} // namespace

void add_status_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<StatusOptions>();
  auto* cmd = app.add_subcommand(
      "status",
      "Show sync state: cursors, last run, late-commit horizon, lag behind the source "
      "(exit 0 if the last run succeeded and a sync happened within ACME_MAX_SYNC_AGE, 1 otherwise, 3 when a session holding the writer lock keeps syncs from running)");
  cmd->add_flag("--json", opts->json, "Print JSON");
  cmd->add_option("--max-sync-age", ctx.overrides.max_sync_age,
                  "Fail (exit 1; exit 3 naming the holder when a session keeps the writer lock) "
                  "when nothing synced for this many seconds [env: ACME_MAX_SYNC_AGE, default: "
                  "max(300, 3 x ACME_POLLING_INTERVAL)]");
  cmd->callback([&ctx, opts] { ctx.exit_code = run_status(ctx, *opts); });
}

} // namespace acme::cli
