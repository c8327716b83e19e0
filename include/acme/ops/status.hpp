// `acme status`: the sync state read from the target's bookkeeping (cursors, runs, horizon, lag
// behind the source, health), as JSON and as text.
#pragma once

#include "acme/config/config.hpp"

#include <nlohmann/json.hpp>
#include <string>

namespace acme::ops {

// What `acme status` reports: per-table cursors, the last run and last success, the late-commit
// horizon kind, and how far the target trails the source (when the source is reachable).
// Healthy = the last run succeeded and the newest successful sync (or a CDC stream's stored
// position or heartbeat) is at most ACME_MAX_SYNC_AGE old. Throws acme::Error/Fatal if the
// target is unreachable.
struct Status {
  nlohmann::json report; // the full report, as printed by `acme status --json`
  bool healthy = false;
  bool stale = false;      // nothing synced for longer than ACME_MAX_SYNC_AGE
  std::string lock_holder; // stale: who holds the writer lock (empty: nobody this role sees)
};

// Reads the target's bookkeeping (read-only) and asks the source for its clock.
Status read_status(const config::Config& config);

// Human-readable rendering of a status report.
std::string format_status(const nlohmann::json& j);

} // namespace acme::ops
