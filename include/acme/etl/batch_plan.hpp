// The plan of one polling batch, decided before any row moves: its mode (incremental, full,
// CDC hand-off), how a full read loads (shadow tables over several connections, or in place),
// whether a reconciliation follows, how each table is read and whether another batch follows.
// Pure functions of what the request asks and the target says, unit-tested without a database.
#pragma once

#include <cstdint>
#include <string_view>

namespace acme::etl {

enum class BatchMode { incremental, full, cdc_snapshot };
enum class FullLoadPath { none, shadow_swap, in_place }; // none: not a full batch

// What the plan is decided from.
struct BatchFacts {
  bool full_requested = false;      // --full, or a closed-status change's reload
  bool reconcile_requested = false; // compare key sets after the changes commit
  bool handoff = false;             // a CDC hand-off: read the slot's exported snapshot
  bool every_table_loaded = true;   // a full read of every table has committed before
  bool swap_blocked =
      false; // objects depend on the analytical tables (ShadowTables::swap_blockers)
};

struct BatchPlan {
  BatchMode mode = BatchMode::incremental;
  FullLoadPath load = FullLoadPath::none;
  bool reconcile = false; // after the changes commit, in the same source snapshot

  bool full() const { return mode != BatchMode::incremental; }
  bool shadow_swap() const { return load == FullLoadPath::shadow_swap; }
};

// Whether the batch reads every table whole: asked for, a hand-off, or a table never loaded.
// (Only then is it worth asking the target what would block a swap.)
bool full_read_needed(const BatchFacts& facts);

// A full batch never reconciles (it compares every key itself); it loads through shadow tables
// unless something depends on the live ones.
BatchPlan plan_batch(const BatchFacts& facts);

// The run record's mode: "incremental", "full" or "cdc-snapshot".
std::string_view run_mode(BatchMode mode);

// How a table is read in a batch: changes since its cursor, whole (COPY into staging), or not
// at all because the shadow-table load has it already (orders and items).
enum class TableRead { changes, whole, shadowed };
TableRead table_read(const BatchPlan& plan, std::string_view source_table);

// Who the history events of the batch are attributed to: "load" for the first load of an empty
// target and for a CDC hand-off, "poll" otherwise.
std::string_view history_observer(const BatchPlan& plan, bool target_was_empty);

// Whether another batch follows an incremental one: a table filled its batch, and its cursor
// either moved freely or, held back by the late-commit horizon, still advanced (a cursor an old
// open transaction pins would only re-read the same rows; the next sync goes on).
bool more_batches(const BatchPlan& plan, std::int64_t rows_read, std::int64_t batch_size,
                  bool clamped, bool cursor_advanced);

} // namespace acme::etl
