#include "acme/cdc/lsn.hpp"

#include "acme/error.hpp"

#include <fmt/format.h>
#include <ostream>

namespace acme::cdc {
namespace {

// Parses 1 to 8 hex digits into `out`; false on anything else.
bool parse_hex32(std::string_view text, std::uint64_t& out) {
  if (text.empty() || text.size() > 8) {
    return false;
  }
  std::uint64_t v = 0;
  for (char c : text) {
    std::uint64_t digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<std::uint64_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<std::uint64_t>(c - 'a') + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<std::uint64_t>(c - 'A') + 10;
    } else {
      return false;
    }
    v = v * 16 + digit;
  }
  out = v;
  return true;
}

} // namespace

Lsn Lsn::parse(std::string_view text) {
  const auto slash = text.find('/');
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  if (slash == std::string_view::npos || !parse_hex32(text.substr(0, slash), hi) ||
      !parse_hex32(text.substr(slash + 1), lo)) {
    throw Fatal(
        fmt::format("invalid LSN \"{}\" (expected two hex numbers like 16/B374D848)", text));
  }
  return Lsn{(hi << 32) | lo};
}

std::string Lsn::to_string() const {
  return fmt::format("{:X}/{:X}", value >> 32, value & 0xFFFFFFFFU);
}

std::ostream& operator<<(std::ostream& out, Lsn lsn) {
  return out << lsn.to_string();
}

std::chrono::system_clock::time_point to_time_point(PgTimestamp ts) {
  using namespace std::chrono;
  return system_clock::time_point(
      duration_cast<system_clock::duration>(seconds(k_pg_epoch_unix_seconds) + microseconds(ts)));
}

PgTimestamp from_time_point(std::chrono::system_clock::time_point tp) {
  using namespace std::chrono;
  return duration_cast<microseconds>(tp.time_since_epoch()).count() -
         k_pg_epoch_unix_seconds * 1'000'000;
}

} // namespace acme::cdc
