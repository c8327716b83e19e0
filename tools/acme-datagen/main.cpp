// acme-datagen: simulates the ACME orders source database for the demo, tests and benchmarks.
// The one exit point: every error ends here as "acme-datagen: error: <message>" and an exit code.
#include "acme/config/dsn.hpp"
#include "acme/error.hpp"
#include "acme/version.hpp"
#include "datagen.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <iostream>

namespace {

int fail(const acme::datagen::Context& ctx, const std::exception& e, acme::ExitCode code) {
  std::cerr << "acme-datagen: error: " << acme::config::redact(e.what(), ctx.secrets) << '\n';
  return static_cast<int>(code);
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "acme-datagen: creates the ACME orders source schema (design.md section 2), fills it "
      "with realistic deterministic data and drives a live workload against it.\n"
      "Exit codes: 0 ok (also after SIGTERM/SIGINT in live), 1 failure, 2 usage error."};
  app.set_version_flag("--version", fmt::format("acme-datagen {}", acme::version()));
  app.require_subcommand(1);
  app.fallthrough();

  acme::datagen::Context ctx;
  app.add_option("--dsn", ctx.dsn,
                 "Source connection: libpq URI or key=value [env: ACME_SOURCE_DSN]");
  app.add_option("--schema", ctx.schema,
                 "Schema of the source tables [env: ACME_SOURCE_SCHEMA, default: operations]");
  acme::datagen::add_create_schema_command(app, ctx);
  acme::datagen::add_fill_command(app, ctx);
  acme::datagen::add_live_command(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : static_cast<int>(acme::ExitCode::usage);
  } catch (const acme::UsageError& e) {
    return fail(ctx, e, acme::ExitCode::usage);
  } catch (const std::exception& e) {
    return fail(ctx, e, acme::ExitCode::failure);
  }
  return ctx.exit_code;
}
