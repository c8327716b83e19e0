#include "acme/etl/cursor.hpp"

#include <fmt/format.h>
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

std::optional<std::string> cursor_timestamp(std::int64_t us) {
  constexpr std::int64_t k_day = 86'400'000'000;
  if (us == std::numeric_limits<std::int64_t>::max() ||
      us == std::numeric_limits<std::int64_t>::min()) {
    return std::nullopt; // infinity, -infinity
  }
  std::int64_t days = us / k_day;
  std::int64_t rem = us % k_day;
  if (rem < 0) {
    rem += k_day;
    days -= 1;
  }
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm); 2000-01-01 is day 10957.
  const std::int64_t z = days + 10957 + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 1 || year > 9999) {
    return std::nullopt;
  }
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}", year, month, day,
                     rem / 3'600'000'000, rem / 60'000'000 % 60, rem / 1'000'000 % 60,
                     rem / 1000 % 1000);
}

CursorStep apply_pin(const CursorStep& step, const std::optional<Cursor>& pin) {
  if (pin && *pin < step.cursor) {
    return {*pin, true};
  }
  return step;
}

} // namespace acme::etl
