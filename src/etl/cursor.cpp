#include "acme/etl/cursor.hpp"

#include <limits>

namespace acme::etl {

bool operator<(const Cursor& a, const Cursor& b) {
  if (a.ts != b.ts) {
    return a.ts < b.ts; // an empty optional sorts first
  }
  return a.pk < b.pk;
}

CursorStep next_cursor(const Cursor& previous, const std::optional<Cursor>& last_read,
                       const std::string& horizon_ts) {
  if (!last_read) {
    return {previous, false};
  }
  if (*last_read->ts <= horizon_ts) {
    return {*last_read, false};
  }
  // Everything up to the horizon has been read (rows arrive in cursor order); rows after it
  // may still be joined by late commits, so stop just after the horizon's last possible key.
  // If the horizon is behind `previous` (an older transaction became visible, or the lookback
  // grew), going back is the safe choice: the overlap is simply read again.
  (void)previous;
  return {Cursor{horizon_ts, std::numeric_limits<std::int64_t>::max()}, true};
}

CursorStep apply_pin(const CursorStep& step, const std::optional<Cursor>& pin) {
  if (pin && *pin < step.cursor) {
    return {*pin, true};
  }
  return step;
}

} // namespace acme::etl
