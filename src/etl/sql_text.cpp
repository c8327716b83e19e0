#include "acme/etl/sql_text.hpp"

#include "acme/db/connection.hpp"

namespace acme::etl {

std::string render_sql(std::string_view sql, const std::string& schema, const TableSpec* table,
                       const std::map<std::string, std::string>& values) {
  std::string text = db::with_schema(sql, schema);
  const auto replace_all = [&text](std::string_view name, const std::string& value) {
    for (auto pos = text.find(name); pos != std::string::npos; pos = text.find(name, pos)) {
      text.replace(pos, name.size(), value);
      pos += value.size();
    }
  };
  replace_all("{bucket_bits}", std::to_string(k_bucket_bits));
  if (table != nullptr) {
    replace_all("{pk}", db::quote_ident(table->pk));
    replace_all("{target}", db::quote_ident(table->target));
    replace_all("{staging}", std::string(table->staging));
    replace_all("{keys}", std::string(table->keys));
    replace_all("{recon}", std::string(table->recon));
  }
  for (const auto& [name, value] : values) {
    replace_all("{" + name + "}", value);
  }
  return text;
}

} // namespace acme::etl
