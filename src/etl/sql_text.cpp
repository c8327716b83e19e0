#include "acme/etl/sql_text.hpp"

#include "acme/db/connection.hpp"

namespace acme::etl {

std::string render_sql(std::string_view sql, const std::string& schema, const TableSpec* table,
                       const std::map<std::string, std::string>& values) {
  std::map<std::string, std::string> all = values;
  all.emplace("schema", db::quote_ident(schema));
  all.emplace("bucket_bits", std::to_string(k_bucket_bits));
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
