#include "acme/etl/sql_text.hpp"

#include "acme/db/connection.hpp"
#include "acme/sql/embedded.hpp"

namespace acme::etl {

std::string is_open_sql(std::string_view status, std::string_view closed) {
  std::string fragment;
  for (std::string_view rest = sql::etl_is_open; !rest.empty();) {
    const auto eol = rest.find('\n');
    const auto line = rest.substr(0, eol);
    if (line.rfind("--", 0) != 0) { // the file's comment stays in the file
      fragment += std::string(line);
    }
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
  }
  return db::render(fragment, {{"status", std::string(status)}, {"closed", std::string(closed)}});
}

std::string render_sql(std::string_view sql, const std::string& schema, const TableSpec* table,
                       const std::map<std::string, std::string>& values) {
  std::map<std::string, std::string> all = values;
  all.emplace("schema", db::quote_ident(schema));
  all.emplace("bucket_bits", std::to_string(k_bucket_bits));
  all.emplace("is_open_s", is_open_sql("s.status", k_session_closed_set));
  all.emplace("is_open_o", is_open_sql("o.status", k_session_closed_set));
  if (table != nullptr) {
    all.emplace("pk", db::quote_ident(table->pk));
    all.emplace("target", db::quote_ident(table->target));
    all.emplace("staging", std::string(table->staging));
    all.emplace("keys", std::string(table->keys));
    all.emplace("recon", std::string(table->recon));
  }
  return db::render(sql, all);
}

} // namespace acme::etl
