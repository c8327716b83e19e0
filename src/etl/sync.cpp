#include "acme/etl/sync.hpp"

#include "acme/config/dsn.hpp"
#include "acme/db/canceller.hpp"
#include "acme/db/connection.hpp"
#include "acme/db/migrator.hpp"
#include "acme/db/writer_lock.hpp"
#include "acme/etl/batch_plan.hpp"
#include "acme/etl/cdc_position.hpp"
#include "acme/etl/parallel_load.hpp"
#include "acme/etl/reconciler.hpp"
#include "acme/etl/shadow_tables.hpp"
#include "acme/etl/stager.hpp"
#include "acme/etl/sync_state.hpp"
#include "acme/etl/transformer.hpp"
#include "acme/obs/progress.hpp"
#include "acme/test_point.hpp"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fmt/format.h>
#include <limits>
#include <nlohmann/json.hpp>
#include <pqxx/nontransaction>
#include <pqxx/transaction>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace acme::etl {
namespace {

// Asks the server to cancel the statement `c` runs, if any; from the canceller's thread.
void cancel_statement(pqxx::connection& c) noexcept {
  try {
    c.cancel_query();
  } catch (...) { // NOLINT(bugprone-empty-catch): nothing to cancel, or the server is gone
  }
}

using SourceTx = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;

std::string utc_now() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}+00", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

// One table's slice of a sliced reconciliation: its keys, and the bucket the next slice starts
// at (none: this slice ends the pass over the key space).
struct ReconcileSlice {
  KeyRange keys;
  std::optional<std::int64_t> next;
};

// `table`'s slice starting at bucket `first` (none: a pass starts, open below): about 1/slices
// of the buckets between the table's least and greatest key, open above once it reaches the
// greatest. Slices follow one another without gaps however the table grows or shrinks in
// between, so every pass compares every key.
ReconcileSlice reconcile_slice(pqxx::transaction_base& stx, const Extractor& extractor,
                               const TableSpec& table, int slices,
                               std::optional<std::int64_t> first) {
  const auto bounds = stx.exec(extractor.key_bounds_query(table));
  if (bounds[0][1].is_null()) {
    return {bucket_keys(first, std::nullopt), std::nullopt};
  }
  const std::int64_t min_bucket = bounds[0][0].as<std::int64_t>() >> k_bucket_bits;
  const std::int64_t max_bucket = bounds[0][1].as<std::int64_t>() >> k_bucket_bits;
  const std::int64_t width = std::max<std::int64_t>(1, (max_bucket - min_bucket + slices) / slices);
  const std::int64_t last = first.value_or(min_bucket) + width - 1;
  if (last >= max_bucket) {
    return {bucket_keys(first, std::nullopt), std::nullopt};
  }
  return {bucket_keys(first, last), last + 1};
}

// The run record of a reconciliation: whole, or one slice of the key space.
std::string reconcile_mode(int slices) {
  return slices > 1 ? "reconcile-slice" : "reconcile";
}

// The record of a transaction that read the source at `horizon` and is about to commit.
SyncState::RunRecord succeeded_run(const std::string& started_at, const std::string& mode,
                                   const Horizon& horizon, const nlohmann::json& rows) {
  SyncState::RunRecord run;
  run.started_at = started_at;
  run.mode = mode;
  run.horizon_kind = horizon.exact ? "exact" : "lookback";
  if (!horizon.safe_ts.empty()) {
    run.horizon = horizon.safe_ts;
  }
  run.rows = rows;
  return run;
}

} // namespace

Syncer::Syncer(config::Config config, std::function<bool()> should_stop)
    : m_config(std::move(config)), m_should_stop(std::move(should_stop)) {}

Syncer::~Syncer() {
  // Release the writer lock before disconnecting: a backend frees session locks only when it
  // has finished exiting, which a successor started right away could otherwise race with.
  try {
    if (m_target && m_target->is_open()) {
      pqxx::nontransaction tx(*m_target);
      tx.exec("SELECT pg_advisory_unlock_all()");
    }
  } catch (const std::exception& e) {
    spdlog::debug("could not release the writer lock explicitly: {}", e.what());
  }
}

void Syncer::reset() {
  m_source.reset();
  m_target.reset();
  m_contract_checked = false;
}

void Syncer::check_stop() const {
  if (stop_requested()) {
    throw Interrupted("stop requested: the current cycle was rolled back");
  }
}

std::function<bool()> Syncer::copy_stop() const {
  return [this] {
    check_stop();
    return false;
  };
}

std::int64_t Syncer::record_history(Transformer& transform, const Horizon& horizon,
                                    const std::string& observed_by) const {
  Transformer::HistoryContext history;
  history.observed_by = observed_by;
  history.time_zone = horizon.time_zone;
  history.seen_at = horizon.source_now;
  history.retention_days = m_config.history_days;
  return transform.record_history(history);
}

void Syncer::connect() {
  if (m_source && m_target && m_source->is_open() && m_target->is_open()) {
    return;
  }
  reset();
  const std::string app = fmt::format("acme (pid {})", ::getpid());
  m_target = db::connect(m_config.target_dsn, "target", app);
  try {
    db::acquire_writer_lock(*m_target, m_config.target_schema, m_config.lock_wait, m_should_stop);
  } catch (const LockedError&) {
    reset();
    throw;
  } catch (...) {
    reset();
    db::rethrow_classified("preparing the target");
  }
  // The source before the target's migrations: a misconfigured source (missing table, unknown
  // time zone) leaves no new schema behind. A source that cannot be reached is recorded as a
  // failed run in a target that has acme's tables already, so that acme status (and a
  // container's health check) sees the sync stalled while acme retries.
  const std::string started_at = utc_now();
  try {
    m_source = db::connect(m_config.source_dsn, "source", app);
    require_time_zone(*m_source, m_config.source_timezone);
    if (!m_contract_checked) {
      pqxx::read_transaction tx(*m_source, "acme contract");
      Extractor(tx, m_config.source_schema).check_contract();
      m_contract_checked = true;
    }
  } catch (const std::exception& e) {
    record_failure(started_at, "connect", config::redact(e.what(), m_config.secrets()));
    reset();
    db::rethrow_classified("checking the source");
  }
  try {
    db::migrate(*m_target, m_config.target_schema);
    // Under the writer lock: what a killed full load left behind is nobody's work in progress.
    ShadowTables::drop_leftovers(*m_target, m_config.target_schema);
  } catch (...) {
    reset();
    db::rethrow_classified("preparing the target");
  }
}

std::vector<int> Syncer::migrate_only() {
  const std::string app = fmt::format("acme migrate (pid {})", ::getpid());
  auto target = db::connect(m_config.target_dsn, "target", app);
  try {
    db::acquire_writer_lock(*target, m_config.target_schema, m_config.lock_wait);
    auto applied = db::migrate(*target, m_config.target_schema);
    pqxx::nontransaction(*target).exec("SELECT pg_advisory_unlock_all()");
    return applied;
  } catch (const LockedError&) {
    throw;
  } catch (...) {
    db::rethrow_classified("migrating the target");
  }
}

SyncResult Syncer::sync(const SyncRequest& request) {
  const auto t0 = std::chrono::steady_clock::now();
  connect();
  // A stop request cancels the statement in flight on either connection (a wait for a lock, a
  // long scan or merge): the cycle rolls back at once (Interrupted) instead of after it.
  pqxx::connection& source = *m_source;
  pqxx::connection& target = *m_target;
  const db::StatementCanceller canceller([this] { return stop_requested(); },
                                         [&source, &target] {
                                           cancel_statement(source);
                                           cancel_statement(target);
                                         });
  SyncResult total;
  bool full = request.full;
  bool reconcile = request.reconcile;
  for (;;) {
    Batch b = run_batch(full, reconcile, std::max(1, request.reconcile_slices), request.handoff);
    total.mode = total.batches == 0 ? b.result.mode : total.mode;
    total.batches += 1;
    total.rows_read += b.result.rows_read;
    total.rows_written += b.result.rows_written;
    for (const auto& [table, n] : b.result.read_by_table) {
      total.read_by_table[table] += n;
    }
    for (const auto& [step, n] : b.result.written_by_step) {
      total.written_by_step[step] += n;
    }
    total.horizon = b.result.horizon;
    total.clamped = total.clamped || b.result.clamped;
    if (!b.more) {
      break;
    }
    // Further batches continue from the new cursors; full reads and reconciliation are done.
    full = false;
    reconcile = false;
    check_stop();
  }
  total.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return total;
}

void Syncer::log_horizon(const Horizon& horizon) {
  if (!horizon.exact) {
    spdlog::log(m_warned_lookback ? spdlog::level::debug : spdlog::level::warn,
                "late-commit horizon: the source role cannot see other sessions "
                "(grant pg_read_all_stats for an exact horizon); using a {:.1f} s lookback",
                static_cast<double>(m_config.lookback.count()) / 1000.0);
    m_warned_lookback = true;
  } else if (horizon.oldest_pid) {
    spdlog::debug("late-commit horizon {} held by source pid {} ({}) open since {}",
                  horizon.safe_ts, *horizon.oldest_pid, horizon.oldest_application,
                  horizon.oldest_start.value_or("?"));
  }
}

// One batch's transactions and what its steps hand to each other.
struct Syncer::BatchRun {
  BatchRun(const Horizon& horizon_, SourceTx& stx_, Extractor& extractor_, pqxx::work& ttx_,
           const std::string& schema, const std::optional<SyncRequest::Handoff>& handoff_,
           std::unique_ptr<ParallelLoad>& parallel_load_)
      : horizon(horizon_), stx(stx_), extractor(extractor_), ttx(ttx_), stager(ttx_, schema),
        sync_state(ttx_, schema), handoff(handoff_), parallel_load(parallel_load_) {}

  const Horizon& horizon;
  SourceTx& stx;
  Extractor& extractor;
  pqxx::work& ttx;
  Stager stager;        // the work tables, in ttx
  SyncState sync_state; // cursors, pins and the run record, in ttx
  const std::optional<SyncRequest::Handoff>& handoff;
  std::unique_ptr<ParallelLoad>& parallel_load; // run_batch discards it if the batch fails
  bool closed_changed = false;
  std::map<std::string, TableState> state;
  SyncState::Pins pins;
  BatchPlan plan;
  std::optional<obs::Progress> progress; // of a full read
  std::map<std::string, std::int64_t> estimates;
  bool target_was_empty = false;
  ParallelLoad::Result loaded; // by the shadow-table load
  std::map<std::string, CursorStep> steps;
  nlohmann::json rows = nlohmann::json::object();
};

Syncer::Batch Syncer::run_batch(bool full_requested, bool reconcile_requested, int reconcile_slices,
                                const std::optional<SyncRequest::Handoff>& handoff) {
  // Of the transaction in progress: the changes', then the reconciliation's (record_failure).
  std::string started_at = utc_now();
  std::string mode(run_mode(handoff          ? BatchMode::cdc_snapshot
                            : full_requested ? BatchMode::full
                                             : BatchMode::incremental));
  std::unique_ptr<ParallelLoad> parallel_load;
  try {
    // The horizon first, in its own statements, and only then the snapshot: every transaction
    // the snapshot misses is then either listed as open by the horizon or stamped after it
    // (the proof is in sql/source/horizon.sql). A CDC hand-off needs no horizon: what its
    // exported snapshot misses arrives through the stream.
    const Horizon horizon = read_horizon(*m_source, m_config.lookback, m_config.source_timezone);
    log_horizon(horizon);
    test_point::reach("after-horizon");
    SourceTx stx(*m_source, "acme extract");
    if (handoff) {
      stx.exec("SET TRANSACTION SNAPSHOT " + stx.quote(handoff->snapshot));
    }
    Extractor extractor(stx, m_config.source_schema); // its contract checked by connect()
    pqxx::work ttx(*m_target, "acme load");
    BatchRun run(horizon, stx, extractor, ttx, m_config.target_schema, handoff, parallel_load);
    read_target_state(run);

    plan_run(run, full_requested, reconcile_requested);
    mode = run_mode(run.plan.mode);
    if (run.plan.shadow_swap()) {
      load_shadow_tables(run);
    }
    Batch batch;
    batch.result.mode = mode;
    batch.result.horizon = horizon;
    read_tables(run, batch);
    if (!run.plan.reconcile) {
      stx.commit(); // a reconciliation after the changes' commit reads this snapshot again
    }
    test_point::reach("after-extract");
    check_stop();
    merge_and_commit(run, batch, started_at, mode);
    if (run.plan.reconcile) {
      started_at = utc_now();
      mode = reconcile_mode(reconcile_slices);
      reconcile_keys(stx, extractor, horizon, reconcile_slices, started_at, batch.result);
      stx.commit();
      if (reconcile_slices == 1) {
        batch.result.mode = mode;
      }
    }
    return batch;
  } catch (const Interrupted&) {
    if (parallel_load) {
      parallel_load->discard();
    }
    throw;
  } catch (const std::exception& e) {
    if (parallel_load) {
      parallel_load->discard();
    }
    check_stop(); // a stop cancelled the statement in flight (Syncer::sync): not a failure
    const std::string message = config::redact(e.what(), m_config.secrets());
    record_failure(started_at, mode, message);
    db::rethrow_classified("sync cycle");
  }
}

void Syncer::read_target_state(BatchRun& run) {
  run.stager.prepare(m_config.closed_statuses);
  run.closed_changed = run.sync_state.store_closed_statuses(m_config.closed_statuses);
  if (run.closed_changed) {
    spdlog::warn("the closed-status set changed: recomputing which orders are open");
  }
  run.state = run.sync_state.load_tables();
  for (const auto& [table, table_state] : run.state) {
    // updated_at has no time zone: if the writers' clock went back (daylight saving ends, a
    // clock fix), new changes are stamped behind the cursor and only a full read finds them.
    if (table_state.cursor.ts && *table_state.cursor.ts > run.horizon.source_now) {
      spdlog::warn("the source clock ({}, time zone {}) is behind the stored cursor of {} ({}): "
                   "if the orders system's clock went back (daylight saving time ended), run "
                   "acme run-etl --full once the repeated hour is over",
                   run.horizon.source_now, run.horizon.time_zone, table, *table_state.cursor.ts);
    }
  }
  run.pins = run.sync_state.pin_prepared(run.horizon.prepared);
  if (run.pins.added > 0 || (!run.pins.lowest.empty() && !m_pins_reported)) {
    for (const auto& p : run.horizon.prepared) {
      spdlog::warn("prepared transaction '{}' (prepared {} by {}) holds the cursors back until "
                   "COMMIT PREPARED or ROLLBACK PREPARED: its rows commit with older stamps",
                   p.gid, p.prepared_at, p.owner);
    }
  }
  m_pins_reported = !run.pins.lowest.empty();
  if (!run.handoff) {
    // The stream no longer continues this target's state.
    CdcPosition(run.ttx, m_config.target_schema).invalidate();
  }
}

// Decides the batch's plan from the request and the target's state; a full read shows its
// progress per table (obs::Progress: a status line on a terminal, else a log line every 10 s),
// against the planner's row estimates of the source tables.
void Syncer::plan_run(BatchRun& run, bool full_requested, bool reconcile_requested) {
  BatchFacts facts;
  facts.full_requested = full_requested;
  facts.reconcile_requested = reconcile_requested;
  facts.handoff = run.handoff.has_value();
  for (const auto& t : k_tables) {
    const auto it = run.state.find(std::string(t.source));
    facts.every_table_loaded =
        facts.every_table_loaded && it != run.state.end() && it->second.loaded;
  }
  if (full_read_needed(facts)) {
    facts.swap_blocked = !swap_blockers_logged(run.ttx).empty();
  }
  run.plan = plan_batch(facts);
  if (run.plan.full()) {
    run.progress.emplace("full load");
    run.estimates = source_row_estimates(run.stx, m_config.source_schema);
  }
}

std::vector<std::string> Syncer::swap_blockers_logged(pqxx::transaction_base& ttx) const {
  auto blockers = ShadowTables::swap_blockers(ttx, m_config.target_schema);
  if (!blockers.empty()) {
    std::string list;
    for (const auto& b : blockers) {
      list += (list.empty() ? "" : ", ") + b;
    }
    spdlog::warn("full load in place over one connection (slower): {} depend(s) on the "
                 "analytical tables, which a swap of freshly loaded tables would break",
                 list);
  }
  return blockers;
}

// Orders and items go into shadow tables over `jobs` connections per side, swapped in at commit.
void Syncer::load_shadow_tables(BatchRun& run) {
  run.target_was_empty = ShadowTables::target_empty(run.ttx, m_config.target_schema);
  // Every worker reads the snapshot of this transaction (taken after the horizon), or the
  // replication slot's in a CDC hand-off.
  const std::string snapshot =
      run.handoff ? run.handoff->snapshot
                  : run.stx.exec("SELECT pg_export_snapshot()")[0][0].as<std::string>();
  ParallelLoad::Options opts;
  opts.source_dsn = m_config.source_dsn;
  opts.target_dsn = m_config.target_dsn;
  opts.source_schema = m_config.source_schema;
  opts.target_schema = m_config.target_schema;
  opts.closed_statuses = m_config.closed_statuses;
  opts.jobs = m_config.jobs;
  opts.snapshot = snapshot;
  opts.keep_settled_prices = !run.target_was_empty;
  opts.should_stop = [this] { return stop_requested(); };
  opts.check_stop = [this] { check_stop(); };
  opts.progress = &*run.progress;
  opts.orders_estimate = run.estimates.at("orders");
  opts.items_estimate = run.estimates.at("order_items");
  run.parallel_load = std::make_unique<ParallelLoad>(std::move(opts));
  const auto blocks = run.stx.exec(run.extractor.block_count_query(k_tables[3]))[0][0];
  run.loaded = run.parallel_load->run(
      run.extractor,
      blocks.is_null() ? std::nullopt : std::optional<std::int64_t>(blocks.as<std::int64_t>()));
}

// Copies each table's rows (changes since its cursor, or all of them) into its staging table and
// decides the cursor each table stores.
void Syncer::read_tables(BatchRun& run, Batch& batch) {
  const auto stop = copy_stop();
  for (const auto& t : k_tables) {
    check_stop();
    const std::string name(t.source);
    const Cursor previous = run.state.count(name) != 0 ? run.state.at(name).cursor : Cursor{};
    const auto t0 = std::chrono::steady_clock::now();
    std::int64_t read = 0;
    std::optional<Cursor> last_read;
    switch (table_read(run.plan, t.source)) {
    case TableRead::shadowed:
      read = t.source == "orders" ? run.loaded.orders : run.loaded.items;
      last_read = t.source == "orders" ? run.loaded.orders_max : run.loaded.items_max;
      break;
    case TableRead::whole: {
      auto& shown = run.progress->start(name, run.estimates.at(name));
      read =
          run.extractor.copy_all(t, run.stager, stop, [&shown](std::int64_t n) { shown.add(n); });
      run.progress->finish(shown);
      run.stager.keys_from_staging(t);
      last_read = run.stager.staged_max(t);
      break;
    }
    case TableRead::changes:
      read = run.extractor.copy_changes(t, previous, m_config.batch_size, run.stager, stop);
      last_read = run.stager.staged_max(t);
      break;
    }
    const auto pin = run.pins.lowest.find(name);
    const auto step =
        apply_pin(next_cursor(previous, last_read, run.horizon.safe_ts),
                  pin == run.pins.lowest.end() ? std::nullopt : std::optional<Cursor>(pin->second));
    batch.more = batch.more || more_batches(run.plan, read, m_config.batch_size, step.clamped,
                                            previous < step.cursor);
    batch.result.clamped = batch.result.clamped || step.clamped;
    run.steps[name] = step;
    spdlog::debug("read {}: {} rows in {:.3f} s", name, read,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    run.rows[name]["read"] = read;
    batch.result.rows_read += read;
    batch.result.read_by_table[name] += read;
  }
  run.progress.reset(); // the reads are done: the line goes before the merge logs
}

// Merges the staged rows (or the shadow tables' dimensions), records history, swaps shadow
// tables in, stores the cursors or the CDC position and the run, and commits.
void Syncer::merge_and_commit(BatchRun& run, Batch& batch, const std::string& started_at,
                              const std::string& mode) {
  std::vector<std::string> key_tables;
  if (run.plan.full()) {
    for (const auto& t : k_tables) {
      key_tables.emplace_back(t.source);
    }
  }
  test_point::reach("merge", &run.ttx);
  Transformer transform(run.ttx, m_config.target_schema);
  MergeCounts counts;
  if (run.plan.shadow_swap()) {
    counts = transform.merge_dimensions(key_tables);
    counts.written["orders"] = run.loaded.orders;
    counts.written["items"] = run.loaded.items;
    run.parallel_load->stage_history_events(run.ttx);
  } else {
    counts = transform.merge(key_tables, run.closed_changed);
  }
  counts.written["history"] = record_history(
      transform, run.horizon, std::string(history_observer(run.plan, run.target_was_empty)));
  test_point::reach("after-merge");
  if (run.plan.shadow_swap()) {
    test_point::reach("before-swap", &run.ttx);
    run.parallel_load->swap(run.ttx);
  }
  for (const auto& [step, n] : counts.written) {
    run.rows["written"][step] = n;
  }
  batch.result.rows_written = counts.total();
  batch.result.written_by_step = counts.written;
  if (run.handoff) {
    run.sync_state.forget_cursors();
    CdcPosition(run.ttx, m_config.target_schema).save(run.handoff->slot, run.handoff->applied_lsn);
  } else {
    for (const auto& [name, step] : run.steps) {
      run.sync_state.save_cursor(name, step.cursor, run.plan.full());
    }
  }
  run.sync_state.record_run(succeeded_run(started_at, mode, run.horizon, run.rows));
  check_stop();
  test_point::reach("before-commit");
  run.ttx.commit();
}

void Syncer::reconcile_keys(pqxx::transaction_base& stx, const Extractor& extractor,
                            const Horizon& horizon, int slices, const std::string& started_at,
                            SyncResult& result) {
  const bool sliced = slices > 1;
  const auto stop = copy_stop();
  // Per table, where its next slice starts once this transaction commits (none: this slice
  // ends its pass over the key space).
  std::map<std::string, std::optional<std::int64_t>> next_slice;
  nlohmann::json rows = nlohmann::json::object();
  pqxx::work ttx(*m_target, "acme reconcile");
  Stager stager(ttx, m_config.target_schema);
  stager.prepare(m_config.closed_statuses); // empties the work tables the changes used
  Reconciler reconciler(ttx, m_config.target_schema);
  SyncState sync_state(ttx, m_config.target_schema);
  std::vector<std::string> key_tables;
  for (const auto& t : k_tables) {
    check_stop();
    const std::string name(t.source);
    key_tables.push_back(name);
    // The target holds this snapshot's changes already: what differs is what a cursor cannot
    // see (Reconciler::compare).
    std::optional<KeyRange> slice;
    if (sliced) {
      const auto at = m_reconcile_next.find(name);
      const auto s = reconcile_slice(
          stx, extractor, t, slices,
          at == m_reconcile_next.end() ? std::nullopt : std::optional<std::int64_t>(at->second));
      slice = s.keys;
      next_slice[name] = s.next;
      rows[name]["reconciled_keys"] = {slice->lo, slice->hi};
    }
    const auto compared = reconciler.compare(t, slice, extractor, stager, stop);
    rows[name]["ranges_compared"] = compared.ranges_compared;
    const std::int64_t read = compared.rows_read;
    rows[name]["read"] = read;
    result.rows_read += read;
    result.read_by_table[name] += read;
  }
  check_stop();
  test_point::reach("reconcile-merge", &ttx);
  Transformer transform(ttx, m_config.target_schema);
  MergeCounts counts = transform.merge(key_tables, false);
  counts.written["history"] = record_history(transform, horizon, "poll");
  for (const auto& [step, n] : counts.written) {
    rows["written"][step] = n;
    result.written_by_step[step] += n;
  }
  result.rows_written += counts.total();
  for (const auto& t : k_tables) {
    // A whole reconciliation, or the slice that ended a pass, compared every key of the table.
    const auto s = next_slice.find(std::string(t.source));
    if (s == next_slice.end() || !s->second.has_value()) {
      sync_state.mark_reconciled(std::string(t.source));
    }
  }
  sync_state.record_run(succeeded_run(started_at, reconcile_mode(slices), horizon, rows));
  check_stop();
  test_point::reach("before-reconcile-commit");
  ttx.commit();
  for (const auto& [name, bucket] : next_slice) {
    if (bucket) {
      m_reconcile_next[name] = *bucket;
    } else {
      m_reconcile_next.erase(name);
    }
  }
}

void Syncer::record_failure(const std::string& started_at, const std::string& mode,
                            const std::string& error) {
  // Best effort, outside the failed transaction; a dead connection simply records nothing.
  try {
    if (!m_target || !m_target->is_open()) {
      return;
    }
    pqxx::nontransaction tx(*m_target);
    SyncState::RunRecord run;
    run.started_at = started_at;
    run.mode = mode;
    run.succeeded = false;
    run.error = error;
    SyncState(tx, m_config.target_schema).record_run(run);
  } catch (const std::exception& e) {
    spdlog::debug("could not record the failed run: {}", e.what());
  }
}

} // namespace acme::etl
