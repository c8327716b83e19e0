// The incremental read's position: the (updated_at, primary key) cursor of a source table, and
// the rules that move it without passing the late-commit horizon or a prepared transaction's pin.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace acme::etl {

// Timestamps travel as fixed-width text 'YYYY-MM-DD HH24:MI:SS.MS' (to_char), so they compare
// chronologically as strings and round-trip losslessly into TIMESTAMP(3).
inline constexpr const char* k_ts_format = "YYYY-MM-DD HH24:MI:SS.MS";

// Compound cursor (updated_at, primary key): every source row at or before it has been loaded.
struct Cursor {
  std::optional<std::string> ts; // empty: nothing loaded yet
  std::int64_t pk = 0;

  bool empty() const { return !ts.has_value(); }
  friend bool operator<(const Cursor& a, const Cursor& b);
  friend bool operator==(const Cursor& a, const Cursor& b) { return a.ts == b.ts && a.pk == b.pk; }
};

// The cursor to store after a read, and whether the late-commit horizon held it back.
struct CursorStep {
  Cursor cursor;
  bool clamped = false;
};

// Decides the stored cursor: the last row read, but never past `horizon_ts` (the newest
// timestamp below which no transaction can still commit rows). Rows beyond the horizon are
// re-read by the next cycle; that is cheap because unchanged rows are not rewritten.
CursorStep next_cursor(const Cursor& previous, const std::optional<Cursor>& last_read,
                       const std::string& horizon_ts);

// A TIMESTAMP in PostgreSQL's binary form (microseconds since 2000-01-01 00:00:00) as cursor text
// (k_ts_format: milliseconds, truncated like to_char's MS). nullopt for infinity and for years
// outside 1..9999, which that fixed-width form cannot carry.
std::optional<std::string> cursor_timestamp(std::int64_t us);

// A prepared transaction pins each table's cursor at the value the cursor had when acme first
// saw it prepared: every horizon read while it was running counted it as open, so that stored
// cursor is at or below its rows' stamps (sql/source/horizon.sql). The step never passes the
// lowest pin of the table; `clamped` then says the cursor was held back.
CursorStep apply_pin(const CursorStep& step, const std::optional<Cursor>& pin);

} // namespace acme::etl
