// The output formats of export-reports: the ReportWriter interface that receives each report's
// rows from the one snapshot, and its CSV and HTML implementations.
#pragma once

#include "acme/quality/anomalies.hpp"
#include "acme/report/reports.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace acme::report {

// One row of a report as PostgreSQL printed it (nullopt is NULL); valid during the call only.
using Cells = std::vector<std::optional<std::string_view>>;

// What the export's snapshot reflects, for formats that show it (report.html's banner).
struct SnapshotInfo {
  std::string generated_at; // the snapshot's now(), UTC, e.g. 2024-06-01T10:01:02.123456Z
  std::string target_schema;
  nlohmann::ordered_json sync_state; // read_sync_state(), as manifest.json records it
  // The daily series scored against their baselines in the same snapshot (report.html's
  // anomalies section); empty when the format does not show them.
  std::optional<quality::AnomalyResult> anomalies;
};

// One file an export wrote, as manifest.json lists it.
struct WrittenFile {
  std::string format; // "csv" or "html"
  std::filesystem::path path;
  std::vector<const Report*> reports; // a CSV's one report; every report report.html shows
  std::int64_t rows = 0;              // CSV records, header excluded (0 for HTML)
  // A CSV that is not a catalog report (data_profile.csv): its name in manifest.json and its
  // columns. Empty for the others.
  std::string name;
  std::vector<std::string> columns;
};

// The "report format" role: one output format of export-reports. The exporter runs every
// report some writer wants once, in the one snapshot, and streams its rows to each writer that
// wants it; then finish() writes the format's files completely but invisibly (temp files),
// and publish() renames them into place once every query and every writer has succeeded.
class ReportWriter {
public:
  ReportWriter() = default;
  virtual ~ReportWriter() = default;
  ReportWriter(const ReportWriter&) = delete;
  ReportWriter& operator=(const ReportWriter&) = delete;
  ReportWriter(ReportWriter&&) = delete;
  ReportWriter& operator=(ReportWriter&&) = delete;

  // Whether this format needs `report`'s rows.
  virtual bool wants(const Report& report) const = 0;

  // The rows of `report` follow (in its ORDER BY), then end_report().
  virtual void begin_report(const Report& report) = 0;

  // One row of the current report (cells in the catalog's column order).
  virtual void write_row(const Cells& cells) = 0;

  // The current report has no more rows.
  virtual void end_report() = 0;

  // Every wanted report has been read: writes the files (not yet visible).
  virtual void finish(const SnapshotInfo& snapshot) = 0;

  // Makes the files visible atomically, in order; returns what was written.
  virtual std::vector<WrittenFile> publish() = 0;
};

// The CSV format: one RFC 4180 file per report in `reports`, named by the catalog, in `dir`,
// each with file mode `mode`.
std::unique_ptr<ReportWriter> make_csv_writer(std::filesystem::path dir,
                                              std::vector<const Report*> reports, mode_t mode);

// The HTML format: report.html in `dir`, every report as a chart and a table under a
// freshness banner (html_report.hpp).
std::unique_ptr<ReportWriter> make_html_writer(std::filesystem::path dir, mode_t mode);

} // namespace acme::report
