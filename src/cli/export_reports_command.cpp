// acme export-reports: writes the business reports (design.md section 5) as CSV and/or
// report.html plus manifest.json, all from one REPEATABLE READ snapshot of the target, or one
// report to standard output.
#include "acme/config/config.hpp"
#include "acme/db/connection.hpp"
#include "acme/error.hpp"
#include "acme/report/exporter.hpp"
#include "acme/report/reports.hpp"
#include "cli/common.hpp"

#include <algorithm>
#include <cstdio>
#include <fmt/format.h>
#include <iostream>
#include <map>
#include <memory>

namespace acme::cli {
namespace {

struct ExportReportsOptions {
  bool all = false;
  std::map<std::string, bool> selected; // report name -> flag given
  bool html = false;
  bool profile = false;
  std::string output_dir = "output";
  int days = report::k_default_status_days;
  bool days_given = false;
  bool to_stdout = false;
  std::string file_mode = "0640";
};

// --file-mode: octal permission bits; nobody but the owner may write a report.
mode_t parse_file_mode(const std::string& text) {
  std::size_t used = 0;
  unsigned long mode = 0;
  try {
    mode = std::stoul(text, &used, 8);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || mode > 0777) {
    throw UsageError(fmt::format("--file-mode: '{}' is not an octal file mode such as 0640", text));
  }
  if ((mode & 0022U) != 0 || (mode & 0600U) != 0600) {
    throw UsageError(fmt::format("--file-mode {:04o}: the owner must read and write the reports "
                                 "and nobody else may write them (e.g. 0600, 0640, 0644)",
                                 mode));
  }
  return static_cast<mode_t>(mode);
}

std::vector<const report::Report*> selection(const ExportReportsOptions& opts) {
  std::vector<const report::Report*> out;
  for (const auto& r : report::catalog()) {
    const auto it = opts.selected.find(std::string(r.name));
    if ((opts.all && r.in_all) || (it != opts.selected.end() && it->second)) {
      out.push_back(&r);
    }
  }
  return out;
}

int run_export_reports(Context& ctx, const ExportReportsOptions& opts) {
  const auto reports = selection(opts);
  const mode_t file_mode = parse_file_mode(opts.file_mode);
  const bool html = opts.html || opts.all;
  if (reports.empty() && !html && !opts.profile) {
    throw UsageError("export-reports: select at least one report: --all, --open-orders, "
                     "--top-dates, --pending-items, --top-customers, --status-durations, "
                     "--quality, --html or --profile");
  }
  const bool durations =
      html || std::any_of(reports.begin(), reports.end(),
                          [](const report::Report* r) { return r->name == "status-durations"; });
  if (opts.days_given && !durations) {
    throw UsageError("export-reports: --days sets the window of --status-durations (or --html, "
                     "--all), which is not selected");
  }
  if (opts.to_stdout && (opts.html || opts.profile)) {
    throw UsageError(fmt::format("export-reports: --stdout writes one CSV report, not {}",
                                 opts.html ? "--html" : "--profile"));
  }
  if (opts.to_stdout && reports.size() != 1) {
    throw UsageError(fmt::format("export-reports: --stdout writes exactly one report, but {} "
                                 "are selected",
                                 reports.size()));
  }
  const config::Config c = load_config(ctx);
  config::require_target(c);
  config::check_identifier("ACME_TARGET_SCHEMA (--target-schema)", c.target_schema);
  auto conn = db::connect(c.target_dsn, "target", "acme export-reports");

  if (opts.to_stdout) {
    const auto* r = reports.front();
    report::export_to_sink(
        *conn, report::ReportParams{c.target_schema, opts.days}, *r, [](std::string_view bytes) {
          std::cout.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        });
    std::cout.flush();
    if (!std::cout) {
      throw Error("export-reports: cannot write to standard output");
    }
    return 0;
  }

  const report::ExportOptions options{
      c.target_schema, c.closed_statuses, opts.output_dir, reports, html,
      opts.profile,    opts.days,         file_mode};
  const auto summary = report::export_to_directory(*conn, options);
  for (const auto& f : summary.files) {
    if (!f.name.empty()) {
      std::cout << fmt::format("{}\t{} columns\n", f.path.string(), f.rows);
    } else if (f.format == "csv") {
      std::cout << fmt::format("{}\t{} rows\n", f.path.string(), f.rows);
    } else {
      std::cout << fmt::format("{}\t{} reports\n", f.path.string(), f.reports.size());
    }
  }
  std::cout << summary.manifest.string() << '\n';
  std::cout.flush();
  return 0;
}

} // namespace

void add_export_reports_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<ExportReportsOptions>();
  auto* cmd = app.add_subcommand(
      "export-reports",
      "Export business reports as CSV (RFC 4180, LF line ends) and/or one self-contained HTML "
      "page with charts, plus manifest.json, all from one consistent snapshot of the target");
  const char* const which = "Reports (combine freely)";
  cmd->add_flag("--all", opts->all, "All the CSVs and report.html")->group(which);
  for (const auto& r : report::catalog()) {
    const std::string name(r.name);
    cmd->add_flag("--" + name, opts->selected[name], std::string(r.file_name))->group(which);
  }
  cmd->add_flag("--html", opts->html,
                "report.html: every report as an SVG chart and a table under a freshness banner "
                "(no JavaScript, no external resources; prints well)")
      ->group(which);
  cmd->add_flag("--profile", opts->profile,
                "data_profile.csv: every column of the analytical tables profiled (null share, "
                "distinct count, min, max, top values; not in --all: it reads every row)")
      ->group(which);
  cmd->add_option_function<int>(
         "--days",
         [opts](int days) {
           opts->days = days;
           opts->days_given = true;
         },
         fmt::format("status_durations: intervals that ended in the last N days (default {})",
                     report::k_default_status_days))
      ->check(CLI::Range(1, 36500))
      ->type_name("N");
  auto* dir = cmd->add_option("--output-dir", opts->output_dir,
                              "Directory for the files and manifest.json (created if missing)")
                  ->capture_default_str();
  auto* mode = cmd->add_option("--file-mode", opts->file_mode,
                               "Permissions of every file written, exactly (octal; the umask does "
                               "not apply): reports hold customer names")
                   ->capture_default_str()
                   ->type_name("OCTAL");
  cmd->add_flag("--stdout", opts->to_stdout,
                "Write the one selected CSV report to standard output instead (no manifest)")
      ->excludes(dir)
      ->excludes(mode);
  cmd->callback([&ctx, opts] { ctx.exit_code = run_export_reports(ctx, *opts); });
}

} // namespace acme::cli
