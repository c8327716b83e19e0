// The staging of a target cycle: Stager creates and empties the session's work tables and fills
// them (source rows, deletes, key sets, history events) for the Transformer to merge.
#pragma once

#include "acme/etl/cursor.hpp"
#include "acme/etl/tables.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <pqxx/transaction_base>
#include <string>
#include <vector>

namespace acme::etl {

// Row images in TableSpec::columns order (or an event table's), PostgreSQL text, nullopt = NULL.
using StagedRows = std::vector<std::vector<std::optional<std::string>>>;

// Which of a table's work tables (TableSpec) a COPY fills.
enum class WorkTable {
  rows,    // staging: source rows to merge
  buckets, // the source's per-range key summaries (reconciliation)
  keys,    // the source's keys in the ranges that differ (reconciliation)
};

// Fills the session's work tables (sql/etl/staging.sql) in the target transaction the caller
// owns, so that what the Transformer merges from them commits with the cursors and the run.
class Stager {
public:
  Stager(pqxx::transaction_base& target, std::string schema);

  // Creates the session's work tables, or empties those the previous cycle left, and loads the
  // closed-status set into the session's acme_closed. Returns whether it created them (the
  // session's first cycle).
  bool prepare(const std::vector<std::string>& closed_statuses);

  // COPYs the rows of `query`, run in `source`, into `table`'s work table `into`; `should_stop`
  // and `on_rows` as in db::copy_between. Returns the rows copied. Called by the Extractor,
  // which builds the query.
  std::int64_t copy_in(pqxx::transaction_base& source, const std::string& query,
                       const TableSpec& table, WorkTable into,
                       const std::function<bool()>& should_stop = {},
                       const std::function<void(std::int64_t rows)>& on_rows = {});

  // The greatest (updated_at, key) among the staged rows with a known updated_at.
  std::optional<Cursor> staged_max(const TableSpec& table);

  // Uses the staged rows as the table's complete key set, over every key range (a full read).
  void keys_from_staging(const TableSpec& table);

  // --- CDC and repairs: rows that arrive from elsewhere than a source query ------------------

  // COPYs row images (TableSpec::columns order) into the table's staging table.
  void stage_rows(const TableSpec& table, const StagedRows& rows);

  // Makes Transformer::merge() delete `keys` (with the same fan-outs as a reconciliation finding
  // them gone); call after stage_rows() for the table, which must then be in its key_tables.
  void stage_deletes(const TableSpec& table, const std::vector<std::int64_t>& keys);

  // --- History events (sql/etl/history_*.sql turns them into intervals: Transformer) ----------

  // CDC: COPYs change events (already in acme_evt_* column order) into the event table of
  // `table` ("orders" or "customers").
  void stage_events(const std::string& table, const StagedRows& rows);

  // CDC: a TRUNCATE of `table` ("orders" or "customers") at stream position `seq`.
  void stage_truncate_event(const std::string& table, std::int64_t seq,
                            const std::string& committed_utc);

private:
  // Empties the session's work tables left by the previous cycle (see prepare()).
  void empty_work_tables();

  // A work table larger than this is truncated rather than emptied with DELETE.
  static constexpr std::int64_t k_work_table_truncate_bytes = 1 << 20;

  pqxx::transaction_base& m_tx;
  std::string m_schema;
};

} // namespace acme::etl
