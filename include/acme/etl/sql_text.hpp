#pragma once

#include "acme/etl/tables.hpp"

#include <map>
#include <string>
#include <string_view>

namespace acme::etl {

// The text of one of acme's SQL files (sql/, embedded) for the target `schema`: substitutes
// {schema}, {bucket_bits} and, with `table`, {pk} {target} {staging} {keys} {recon}, then every
// {name} of `values`.
std::string render_sql(std::string_view sql, const std::string& schema,
                       const TableSpec* table = nullptr,
                       const std::map<std::string, std::string>& values = {});

} // namespace acme::etl
