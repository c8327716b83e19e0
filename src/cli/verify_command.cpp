// acme verify [--repair]: compares the target with the invariant over one source snapshot.
// Exit 0 when equal (or, with --repair, when every difference was repaired), 4 on drift.
#include "acme/error.hpp"
#include "acme/log/logging.hpp"
#include "acme/ops/verify.hpp"
#include "cli/common.hpp"

#include <iostream>

namespace acme::cli {
namespace {

struct VerifyOptions {
  bool json = false;
  bool repair = false;
};

int run_verify(Context& ctx, const VerifyOptions& opts) {
  const config::Config c = load_config(ctx);
  config::require_source(c);
  config::require_target(c);
  const ops::VerifyReport report = ops::run_verify(c, opts.repair);
  if (opts.json) {
    std::cout << report.to_json().dump(2) << '\n';
  } else {
    std::cout << log::printable(report.to_text(), true);
  }
  return static_cast<int>(report.unresolved() ? ExitCode::drift : ExitCode::ok);
}

} // namespace

void add_verify_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<VerifyOptions>();
  auto* cmd = app.add_subcommand(
      "verify", "Compare every target row with what the source gives (one snapshot; per key range "
                "counts and hashes first, then rows of differing ranges); print missing, extra "
                "and different rows per table (exit 0 equal, 4 drift)");
  cmd->add_flag("--repair", opts->repair,
                "Rewrite exactly the differing rows in one target transaction under the writer "
                "lock (exit 0 when all were repaired)");
  cmd->add_flag("--json", opts->json, "Print JSON");
  add_sync_options(*cmd, ctx);
  cmd->callback([&ctx, opts] { ctx.exit_code = run_verify(ctx, *opts); });
}

} // namespace acme::cli
