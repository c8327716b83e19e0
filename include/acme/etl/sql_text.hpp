// The ETL's SQL text: the rules of design.md §3 written once in sql/etl (is this order open, an
// order's totals, an item's price) as SQL expressions, and the rendering of acme's embedded SQL
// files with the placeholders they share.
#pragma once

#include "acme/etl/tables.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace acme::etl {

// "Is this order open", as a SQL expression over the status expression `status` and the closed
// set `closed` (a text[] expression): sql/etl/is_open.sql, the one place the rule is written.
std::string is_open_sql(std::string_view status, std::string_view closed);

// An order's totals over its items' quantity and price expressions, as the select-list items
// `total_items` and `total_amount` of a query grouped by order: sql/etl/order_totals_rule.sql.
std::string order_totals_sql(std::string_view quantity, std::string_view price);

// The value a denormalized column of an order or item row holds (an item's price and product
// name, an order's customer name), from whether its order is open now or was before this sync
// (`live`), whether the row itself is new or changed (`refreshed`), the value it holds (`kept`)
// and the dimension's current value (`current`): sql/etl/settled_rule.sql.
std::string settled_value_sql(std::string_view live, std::string_view refreshed,
                              std::string_view kept, std::string_view current);

// The query of the greatest cursor (updated_at as text, key) of `relation`, a table with
// `table`'s columns: sql/etl/max_cursor.sql.
std::string max_cursor_sql(const TableSpec& table, std::string_view relation);

// The closed set inside a target cycle: the session's acme_closed table (sql/etl/staging.sql).
inline constexpr std::string_view k_session_closed_set = "ARRAY(SELECT status FROM acme_closed)";

// The closed-status set as a target cycle loads it into acme_closed and stores it in
// acme_settings: sorted, without duplicates.
std::vector<std::string> closed_status_set(std::vector<std::string> closed_statuses);

// The text of one of acme's SQL files (sql/, embedded) for the target `schema`: substitutes
// {schema}, {bucket_bits}, {is_open_s} and {is_open_o} (is_open_sql() of s.status and o.status
// against the session's closed set), {order_totals_i} (order_totals_sql() of i.quantity and
// i.price: target item rows aliased i), {item_price} and {item_name} (settled_value_sql() of
// the columns item_live, item_refreshed, kept_price / kept_name and current_price / current_name,
// which the query provides), {order_name} (the same of order_live, order_refreshed, kept_name
// and current_name) and, with
// `table`, {pk} {target} {staging} {keys} {recon},
// then every {name} of `values`.
std::string render_sql(std::string_view sql, const std::string& schema,
                       const TableSpec* table = nullptr,
                       const std::map<std::string, std::string>& values = {});

} // namespace acme::etl
