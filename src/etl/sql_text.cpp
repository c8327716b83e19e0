#include "acme/etl/sql_text.hpp"

#include "acme/db/connection.hpp"
#include "acme/etl/cursor.hpp"
#include "acme/sql/embedded.hpp"

#include <algorithm>

namespace acme::etl {

namespace {

// A rule file of sql/etl rendered over `values`, without its comment lines (the file's comment
// stays in the file; the expression is spliced into a statement).
std::string rule(std::string_view file, const std::map<std::string, std::string>& values) {
  std::string fragment;
  for (std::string_view rest = file; !rest.empty();) {
    const auto eol = rest.find('\n');
    const auto line = rest.substr(0, eol);
    if (line.rfind("--", 0) != 0) {
      fragment += std::string(line);
    }
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
  }
  return db::render(fragment, values);
}

} // namespace

std::string is_open_sql(std::string_view status, std::string_view closed) {
  return rule(sql::etl_is_open, {{"status", std::string(status)}, {"closed", std::string(closed)}});
}

std::string order_totals_sql(std::string_view quantity, std::string_view price) {
  return rule(sql::etl_order_totals_rule,
              {{"quantity", std::string(quantity)}, {"price", std::string(price)}});
}

std::string settled_value_sql(std::string_view live, std::string_view refreshed,
                              std::string_view kept, std::string_view current) {
  return rule(sql::etl_settled_rule, {{"live", std::string(live)},
                                      {"refreshed", std::string(refreshed)},
                                      {"kept", std::string(kept)},
                                      {"current", std::string(current)}});
}

std::string max_cursor_sql(const TableSpec& table, std::string_view relation) {
  return db::render(sql::etl_max_cursor, {{"pk", db::quote_ident(table.pk)},
                                          {"relation", std::string(relation)},
                                          {"ts_format", "'" + std::string(k_ts_format) + "'"}});
}

std::string render_sql(std::string_view sql, const std::string& schema, const TableSpec* table,
                       const std::map<std::string, std::string>& values) {
  std::map<std::string, std::string> all = values;
  all.emplace("schema", db::quote_ident(schema));
  all.emplace("bucket_bits", std::to_string(k_bucket_bits));
  all.emplace("is_open_s", is_open_sql("s.status", k_session_closed_set));
  all.emplace("is_open_o", is_open_sql("o.status", k_session_closed_set));
  all.emplace("order_totals_i", order_totals_sql("i.quantity", "i.price"));
  all.emplace("item_price",
              settled_value_sql("item_live", "item_refreshed", "kept_price", "current_price"));
  all.emplace("item_name",
              settled_value_sql("item_live", "item_refreshed", "kept_name", "current_name"));
  all.emplace("order_name",
              settled_value_sql("order_live", "order_refreshed", "kept_name", "current_name"));
  if (table != nullptr) {
    all.emplace("pk", db::quote_ident(table->pk));
    all.emplace("target", db::quote_ident(table->target));
    all.emplace("staging", std::string(table->staging));
    all.emplace("keys", std::string(table->keys));
    all.emplace("recon", std::string(table->recon));
    all.emplace("gone_tids", db::render(sql::etl_gone_tids, all));
  }
  return db::render(sql, all);
}

std::vector<std::string> closed_status_set(std::vector<std::string> closed_statuses) {
  std::sort(closed_statuses.begin(), closed_statuses.end());
  closed_statuses.erase(std::unique(closed_statuses.begin(), closed_statuses.end()),
                        closed_statuses.end());
  return closed_statuses;
}

} // namespace acme::etl
