// JSON text for database values, written exactly: numbers keep every digit PostgreSQL printed
// (a double would round a NUMERIC), and values JSON has no number for (NaN, Infinity) become
// strings. Used by every route that returns rows.
#pragma once

#include "acme/report/csv_writer.hpp"

#include <optional>
#include <pqxx/result>
#include <string>
#include <string_view>

namespace acme::api {

// Appends `text` as a JSON string.
void append_json_string(std::string& out, std::string_view text);

// Appends a cell of a report column: null, a number (kind number, when JSON can carry it) or a
// string.
void append_json_cell(std::string& out, std::optional<std::string_view> value,
                      report::CellKind kind);

// Appends one row of `row` as a JSON object, each field by its PostgreSQL type (booleans,
// integers and finite NUMERICs as JSON values, the rest as strings).
void append_json_row(std::string& out, const pqxx::row& row);

// Appends every row of `result` as a JSON array of objects.
void append_json_rows(std::string& out, const pqxx::result& result);

} // namespace acme::api
