// How a CDC start proceeds (stream from the stored position, snapshot afresh, or refuse a slot
// acme did not create), decided from the target's acme_cdc_state and the source's slot. Pure.
#pragma once

#include "acme/cdc/lsn.hpp"

#include <optional>
#include <string>

namespace acme::cdc {

// What the target records of its stream (acme_cdc_state).
struct StoredPosition {
  Lsn applied;                 // everything up to here is applied (or was not ours)
  bool needs_snapshot = false; // the stream does not continue the target: hand off afresh
};

// The slot as the source shows it (pg_replication_slots).
struct SlotView {
  bool lost = false;   // wal_status 'lost': the server removed WAL the slot still needed
  Lsn confirmed_flush; // the server streams nothing at or below this position
};

// How a CDC start proceeds.
struct StartPlan {
  enum class Kind {
    stream,   // START_REPLICATION at the stored position
    snapshot, // (re)create the slot and load its exported snapshot first
    refuse,   // a slot of that name exists that this target did not create
  };
  Kind kind = Kind::snapshot;
  // The target lost changes it cannot get from the slot (slot dropped, invalidated, or ahead of
  // what the target stored): said as a warning, and allowed once per process.
  bool lost_changes = false;
  std::string reason; // one line for the log
};

// Decides a start from the target's record and the slot. Never streams a slot from a position
// the target did not store after the slot was created: a slot whose confirmed position is ahead
// of the stored one (a target restored from a dump, a slot advanced by someone else) would
// forward over changes the target never saw, so it is resynced like a lost slot.
StartPlan plan_start(const std::optional<StoredPosition>& stored,
                     const std::optional<SlotView>& slot, const std::string& slot_name);

} // namespace acme::cdc
