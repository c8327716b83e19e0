// The ETL's SQL text: the "is this order open" expression from sql/etl/is_open.sql, and the
// rendering of acme's embedded SQL files with the placeholders they share.
#pragma once

#include "acme/etl/tables.hpp"

#include <map>
#include <string>
#include <string_view>

namespace acme::etl {

// "Is this order open", as a SQL expression over the status expression `status` and the closed
// set `closed` (a text[] expression): sql/etl/is_open.sql, the one place the rule is written.
std::string is_open_sql(std::string_view status, std::string_view closed);

// The closed set inside a target cycle: the session's acme_closed table (sql/etl/staging.sql).
inline constexpr std::string_view k_session_closed_set = "ARRAY(SELECT status FROM acme_closed)";

// The text of one of acme's SQL files (sql/, embedded) for the target `schema`: substitutes
// {schema}, {bucket_bits}, {is_open_s} and {is_open_o} (is_open_sql() of s.status and o.status
// against the session's closed set) and, with `table`, {pk} {target} {staging} {keys} {recon},
// then every {name} of `values`.
std::string render_sql(std::string_view sql, const std::string& schema,
                       const TableSpec* table = nullptr,
                       const std::map<std::string, std::string>& values = {});

} // namespace acme::etl
