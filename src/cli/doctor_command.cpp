// acme doctor: preflight of the source, the target and (in cdc mode) the replication setup.
// Exit 0 when no check fails, 1 otherwise.
#include "acme/log/logging.hpp"
#include "acme/ops/doctor.hpp"
#include "cli/common.hpp"

#include <iostream>

namespace acme::cli {
namespace {

struct DoctorOptions {
  bool json = false;
};

int run_doctor(Context& ctx, const DoctorOptions& opts) {
  const config::Config c = load_config(ctx);
  const ops::DoctorReport report = ops::run_doctor(c);
  if (opts.json) {
    std::cout << report.to_json().dump(2) << '\n';
  } else {
    std::cout << log::printable(report.to_text(), true);
  }
  return report.failed() ? 1 : 0;
}

} // namespace

void add_doctor_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<DoctorOptions>();
  auto* cmd = app.add_subcommand(
      "doctor", "Check the setup: connections and TLS, versions, the source contract, privileges, "
                "late-commit horizon, clocks, the target schema, and with --mode cdc wal_level, "
                "REPLICATION, the publication and acme's slot; one line per check with the fix "
                "(exit 0 when nothing fails, 1 otherwise)");
  cmd->add_flag("--json", opts->json, "Print JSON");
  add_sync_options(*cmd, ctx);
  cmd->callback([&ctx, opts] { ctx.exit_code = run_doctor(ctx, *opts); });
}

} // namespace acme::cli
