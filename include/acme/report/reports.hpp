// The catalog of business reports: each report's name, CSV file, embedded SQL and columns, and
// its SQL instantiated for a target schema.
#pragma once

#include "acme/report/csv_writer.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace acme::report {

// One business report (design.md section 5): its command-line name, CSV file, embedded SQL and
// columns.
struct Report {
  std::string_view name;       // flag without dashes, e.g. "open-orders"
  std::string_view file_name;  // e.g. "open_orders_by_delivery_date_and_status.csv"
  std::string_view sql;        // sql/reports/*.sql with the {schema} and {days} placeholders
  std::vector<Column> columns; // exactly the query's result columns, in order
  bool in_all = true;          // exported by --all (and listed in its usage)
};

// How many days of closed status intervals status_durations.csv covers unless --days says.
inline constexpr int k_default_status_days = 30;

// What a report's SQL is instantiated with.
struct ReportParams {
  std::string schema;
  int days = k_default_status_days; // status-durations: closed intervals of the last N days
};

// The SQL of `report` for `params`: {schema} and {days} substituted.
std::string report_sql(const Report& report, const ReportParams& params);

// The reports, in the order they are exported and listed in manifest.json.
const std::vector<Report>& catalog();

// The report called `name`, or nullptr.
const Report* find_report(std::string_view name);

} // namespace acme::report
