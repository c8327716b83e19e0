// acme: incremental PostgreSQL ETL and business reports for ACME Delivery Services.
// The one exit point: every error ends here as "acme: error: <message>" (an error line of the
// log when it is JSON or goes to files too) and a documented code.
#include "acme/config/dsn.hpp"
#include "acme/error.hpp"
#include "acme/log/logging.hpp"
#include "acme/version.hpp"
#include "cli/common.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstring>
#include <fmt/format.h>
#include <iostream>
#include <string>
#include <vector>

namespace {

int fail(const acme::cli::Context& ctx, const std::exception& e, acme::ExitCode code) {
  const std::string message = acme::config::redact(acme::one_line(e.what()), ctx.secrets);
  if (!acme::log::log_fatal(message)) {
    std::cerr << "acme: error: " << acme::log::printable(message) << '\n';
  }
  return static_cast<int>(code);
}

// The value part of an argument: `--flag=value` -> value; a plain argument as it is.
char* argument_value(char* arg) {
  if (std::strncmp(arg, "--", 2) == 0) {
    char* eq = std::strchr(arg, '=');
    return eq == nullptr ? nullptr : eq + 1;
  }
  return arg;
}

// Whether an argument may be a connection string (key=value words or a URI), flag or
// positional: its secrets are hidden even where it does not belong.
bool may_be_dsn(const char* value) {
  return value != nullptr && (std::strchr(value, '=') != nullptr || std::strstr(value, "://"));
}

// Every secret any argument carries, so that no error line (CLI11's echo of a bad flag or an
// unexpected positional argument included) shows one.
std::vector<std::string> argument_secrets(int argc, char** argv) {
  std::vector<std::string> out;
  for (int i = 1; i < argc; ++i) {
    const char* value = argument_value(argv[i]);
    if (may_be_dsn(value)) {
      const auto s = acme::config::dsn_secrets(value);
      out.insert(out.end(), s.begin(), s.end());
    }
  }
  // Longest first, across arguments too: a secret is masked whole before any piece of it.
  std::stable_sort(out.begin(), out.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return out;
}

// Overwrites, in the process's own argument strings, every occurrence of `secrets` in a DSN
// argument (`--source-dsn URI`, `--target-dsn=key=value ...`), so that the process list
// (/proc/PID/cmdline, ps) shows asterisks instead. acme parses its own copies.
void hide_passwords_from_process_list(int argc, char** argv,
                                      const std::vector<std::string>& secrets) {
  for (int i = 1; i < argc; ++i) {
    char* value = argument_value(argv[i]);
    if (!may_be_dsn(value)) {
      continue;
    }
    const std::string text(value);
    for (const auto& secret : secrets) {
      for (auto pos = text.find(secret); pos != std::string::npos;
           pos = text.find(secret, pos + secret.size())) {
        std::memset(value + pos, '*', secret.size());
      }
    }
  }
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  std::vector<char*> arg_ptrs;
  for (auto& a : args) {
    arg_ptrs.push_back(a.data());
  }
  const std::vector<std::string> argv_secrets = argument_secrets(argc, argv);
  hide_passwords_from_process_list(argc, argv, argv_secrets);

  CLI::App app{"acme: keeps an analytical copy of the ACME orders database in a second "
               "PostgreSQL database and exports business reports from it.\n"
               "Exit codes: 0 ok, 1 failure, 2 usage or configuration error, "
               "3 another acme holds the lock, 4 verify found drift, 5 quality score below "
               "--fail-below."};
  app.set_version_flag("--version", fmt::format("acme {}", acme::version()));
  app.require_subcommand(1);
  app.fallthrough();

  acme::cli::Context ctx;
  ctx.secrets = argv_secrets;
  acme::cli::add_global_options(app, ctx);
  acme::cli::add_run_etl_command(app, ctx);
  acme::cli::add_run_continuous_etl_command(app, ctx);
  acme::cli::add_status_command(app, ctx);
  acme::cli::add_migrate_command(app, ctx);
  acme::cli::add_config_command(app, ctx);
  acme::cli::add_export_reports_command(app, ctx);
  acme::cli::add_cdc_command(app, ctx);
  acme::cli::add_doctor_command(app, ctx);
  acme::cli::add_verify_command(app, ctx);
  acme::cli::add_serve_command(app, ctx);
  acme::cli::add_quality_command(app, ctx);

  try {
    app.parse(argc, arg_ptrs.data());
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) { // --help, --version
      return app.exit(e);
    }
    // A bad flag is an error like any other: one "acme: error:" line, exit 2.
    std::cerr << "acme: error: "
              << acme::log::printable(acme::config::redact(acme::one_line(e.what()), argv_secrets))
              << " (acme --help lists the flags)\n";
    return static_cast<int>(acme::ExitCode::usage);
  } catch (const acme::LockedError& e) {
    return fail(ctx, e, acme::ExitCode::locked);
  } catch (const acme::UsageError& e) {
    return fail(ctx, e, acme::ExitCode::usage);
  } catch (const std::exception& e) {
    return fail(ctx, e, acme::ExitCode::failure);
  }
  return ctx.exit_code;
}
