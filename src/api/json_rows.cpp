#include "json_rows.hpp"

#include <nlohmann/json.hpp>

namespace acme::api {
namespace {

// PostgreSQL type OIDs (pg_type.dat): stable across versions.
constexpr pqxx::oid k_bool = 16;
constexpr pqxx::oid k_int8 = 20;
constexpr pqxx::oid k_int2 = 21;
constexpr pqxx::oid k_int4 = 23;
constexpr pqxx::oid k_numeric = 1700;

// Whether PostgreSQL's text of a number is also a JSON number (not NaN or +-Infinity).
bool json_number(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789.-+eE") == std::string_view::npos &&
         text.find_first_of("0123456789") != std::string_view::npos;
}

} // namespace

void append_json_string(std::string& out, std::string_view text) {
  out += nlohmann::json(std::string(text))
             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void append_json_cell(std::string& out, std::optional<std::string_view> value,
                      report::CellKind kind) {
  if (!value) {
    out += "null";
  } else if (kind == report::CellKind::number && json_number(*value)) {
    out += *value;
  } else {
    append_json_string(out, *value);
  }
}

void append_json_row(std::string& out, const pqxx::row& row) {
  out += '{';
  for (pqxx::row::size_type i = 0; i < row.size(); ++i) {
    const pqxx::field f = row[i];
    if (i > 0) {
      out += ',';
    }
    append_json_string(out, f.name());
    out += ':';
    const pqxx::oid type = f.type();
    const std::string_view text(f.c_str(), f.size());
    if (f.is_null()) {
      out += "null";
    } else if (type == k_bool) {
      out += text == "t" ? "true" : "false";
    } else if ((type == k_int8 || type == k_int2 || type == k_int4 || type == k_numeric) &&
               json_number(text)) {
      out += text;
    } else {
      append_json_string(out, text);
    }
  }
  out += '}';
}

void append_json_rows(std::string& out, const pqxx::result& result) {
  out += '[';
  bool first = true;
  for (const auto& row : result) {
    if (!first) {
      out += ',';
    }
    first = false;
    append_json_row(out, row);
  }
  out += ']';
}

} // namespace acme::api
