// The target side of a sync cycle, except the rules: Loader stages rows, deletes and history
// events, and stores cursors, the CDC position, prepared-transaction pins and run records.
#pragma once

#include "acme/etl/cursor.hpp"
#include "acme/etl/horizon.hpp"
#include "acme/etl/tables.hpp"

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/transaction_base>
#include <string>
#include <vector>

namespace acme::etl {

// Per-table sync state as stored in the target.
struct TableState {
  Cursor cursor;
  bool loaded = false; // a full read of this table has committed at least once
};

// The target side of a cycle, except the rules: staging (rows, deletes, key sets, history
// events), the work tables, cursors, the CDC position, prepared-transaction pins and run
// records, all in the transaction the caller owns, so that the data the Transformer writes,
// cursors and the run record commit together.
class Loader {
public:
  Loader(pqxx::transaction_base& target, std::string schema);

  // Creates/empties the session's work tables and loads the closed-status set. Returns true when
  // that set differs from the one the stored data was computed with.
  bool prepare(const std::vector<std::string>& closed_statuses);

  // Whether the stored data was computed with another closed-status set (read only; false when
  // none is stored yet). CDC asks at start: a changed set must not wait for the next change.
  bool closed_statuses_differ(const std::vector<std::string>& closed_statuses);

  // The greatest (updated_at, key) among the staged rows with a known updated_at.
  std::optional<Cursor> staged_max(const TableSpec& table);

  // Uses the staged rows as the table's complete key set, over every key range (a full read).
  void keys_from_staging(const TableSpec& table);

  // Compares the source's key-range summaries (acme_buckets_*) with the target's; records the
  // ranges that differ for reconciliation and returns them.
  std::vector<std::int64_t> mismatched_buckets(const TableSpec& table,
                                               const std::optional<KeyRange>& range = std::nullopt);

  // Keys the source has (acme_keys_*) that neither the target nor the staging holds.
  std::vector<std::int64_t> missing_keys(const TableSpec& table, std::int64_t limit);

  // Whether the target holds no order and no item yet (a full load then has no settled prices
  // to keep).
  bool target_empty();

  // Records pins for prepared transactions seen for the first time (at the stored cursors) and
  // forgets those of transactions that are gone; returns the lowest pin per table and the
  // number of tables newly pinned.
  struct Pins {
    std::map<std::string, Cursor> lowest;      // table -> the cursor it must not pass
    std::map<std::string, std::string> holder; // table -> gid of the transaction pinning it
    int added = 0;
  };
  Pins pin_prepared(const std::vector<PreparedXact>& prepared);

  // --- CDC: rows that arrive from the change stream instead of a source query ---------------

  // COPYs row images (TableSpec::columns order, PostgreSQL text, nullopt = NULL) into the
  // table's staging table.
  void stage_rows(const TableSpec& table,
                  const std::vector<std::vector<std::optional<std::string>>>& rows);

  // Makes Transformer::merge() delete `keys` (with the same fan-outs as a reconciliation finding
  // them gone); call after stage_rows() for the table, which must then be in its key_tables.
  void stage_deletes(const TableSpec& table, const std::vector<std::int64_t>& keys);

  // The applied LSN stored for `slot` (nullopt: none), and whether a polling cycle ran since.
  struct CdcState {
    std::string applied_lsn;
    bool needs_snapshot = false;
  };
  std::optional<CdcState> load_cdc_state(const std::string& slot);

  // Stores the end LSN of the last source commit this transaction applies.
  void save_cdc_state(const std::string& slot, const std::string& applied_lsn);

  // A polling cycle: marks every slot's stream as no longer continuing the target's state.
  void invalidate_cdc_state();

  // Before acme drops or creates `slot`: records (inserting the row if there is none) that the
  // stream does not continue the target until a snapshot hand-off commits. Committed before the
  // slot changes, so a start interrupted anywhere later re-snapshots instead of streaming a new
  // slot from an old position, and recognizes a slot it created but never recorded as its own.
  void mark_snapshot_needed(const std::string& slot);

  // Stores a position the stream reached with nothing of the target's pending (WAL of other
  // tables or databases), before acme confirms it to the server, so that a slot confirmed past
  // what the target stored means lost changes. False if the slot's record needs a snapshot.
  bool advance_cdc_position(const std::string& slot, const std::string& lsn);

  // A CDC snapshot hand-off: forgets the polling cursors, so a later polling cycle starts with a
  // full read (the stream, not the cursors, has been keeping the target current).
  void forget_poll_state();

  // --- History events (sql/etl/history_*.sql turns them into intervals: Transformer) ----------

  // CDC: COPYs change events (already in acme_evt_* column order) into the event table of
  // `table` ("orders" or "customers").
  void stage_events(const std::string& table,
                    const std::vector<std::vector<std::optional<std::string>>>& rows);

  // CDC: a TRUNCATE of `table` ("orders" or "customers") at stream position `seq`.
  void stage_truncate_event(const std::string& table, std::int64_t seq,
                            const std::string& committed_utc);

  // Stored state per source table name.
  std::map<std::string, TableState> load_state();

  // Stores a table's cursor; `full` (a full read, which compares every key too) stamps the last
  // full read and the last reconciliation.
  void save_state(const std::string& table, const Cursor& cursor, bool full);
  // Records that every key of `table` has just been compared with the source (its cursor stays).
  void mark_reconciled(const std::string& table);

  // One row of acme_runs: a committed cycle or CDC flush, or a failed cycle.
  struct RunRecord {
    std::string started_at;                  // UTC, text (timestamptz input)
    std::string mode;                        // full | incremental | reconcile | cdc | ...
    bool succeeded = true;                   // status succeeded | failed
    std::optional<std::string> horizon_kind; // exact | lookback | cdc
    std::optional<std::string> horizon;      // the late-commit horizon (updated_at's time base)
    nlohmann::json rows = nlohmann::json::object(); // rows read and written, by table and step
    std::optional<std::string> error;
  };
  // Appends the run record of this cycle (in the same transaction).
  void record_run(const RunRecord& run);

private:
  // The closed-status set as stored in acme_settings: sorted, without duplicates.
  static nlohmann::json closed_set(const std::vector<std::string>& closed_statuses);
  std::optional<nlohmann::json> stored_closed_set();
  // Substitutes {schema}, {bucket_bits} and, with `table`, {pk} {target} {staging} {keys} {recon}.
  std::string render(std::string_view sql, const TableSpec* table = nullptr,
                     const std::map<std::string, std::string>& values = {}) const;
  std::optional<Cursor> max_cursor(const TableSpec& table, const std::string& relation);
  // Empties the session's work tables left by the previous cycle (see prepare()).
  void empty_work_tables();

  // A work table larger than this is truncated rather than emptied with DELETE.
  static constexpr std::int64_t k_work_table_truncate_bytes = 1 << 20;

  pqxx::transaction_base& m_tx;
  std::string m_schema;
};

} // namespace acme::etl
