#include "acme/etl/reconciler.hpp"

#include "acme/db/connection.hpp"
#include "acme/etl/sql_text.hpp"
#include "acme/sql/embedded.hpp"

#include <pqxx/pqxx>

namespace acme::etl {
namespace {

std::vector<std::int64_t> keys_of(const pqxx::result& r) {
  std::vector<std::int64_t> out;
  out.reserve(r.size());
  for (const auto& row : r) {
    out.push_back(row[0].as<std::int64_t>());
  }
  return out;
}

} // namespace

Reconciler::Reconciler(pqxx::transaction_base& target, std::string schema)
    : m_tx(target), m_schema(std::move(schema)) {}

std::vector<std::int64_t> Reconciler::mismatched_buckets(const TableSpec& table,
                                                         const std::optional<KeyRange>& range) {
  return keys_of(
      m_tx.exec(render_sql(sql::etl_recon_mismatched_buckets, m_schema, &table,
                           {{"buckets", std::string(table.buckets)},
                            {"range", key_condition(db::quote_ident(table.pk), range)}})));
}

std::vector<std::int64_t> Reconciler::missing_keys(const TableSpec& table, std::int64_t limit) {
  return keys_of(m_tx.exec(render_sql(sql::etl_recon_missing_keys, m_schema, &table,
                                      {{"limit", std::to_string(limit)}})));
}

} // namespace acme::etl
