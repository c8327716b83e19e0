// What the target remembers between cycles: SyncState reads and writes the polling cursors, the
// closed-status set the data was computed with, prepared-transaction pins and the run records.
#pragma once

#include "acme/etl/cursor.hpp"
#include "acme/etl/horizon.hpp"

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

// acme's bookkeeping tables in the target schema (acme_sync_state, acme_settings,
// acme_prepared_pins, acme_runs), in the transaction the caller owns, so that cursors and the
// run record commit with the data they describe.
class SyncState {
public:
  SyncState(pqxx::transaction_base& target, std::string schema);

  // Stored state per source table name.
  std::map<std::string, TableState> load_tables();

  // Stores a table's cursor; `full` (a full read, which compares every key too) stamps the last
  // full read and the last reconciliation.
  void save_cursor(const std::string& table, const Cursor& cursor, bool full);

  // Records that every key of `table` has just been compared with the source (its cursor stays).
  void mark_reconciled(const std::string& table);

  // A CDC snapshot hand-off: forgets the polling cursors, so a later polling cycle starts with a
  // full read (the stream, not the cursors, has been keeping the target current).
  void forget_cursors();

  // Stores the closed-status set the cycle computes with. Returns true when it differs from the
  // one the stored data was computed with (false when none was stored yet).
  bool store_closed_statuses(const std::vector<std::string>& closed_statuses);

  // Whether the stored data was computed with another closed-status set (read only; false when
  // none is stored yet). CDC asks at start: a changed set must not wait for the next change.
  bool closed_statuses_differ(const std::vector<std::string>& closed_statuses);

  // Records pins for prepared transactions seen for the first time (at the stored cursors) and
  // forgets those of transactions that are gone; returns the lowest pin per table and the
  // number of tables newly pinned.
  struct Pins {
    std::map<std::string, Cursor> lowest;      // table -> the cursor it must not pass
    std::map<std::string, std::string> holder; // table -> gid of the transaction pinning it
    int added = 0;
  };
  Pins pin_prepared(const std::vector<PreparedXact>& prepared);

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
  std::optional<nlohmann::json> stored_closed_set();

  pqxx::transaction_base& m_tx;
  std::string m_schema;
};

} // namespace acme::etl
