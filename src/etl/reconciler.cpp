#include "acme/etl/reconciler.hpp"

#include "acme/db/connection.hpp"
#include "acme/etl/sql_text.hpp"
#include "acme/sql/embedded.hpp"

#include <pqxx/pqxx>

namespace acme::etl {
namespace {

// Above this many keys missing from the target, re-reading the table whole is cheaper than
// asking the source for each key.
constexpr std::int64_t k_missing_keys_limit = 50000;

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

Reconciler::Comparison Reconciler::compare(const TableSpec& table,
                                           const std::optional<KeyRange>& range,
                                           const Extractor& source, Stager& stager,
                                           const std::function<bool()>& should_stop) {
  Comparison out;
  source.copy_buckets(table, range, stager, should_stop);
  const auto buckets = mismatched_buckets(table, range);
  if (!buckets.empty()) {
    source.copy_keys(table, buckets, stager, should_stop);
  }
  out.ranges_compared = buckets.size();
  const auto missing = missing_keys(table, k_missing_keys_limit + 1);
  if (static_cast<std::int64_t>(missing.size()) > k_missing_keys_limit) {
    out.rows_read = source.copy_all(table, stager, should_stop);
  } else { // also the range's rows with no usable updated_at: changed or not, re-read
    out.rows_read = source.copy_invisible_rows(table, missing, range, stager, should_stop);
  }
  return out;
}

} // namespace acme::etl
