#pragma once

#include "acme/report/csv_writer.hpp"

#include <string_view>
#include <vector>

namespace acme::report {

// One business report (issue 4): its command-line name, CSV file, embedded SQL and columns.
struct Report {
  std::string_view name;       // flag without dashes, e.g. "open-orders"
  std::string_view file_name;  // e.g. "open_orders_by_delivery_date_and_status.csv"
  std::string_view sql;        // sql/reports/*.sql with the {schema} placeholder
  std::vector<Column> columns; // exactly the query's result columns, in order
};

// The four reports, in the order they are exported and listed in manifest.json.
const std::vector<Report>& catalog();

// The report called `name`, or nullptr.
const Report* find_report(std::string_view name);

} // namespace acme::report
