// The late-commit horizon: how far the stored cursors may go in a cycle, read from the source
// with its open prepared transactions, and the check of the configured source time zone.
#pragma once

#include <chrono>
#include <optional>
#include <pqxx/connection>
#include <string>
#include <vector>

namespace acme::etl {

// A prepared (two-phase) transaction of the source database: its rows commit later with their
// original start stamp, so it pins the cursors while it exists.
struct PreparedXact {
  std::string xact; // identity for its lifetime: xid@prepare-time
  std::string gid;
  std::string prepared_at;
  std::string owner;
};

// Where the stored cursors may safely go this cycle, and how that was decided.
struct Horizon {
  std::string safe_ts;            // newest updated_at below which nothing can still commit
  std::string source_now;         // the source's clock at the read, in updated_at's time base
  bool exact = true;              // false: other sessions are hidden, a lookback window is used
  std::optional<long> oldest_pid; // backend holding the horizon back, if any
  std::string oldest_application;
  std::optional<std::string> oldest_start;
  std::string time_zone;
  std::vector<PreparedXact> prepared; // open prepared transactions of the source database
};

// Whether `source` knows the time zone `zone` (a name, abbreviation or POSIX spec that
// AT TIME ZONE accepts); an empty zone means the server's own TimeZone. Autocommit statement.
bool time_zone_known(pqxx::connection& source, const std::string& zone);

// Throws UsageError (exit 2) naming ACME_SOURCE_TIMEZONE unless time_zone_known().
void require_time_zone(pqxx::connection& source, const std::string& zone);

// Reads the late-commit horizon and the prepared transactions on `source`, each in its own
// autocommit statement. Must run BEFORE the cycle's snapshot is taken and outside any
// transaction on that connection: the proof is in sql/source/horizon.sql.
Horizon read_horizon(pqxx::connection& source, std::chrono::milliseconds lookback,
                     const std::string& time_zone);

} // namespace acme::etl
