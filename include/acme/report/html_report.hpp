#pragma once

// report.html: what each report looks like as a section (chart + table), and the freshness
// banner. Pure functions from rows to markup; report_writer.cpp feeds them from the snapshot.

#include "acme/report/html.hpp"
#include "acme/report/report_writer.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace acme::report {

// The file the HTML format writes next to the CSVs.
inline constexpr std::string_view k_html_file = "report.html";

// The rows of one report that the page shows: the first ones kept, and how many there were.
struct ReportRows {
  std::vector<std::vector<std::optional<std::string>>> rows;
  std::int64_t total = 0;
};

// One section of the page: which report feeds it, how many of its rows it keeps in memory
// (the rest are only counted) and how it is drawn. Adding a report to the page is one entry.
struct HtmlSectionSpec {
  std::string_view report; // catalog name, e.g. "pending-items"
  std::size_t keep_rows;   // rows kept; later rows are counted only
  HtmlSection (*build)(const ReportRows& rows);
};

// The page's sections, in page order.
const std::vector<HtmlSectionSpec>& html_sections();

// The section spec for catalog report `name`, or nullptr if the page does not show it.
const HtmlSectionSpec* find_html_section(std::string_view name);

// The anomalies section: one chart per daily series over the scored days, the days outside
// their trailing baseline drawn as a second, highlighted series ("Flagged"), and a table of the
// flagged days (series, day, value, baseline median, robust z).
HtmlSection anomalies_section(const quality::AnomalyResult& result);

// The whole page: banner from `snapshot`, then every section of html_sections() (a report
// missing from `data` shows as empty), then the anomalies when `snapshot` carries them.
std::string render_html_report(const SnapshotInfo& snapshot,
                               const std::map<std::string, ReportRows, std::less<>>& data);

// Last successful sync, its mode and run, and the lag behind the snapshot; a warning when the
// target was never synced.
HtmlBanner freshness_banner(const SnapshotInfo& snapshot);

// Seconds since the epoch of a UTC timestamp "YYYY-MM-DDTHH:MM:SS[.ffffff]Z", or nullopt.
std::optional<double> parse_utc_timestamp(std::string_view text);

// A duration for people: "42 s", "3 min 12 s", "5 h 03 min", "2 d 4 h".
std::string format_duration(double seconds);

} // namespace acme::report
