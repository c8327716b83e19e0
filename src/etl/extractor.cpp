#include "acme/etl/extractor.hpp"

#include "acme/db/connection.hpp"
#include "acme/error.hpp"
#include "acme/etl/sql_text.hpp"
#include "acme/sql/embedded.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <pqxx/pqxx>

namespace acme::etl {

Extractor::Extractor(pqxx::transaction_base& source, std::string schema)
    : m_tx(source), m_schema(std::move(schema)) {}

std::string Extractor::table_name(const TableSpec& table) const {
  return db::qualify(m_schema, table.source);
}

std::string Extractor::changes_query(const TableSpec& table, const Cursor& after,
                                     long limit) const {
  const std::string pk = db::quote_ident(table.pk);
  std::string where = "updated_at IS NOT NULL AND isfinite(updated_at)";
  if (!after.empty()) {
    where += fmt::format(" AND (updated_at, {}) > ({}::timestamp(3), {})", pk,
                         m_tx.quote(*after.ts), after.pk);
  }
  return fmt::format("SELECT {} FROM {} WHERE {} ORDER BY updated_at, {} LIMIT {}", table.columns,
                     table_name(table), where, pk, limit);
}

std::string Extractor::all_rows_query(const TableSpec& table) const {
  return fmt::format("SELECT {} FROM {}", table.columns, table_name(table));
}

namespace {
std::string bigint_array(const std::vector<std::int64_t>& values) {
  std::string list;
  list.reserve(values.size() * 8);
  for (const auto v : values) {
    list += list.empty() ? "" : ",";
    list += std::to_string(v);
  }
  return "'{" + list + "}'::bigint[]";
}
} // namespace

namespace {
std::string closed_array(pqxx::transaction_base& tx,
                         const std::vector<std::string>& closed_statuses) {
  std::string closed;
  for (const auto& status : closed_statuses) {
    closed += (closed.empty() ? "" : ", ") + tx.quote(status);
  }
  return "ARRAY[" + closed + "]::text[]";
}
} // namespace

LoadReader Extractor::load_reader(const std::vector<std::string>& closed_statuses) const {
  return LoadReader(is_open_sql("o.status", closed_array(m_tx, closed_statuses)), m_schema);
}

LoadReader::LoadReader(std::string open, std::string schema)
    : m_open(std::move(open)), m_schema(std::move(schema)) {}

std::string LoadReader::items_query(const std::optional<BlockRange>& blocks) const {
  const std::string where = blocks ? " WHERE " + block_condition("i", *blocks) : "";
  return db::render(sql::source_denormalized_items,
                    {{"open", m_open},
                     {"items", db::qualify(m_schema, "order_items")},
                     {"products", db::qualify(m_schema, "products")},
                     {"orders", db::qualify(m_schema, "orders")},
                     {"where", where}});
}

std::int64_t LoadReader::copy_items(db::CopyConnection& source,
                                    const std::optional<BlockRange>& blocks,
                                    db::CopyConnection& target, const std::string& table,
                                    const std::function<bool()>& should_stop,
                                    const db::RowObserver& observe) const {
  return db::copy_binary(source, items_query(blocks), target, table, should_stop, observe);
}

std::int64_t LoadReader::copy_orders(db::CopyConnection& source, db::CopyConnection& target,
                                     const std::string& table,
                                     const std::function<bool()>& should_stop,
                                     const db::RowObserver& observe) const {
  const std::string query = db::render(sql::source_denormalized_orders,
                                       {{"open", m_open},
                                        {"orders", db::qualify(m_schema, "orders")},
                                        {"customers", db::qualify(m_schema, "customers")}});
  return db::copy_binary(source, query, target, table, should_stop, observe);
}

std::string Extractor::block_count_query(const TableSpec& table) const {
  // Only a plain table (or materialized view) has heap blocks a TID range can address.
  return db::render(sql::source_table_blocks, {{"relation", m_tx.quote(table_name(table))}});
}

std::string Extractor::key_bounds_query(const TableSpec& table) const {
  return db::render("SELECT min({pk}), max({pk}) FROM {t}",
                    {{"pk", db::quote_ident(table.pk)}, {"t", table_name(table)}});
}

std::string Extractor::max_cursor_query(const TableSpec& table) const {
  return max_cursor_sql(table, table_name(table));
}

std::string Extractor::buckets_query(const TableSpec& table,
                                     const std::optional<KeyRange>& range) const {
  const std::string pk = db::quote_ident(table.pk);
  return db::render(sql::source_recon_buckets, {{"pk", pk},
                                                {"bits", std::to_string(k_bucket_bits)},
                                                {"t", table_name(table)},
                                                {"range", key_condition(pk, range)}});
}

std::string Extractor::keys_query(const TableSpec& table,
                                  const std::vector<std::int64_t>& buckets) const {
  const std::string pk = db::quote_ident(table.pk);
  // The bucket test alone cannot use the primary key index: bound the scan by the lowest and
  // highest bucket first.
  const auto [lo, hi] = std::minmax_element(buckets.begin(), buckets.end());
  const auto bounds =
      buckets.empty() ? std::nullopt : std::optional<KeyRange>(bucket_keys(*lo, *hi));
  return db::render(sql::source_recon_keys, {{"pk", pk},
                                             {"t", table_name(table)},
                                             {"range", key_condition(pk, bounds)},
                                             {"bits", std::to_string(k_bucket_bits)},
                                             {"list", bigint_array(buckets)}});
}

std::string Extractor::invisible_rows_query(const TableSpec& table,
                                            const std::vector<std::int64_t>& keys,
                                            const std::optional<KeyRange>& range) const {
  const std::string pk = db::quote_ident(table.pk);
  return db::render(sql::source_recon_invisible_rows, {{"columns", std::string(table.columns)},
                                                       {"t", table_name(table)},
                                                       {"range", key_condition(pk, range)},
                                                       {"pk", pk},
                                                       {"keys", bigint_array(keys)}});
}

std::string Extractor::rows_query(const TableSpec& table,
                                  const std::vector<std::int64_t>& keys) const {
  return fmt::format("SELECT {} FROM {} WHERE {} = ANY({})", table.columns, table_name(table),
                     db::quote_ident(table.pk), bigint_array(keys));
}

std::int64_t Extractor::copy_changes(const TableSpec& table, const Cursor& after, long limit,
                                     Stager& into, const std::function<bool()>& should_stop) const {
  return into.copy_in(m_tx, changes_query(table, after, limit), table, WorkTable::rows,
                      should_stop);
}

std::int64_t Extractor::copy_all(const TableSpec& table, Stager& into,
                                 const std::function<bool()>& should_stop,
                                 const std::function<void(std::int64_t rows)>& on_rows) const {
  return into.copy_in(m_tx, all_rows_query(table), table, WorkTable::rows, should_stop, on_rows);
}

std::int64_t Extractor::copy_rows(const TableSpec& table, const std::vector<std::int64_t>& keys,
                                  Stager& into, const std::function<bool()>& should_stop) const {
  return into.copy_in(m_tx, rows_query(table, keys), table, WorkTable::rows, should_stop);
}

std::int64_t Extractor::copy_buckets(const TableSpec& table, const std::optional<KeyRange>& range,
                                     Stager& into, const std::function<bool()>& should_stop) const {
  return into.copy_in(m_tx, buckets_query(table, range), table, WorkTable::buckets, should_stop);
}

std::int64_t Extractor::copy_keys(const TableSpec& table, const std::vector<std::int64_t>& buckets,
                                  Stager& into, const std::function<bool()>& should_stop) const {
  return into.copy_in(m_tx, keys_query(table, buckets), table, WorkTable::keys, should_stop);
}

std::int64_t Extractor::copy_invisible_rows(const TableSpec& table,
                                            const std::vector<std::int64_t>& keys,
                                            const std::optional<KeyRange>& range, Stager& into,
                                            const std::function<bool()>& should_stop) const {
  return into.copy_in(m_tx, invisible_rows_query(table, keys, range), table, WorkTable::rows,
                      should_stop);
}

void Extractor::check_contract() {
  for (const auto& table : k_tables) {
    const auto r = m_tx.exec_params(std::string(sql::source_contract_readable), m_schema,
                                    std::string(table.source));
    if (r.empty()) {
      throw Fatal(fmt::format("source table {}.{} does not exist: check ACME_SOURCE_SCHEMA "
                              "(now '{}') and the source database in ACME_SOURCE_DSN",
                              m_schema, table.source, m_schema));
    }
    if (!r[0][0].as<bool>()) {
      throw Fatal(fmt::format("the source role may not read {}.{}: GRANT SELECT on it (see "
                              "sql/roles/)",
                              m_schema, table.source));
    }
    const auto cols =
        m_tx.exec_params(std::string(sql::source_contract_columns), table_name(table));
    const std::string have = "," + cols[0][0].as<std::string>("") + ",";
    std::string_view wanted = table.columns;
    while (!wanted.empty()) {
      const auto comma = wanted.find(',');
      std::string_view col = wanted.substr(0, comma);
      while (!col.empty() && col.front() == ' ') {
        col.remove_prefix(1);
      }
      if (have.find("," + std::string(col) + ",") == std::string::npos) {
        throw Fatal(fmt::format("source table {}.{} has no column {}: the source does not match "
                                "the ACME orders contract",
                                m_schema, table.source, col));
      }
      wanted = comma == std::string_view::npos ? std::string_view{} : wanted.substr(comma + 1);
    }
  }
}

std::map<std::string, std::int64_t> source_row_estimates(pqxx::transaction_base& source,
                                                         const std::string& schema) {
  std::map<std::string, std::int64_t> out;
  for (const auto& t : etl::k_tables) {
    out[std::string(t.source)] = -1; // unknown until the query says otherwise
  }
  for (const auto& row : source.exec_params(std::string(sql::source_table_estimates), schema)) {
    out[row[0].as<std::string>()] = row[1].as<std::int64_t>(-1);
  }
  return out;
}

} // namespace acme::etl
