// Positions in the source's WAL (Lsn) in PostgreSQL's text form, and the replication protocol's
// timestamps (microseconds since 2000-01-01 UTC) converted to and from the system clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

namespace acme::cdc {

// A position in the source's write-ahead log (PostgreSQL's XLogRecPtr); 0/0 means "none".
struct Lsn {
  std::uint64_t value = 0;

  // Parses PostgreSQL's text form "16/B374D848" (two hex numbers of at most 8 digits);
  // throws acme::Fatal on anything else.
  static Lsn parse(std::string_view text);

  // PostgreSQL's text form, upper-case hex: "16/B374D848", "0/0".
  std::string to_string() const;

  friend bool operator==(Lsn a, Lsn b) { return a.value == b.value; }
  friend bool operator!=(Lsn a, Lsn b) { return a.value != b.value; }
  friend bool operator<(Lsn a, Lsn b) { return a.value < b.value; }
  friend bool operator<=(Lsn a, Lsn b) { return a.value <= b.value; }
  friend bool operator>(Lsn a, Lsn b) { return a.value > b.value; }
  friend bool operator>=(Lsn a, Lsn b) { return a.value >= b.value; }
};

// Writes the text form (also what GoogleTest prints).
std::ostream& operator<<(std::ostream& out, Lsn lsn);

// A server timestamp as the replication protocol carries it: microseconds since
// 2000-01-01 00:00:00 UTC (PostgreSQL's epoch).
using PgTimestamp = std::int64_t;

// Seconds between the Unix epoch and PostgreSQL's epoch (2000-01-01 UTC).
inline constexpr std::int64_t k_pg_epoch_unix_seconds = 946'684'800;

// Converts a protocol timestamp to the system clock, and back (microsecond precision).
std::chrono::system_clock::time_point to_time_point(PgTimestamp ts);
PgTimestamp from_time_point(std::chrono::system_clock::time_point tp);

} // namespace acme::cdc
