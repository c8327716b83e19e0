// `acme export-reports`: the selected reports read from one snapshot of the target, and the CSVs,
// report.html and manifest.json written atomically into the output directory.
#pragma once

#include "acme/report/csv_writer.hpp"
#include "acme/report/report_writer.hpp"
#include "acme/report/reports.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <pqxx/connection>
#include <pqxx/transaction>
#include <string>
#include <string_view>
#include <vector>

namespace acme::report {

// The one snapshot every export reads from, so that the selected reports agree.
using SnapshotTransaction = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;

// The file next to the CSVs that says what they reflect.
inline constexpr std::string_view k_manifest_file = "manifest.json";

// The column profiles of the analytical tables (--profile; quality_csv.hpp).
inline constexpr std::string_view k_profile_file = "data_profile.csv";

// What to export and where.
struct ExportOptions {
  std::string target_schema;
  std::vector<std::string> closed_statuses; // recorded in the manifest
  std::filesystem::path output_dir;         // created if missing; refused unless ours (see below)
  std::vector<const Report*> reports;       // CSVs to write, from catalog(), in catalog order
  bool html = false;                        // also report.html (every report, charts + tables)
  bool profile = false;                     // also data_profile.csv (quality::profile())
  int status_days = k_default_status_days;  // status_durations: closed intervals of N days
  mode_t file_mode = 0640;                  // every file written, exactly (not the umask)
};

// What an export wrote: the CSVs in catalog order, then report.html and data_profile.csv if asked
// for.
struct ExportSummary {
  std::vector<WrittenFile> files;
  std::filesystem::path manifest;
};

// Reads every report a selected format needs (the CSVs in options.reports, all of them for
// report.html) once, from one REPEATABLE READ READ ONLY snapshot of the target, and writes each
// file, then manifest.json, atomically into options.output_dir. Files are renamed into place
// only once every query and every format has succeeded. Throws acme::Fatal if the target has
// no acme schema yet, acme::Error/Fatal (classified) on database or file errors.
ExportSummary export_to_directory(pqxx::connection& target, const ExportOptions& options);

// Writes one report as CSV to `sink` from its own snapshot; returns the number of rows.
std::int64_t export_to_sink(pqxx::connection& target, const ReportParams& params,
                            const Report& report, const Sink& sink);

// Prepares `tx` for exporting: ISO dates (YYYY-MM-DD) whatever the server's DateStyle.
void prepare_snapshot(pqxx::transaction_base& tx);

// Throws acme::Fatal naming the missing object unless `schema` exists with acme's tables.
void check_target_schema(pqxx::transaction_base& tx, const std::string& schema);

// Runs `report` in `tx` through a server-side cursor (bounded memory) and hands each row to
// `on_row`; returns the number of rows. Throws acme::Error if the query's columns differ from
// the catalog's.
std::int64_t run_report(pqxx::transaction_base& tx, const ReportParams& params,
                        const Report& report, const std::function<void(const Cells&)>& on_row);

// run_report writing the header and rows to `writer`.
std::int64_t run_report(pqxx::transaction_base& tx, const ReportParams& params,
                        const Report& report, CsvWriter& writer);

// The sync state visible in `tx`: last successful cycle and per-table cursors (nulls and an
// empty object on a never-synced target) plus acme_settings, as manifest.json records them.
nlohmann::ordered_json read_sync_state(pqxx::transaction_base& tx, const std::string& schema);

// Builds manifest.json's content (pure: no I/O).
nlohmann::ordered_json make_manifest(const std::string& generated_at, const ExportOptions& options,
                                     const nlohmann::ordered_json& sync_state,
                                     const std::vector<WrittenFile>& files);

} // namespace acme::report
