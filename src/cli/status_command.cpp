// acme status: cursors, last run, late-commit horizon and lag. Exit 0 when the last run succeeded.
#include "acme/etl/status.hpp"
#include "cli/common.hpp"

#include <iostream>

namespace acme::cli {
namespace {

struct StatusOptions {
  bool json = false;
};

int run_status(Context& ctx, const StatusOptions& opts) {
  const config::Config c = load_config(ctx);
  config::require_target(c);
  const etl::Status s = etl::read_status(c);
  if (opts.json) {
    std::cout << s.report.dump(2) << '\n';
  } else {
    std::cout << etl::format_status(s.report);
  }
  return s.healthy ? 0 : 1;
}

} // namespace

void add_status_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<StatusOptions>();
  auto* cmd = app.add_subcommand(
      "status", "Show sync state: cursors, last run, late-commit horizon, lag behind the source "
                "(exit 0 if the last run succeeded, 1 otherwise)");
  cmd->add_flag("--json", opts->json, "Print JSON");
  cmd->callback([&ctx, opts] { ctx.exit_code = run_status(ctx, *opts); });
}

} // namespace acme::cli
