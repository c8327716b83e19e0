// The polling sync: Syncer holds the source and target connections and the writer lock, and runs
// cycles of batches (incremental, full or reconciling), each committed with its cursors.
#pragma once

#include "acme/config/config.hpp"
#include "acme/error.hpp"
#include "acme/etl/extractor.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <pqxx/connection>
#include <string>

namespace acme::etl {

class Transformer;

// Thrown when a stop was requested mid-cycle; the cycle has been rolled back.
class Interrupted : public Error {
public:
  using Error::Error;
};

// What a sync should do beyond the incremental read.
struct SyncRequest {
  bool full = false;      // re-read every table whole (and drop rows the source no longer has)
  bool reconcile = false; // compare key sets: catch hard deletes and NULL-updated_at rows
  // CDC hand-off: read the source in this exported snapshot (a full read, merged through the
  // guarded writes), store `applied_lsn` for `slot` and forget the polling cursors, all in the
  // load's transaction.
  struct Handoff {
    std::string snapshot;
    std::string slot;
    std::string applied_lsn;
  };
  std::optional<Handoff> handoff;
  // With reconcile: compare one slice of each table's key space, about 1/reconcile_slices of
  // it, continuing where this Syncer's previous sliced reconciliation ended; a pass over the
  // whole key space takes reconcile_slices such syncs (continuous mode: one per cycle, so no
  // cycle pays for a whole reconciliation). 1: the whole key space at once.
  int reconcile_slices = 1;
};

// Outcome of one sync (one or more committed batches).
struct SyncResult {
  std::string mode; // full | incremental | reconcile
  int batches = 0;
  std::int64_t rows_read = 0;    // source rows staged
  std::int64_t rows_written = 0; // target rows inserted, updated or deleted
  // Source table -> rows staged, and merge step (MergeCounts::written) -> target rows.
  std::map<std::string, std::int64_t> read_by_table;
  std::map<std::string, std::int64_t> written_by_step;
  Horizon horizon;      // of the last batch
  bool clamped = false; // a cursor was held back by the late-commit horizon
  double seconds = 0;
};

// Keeps the two connections, the writer lock and the cycle logic. Not thread-safe.
class Syncer {
public:
  // `should_stop` is polled between steps; when true the current batch is rolled back.
  Syncer(config::Config config, std::function<bool()> should_stop);
  ~Syncer();
  Syncer(const Syncer&) = delete;
  Syncer& operator=(const Syncer&) = delete;

  // Connects (if needed), takes the writer lock, applies migrations, then runs batches until
  // every table is caught up. The first sync of an empty target is a full load.
  SyncResult sync(const SyncRequest& request);

  // Connects and applies pending migrations only (acme migrate). Returns versions applied.
  std::vector<int> migrate_only();

  // Forgets both connections (after a failure); the next sync reconnects.
  void reset();

  // Connects (if needed), takes the writer lock and applies migrations; then the connections
  // are available to another change source (CDC) that stages and merges through the same
  // Stager and Transformer.
  void connect();
  pqxx::connection& source() { return *m_source; }
  pqxx::connection& target() { return *m_target; }
  // Whether the target connection is open (false once the server ended the session).
  bool target_alive() const { return m_target && m_target->is_open(); }
  const config::Config& config() const { return m_config; }

private:
  struct Batch {
    SyncResult result;
    bool more = false;
  };
  // One batch: plans it (etl/batch_plan.hpp), then reads, merges and commits it in steps that
  // share a BatchRun (sync.cpp); a reconciliation follows in its own transaction if planned.
  Batch run_batch(bool full, bool reconcile, int reconcile_slices,
                  const std::optional<SyncRequest::Handoff>& handoff);
  struct BatchRun;
  // Prepares the work tables and reads the cursors and prepared-transaction pins.
  void read_target_state(BatchRun& run);
  void plan_run(BatchRun& run, bool full_requested, bool reconcile_requested);
  // What would block a shadow-table swap, logged as the reason for a slower in-place load.
  std::vector<std::string> swap_blockers_logged(pqxx::transaction_base& ttx) const;
  void load_shadow_tables(BatchRun& run);
  void read_tables(BatchRun& run, Batch& batch);
  void merge_and_commit(BatchRun& run, Batch& batch, const std::string& started_at,
                        const std::string& mode);
  // After a batch's changes commit: compares key sets with the source in the batch's snapshot
  // `stx` (one slice of each table's key space when `slices` > 1, see SyncRequest) and applies
  // what differs (hard deletes, rows a cursor cannot see) in a transaction of its own, recorded
  // as a run that started at `started_at`. Adds its rows read and written to `result`.
  void reconcile_keys(pqxx::transaction_base& stx, const Extractor& extractor,
                      const Horizon& horizon, int slices, const std::string& started_at,
                      SyncResult& result);
  // Warns once per process that the horizon is a lookback window (every cycle's line says so).
  void log_horizon(const Horizon& horizon);
  void record_failure(const std::string& started_at, const std::string& mode,
                      const std::string& error);
  // Whether a stop was requested (never without a should_stop callback).
  bool stop_requested() const { return m_should_stop && m_should_stop(); }
  // Throws Interrupted if a stop was requested: the cycle rolls back, and is not a failure.
  void check_stop() const;
  // For db::copy_between, polled during long COPYs: throws Interrupted (check_stop), so a stop
  // is never recorded as a failure.
  std::function<bool()> copy_stop() const;
  // Records this transaction's history (after a merge); returns the rows written.
  std::int64_t record_history(Transformer& transform, const Horizon& horizon,
                              const std::string& observed_by) const;

  config::Config m_config;
  std::function<bool()> m_should_stop;
  std::unique_ptr<pqxx::connection> m_source;
  std::unique_ptr<pqxx::connection> m_target;
  bool m_contract_checked = false;
  bool m_warned_lookback = false;
  bool m_pins_reported = false; // prepared transactions pinning the cursors were logged
  // Sliced reconciliation: per source table, the first bucket of the next slice (absent: a new
  // pass starts, its first slice open below). Advanced only when the sync commits.
  std::map<std::string, std::int64_t> m_reconcile_next;
};

} // namespace acme::etl
