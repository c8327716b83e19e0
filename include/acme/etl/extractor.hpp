// The source side of a sync cycle: the reads of the source tables (changes, full loads, key
// reconciliation) copied into the Stager's work tables, the parallel full load's reads
// (LoadReader), the check of the source contract, and the tables' row estimates.
#pragma once

#include "acme/db/copy_connection.hpp"
#include "acme/etl/cursor.hpp"
#include "acme/etl/horizon.hpp"
#include "acme/etl/stager.hpp"
#include "acme/etl/tables.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <pqxx/transaction_base>
#include <string>
#include <vector>

namespace acme::etl {

class LoadReader;

// The source side of a cycle: reads from one REPEATABLE READ READ ONLY transaction that the
// caller owns, into the target's work tables (Stager) or as queries that the caller runs. It
// never writes to the source.
class Extractor {
public:
  Extractor(pqxx::transaction_base& source, std::string schema);

  // --- COPYs into the target's work tables, from this transaction; each returns the rows
  // copied. `should_stop` is polled during the COPY (db::copy_between). ------------------------

  // Rows after `after` in cursor order, at most `limit` (NULL updated_at rows are never
  // included), into the table's staging table.
  std::int64_t copy_changes(const TableSpec& table, const Cursor& after, long limit, Stager& into,
                            const std::function<bool()>& should_stop) const;

  // Every row of the table into its staging table; `on_rows` is told the rows copied so far.
  std::int64_t copy_all(const TableSpec& table, Stager& into,
                        const std::function<bool()>& should_stop,
                        const std::function<void(std::int64_t rows)>& on_rows = {}) const;

  // The rows with the given keys into the table's staging table (CDC: row images that arrived
  // incomplete).
  std::int64_t copy_rows(const TableSpec& table, const std::vector<std::int64_t>& keys,
                         Stager& into, const std::function<bool()>& should_stop = {}) const;

  // Reconciliation: per key range (bucket = key >> k_bucket_bits) within `range`, the count, sum
  // and hash sum of the keys, into the table's buckets work table.
  std::int64_t copy_buckets(const TableSpec& table, const std::optional<KeyRange>& range,
                            Stager& into, const std::function<bool()>& should_stop) const;

  // Reconciliation: the primary keys in the given key ranges, into the table's keys work table.
  std::int64_t copy_keys(const TableSpec& table, const std::vector<std::int64_t>& buckets,
                         Stager& into, const std::function<bool()>& should_stop) const;

  // Reconciliation: rows a cursor cannot see (NULL or infinite updated_at, within `range`) plus
  // the given keys, into the table's staging table.
  std::int64_t copy_invisible_rows(const TableSpec& table, const std::vector<std::int64_t>& keys,
                                   const std::optional<KeyRange>& range, Stager& into,
                                   const std::function<bool()>& should_stop) const;

  // --- Queries the caller runs -----------------------------------------------------------------

  // The full load's reads (ParallelLoad's workers), their queries built now, on the thread that
  // owns this transaction.
  LoadReader load_reader(const std::vector<std::string>& closed_statuses) const;

  // The number of heap blocks of the table (its size on disk, not a statistic); NULL when the
  // relation is not a plain table (a view, a foreign or partitioned table: no TID ranges).
  std::string block_count_query(const TableSpec& table) const;

  // The smallest and greatest primary key of the table (two index lookups).
  std::string key_bounds_query(const TableSpec& table) const;

  // The greatest (updated_at, primary key) of the table, as a cursor row.
  std::string max_cursor_query(const TableSpec& table) const;

  // Checks that the source tables and columns of the contract exist and are readable; throws
  // acme::Fatal naming what is missing.
  void check_contract();

private:
  std::string table_name(const TableSpec& table) const;
  // The queries of the COPYs above.
  std::string changes_query(const TableSpec& table, const Cursor& after, long limit) const;
  std::string all_rows_query(const TableSpec& table) const;
  std::string rows_query(const TableSpec& table, const std::vector<std::int64_t>& keys) const;
  std::string buckets_query(const TableSpec& table, const std::optional<KeyRange>& range) const;
  std::string keys_query(const TableSpec& table, const std::vector<std::int64_t>& buckets) const;
  std::string invisible_rows_query(const TableSpec& table, const std::vector<std::int64_t>& keys,
                                   const std::optional<KeyRange>& range) const;

  pqxx::transaction_base& m_tx;
  std::string m_schema;
};

// The full load's reads of the source: every order and every item, denormalized in the load's
// snapshot, streamed by binary COPY (db::copy_binary) into a target COPY destination. Made by
// Extractor::load_reader(); its copies run on ParallelLoad's worker threads, each on the worker's
// own source connection, which has imported the load's snapshot. It holds only query text, so
// one reader serves every worker at once.
class LoadReader {
public:
  // Every item (in heap blocks `blocks`, if given) with its product's name and price and its
  // order's status, delivery date and openness, in the column order of ParallelLoad's item
  // destination (`table` of `target`). `observe` sees each row on its way (etl/order_totals.hpp
  // names the fields). Returns the rows the target stored.
  std::int64_t copy_items(db::CopyConnection& source, const std::optional<BlockRange>& blocks,
                          db::CopyConnection& target, const std::string& table,
                          const std::function<bool()>& should_stop,
                          const db::RowObserver& observe) const;

  // Every order with its customer's name and openness, in the column order of ParallelLoad's
  // order work table (the totals are summed in the target: etl/order_totals.hpp).
  std::int64_t copy_orders(db::CopyConnection& source, db::CopyConnection& target,
                           const std::string& table, const std::function<bool()>& should_stop,
                           const db::RowObserver& observe) const;

private:
  friend class Extractor;
  LoadReader(std::string open, std::string schema);
  std::string items_query(const std::optional<BlockRange>& blocks) const;

  std::string m_open; // is_open_sql() over the source's o.status, the closed statuses quoted
  std::string m_schema;
};

// The planner's row estimates (pg_class.reltuples, -1 when never analyzed or missing) of the
// source's four tables in `schema`, by table name, every one present
// (sql/source/table_estimates.sql).
std::map<std::string, std::int64_t> source_row_estimates(pqxx::transaction_base& source,
                                                         const std::string& schema);

} // namespace acme::etl
