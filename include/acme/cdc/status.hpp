// The CDC section of `acme status`: the slot, the LSN applied to the target and the lag, read
// from the target's acme_cdc_state and the source's slot, as JSON and as text lines.
#pragma once

#include "acme/config/config.hpp"

#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/transaction_base>
#include <string>

namespace acme::cdc {

// The CDC part of `acme status`, when the target's acme_cdc_state records the configured slot
// (nullopt otherwise): the mode of the last run (cdc or poll), the slot and the LSN applied to
// the target; from the source, whether the slot is active, its confirmed_flush_lsn, the lag in
// bytes (WAL written since that position) and seconds, wal_status, safe_wal_size, and warnings
// (unbounded WAL retention with max_slot_wal_keep_size = -1, a lost or missing slot, a slot left
// behind while polling). Seconds: the walsender's flush_lag while acme streams (0 once it is
// caught up), else the age of the last flush that applied source commits (an upper bound: an
// idle source counts too); `lag_basis` says which (flush_lag, caught_up, last_applied_flush). An
// unreachable source is reported in `source_error`, never thrown. `target` reads acme's bookkeeping
// (schema migrated to >= 3).
std::optional<nlohmann::json> read_status(const config::Config& config,
                                          pqxx::transaction_base& target);

// Text lines for `acme status`, each ending in a newline.
std::string format_status(const nlohmann::json& j);

} // namespace acme::cdc
