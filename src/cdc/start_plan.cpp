#include "acme/cdc/start_plan.hpp"

#include <fmt/format.h>

namespace acme::cdc {

StartPlan plan_start(const std::optional<StoredPosition>& stored,
                     const std::optional<SlotView>& slot, const std::string& slot_name) {
  using Kind = StartPlan::Kind;
  if (slot && !stored) {
    return {Kind::refuse, false,
            fmt::format("replication slot '{}' already exists on the source, but this target has "
                        "no record of creating it: acme never drops or advances a slot it did not "
                        "create. Set ACME_CDC_SLOT to another name, or drop the slot if it is an "
                        "abandoned acme slot (acme cdc drop-slot)",
                        slot_name)};
  }
  if (!stored) {
    return {Kind::snapshot, false, "first start: creating the slot and loading its snapshot"};
  }
  if (stored->needs_snapshot) {
    return {Kind::snapshot, false,
            "the stream does not continue this target (polling cycles ran, or an earlier hand-off "
            "did not finish): handing off to CDC through a fresh snapshot"};
  }
  if (!slot || slot->lost) {
    return {Kind::snapshot, true,
            fmt::format("replication slot '{}' was {} on the source: changes since {} are gone "
                        "with it; re-creating it and resyncing from a fresh snapshot",
                        slot_name,
                        slot ? "invalidated (it retained more WAL than max_slot_wal_keep_size)"
                             : "dropped",
                        stored->applied.to_string())};
  }
  if (slot->confirmed_flush > stored->applied) {
    return {Kind::snapshot, true,
            fmt::format("replication slot '{}' is ahead of this target: the slot confirmed {} but "
                        "the target stored {} (a target restored from a backup, or the slot "
                        "advanced by another client); the changes in between cannot be streamed "
                        "again: re-creating the slot and resyncing from a fresh snapshot",
                        slot_name, slot->confirmed_flush.to_string(), stored->applied.to_string())};
  }
  return {Kind::stream, false, ""};
}

} // namespace acme::cdc
