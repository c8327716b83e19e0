#include "acme/etl/tables.hpp"

#include "acme/error.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <limits>

namespace acme::etl {

std::string key_condition(std::string_view column, const std::optional<KeyRange>& range) {
  // Typed bounds: a bare -9223372036854775808 would be numeric, and the comparison could not
  // use the index.
  return range
             ? fmt::format("{} BETWEEN ({})::bigint AND ({})::bigint", column, range->lo, range->hi)
             : "TRUE";
}

std::vector<BlockRange> split_blocks(std::int64_t blocks, int parts) {
  const std::int64_t n = std::max<std::int64_t>(1, std::min<std::int64_t>(parts, blocks));
  std::vector<BlockRange> out;
  for (std::int64_t k = 0; k < n; ++k) {
    out.push_back({blocks * k / n,
                   k + 1 == n ? std::nullopt : std::optional<std::int64_t>(blocks * (k + 1) / n)});
  }
  return out;
}

std::string block_condition(std::string_view alias, const BlockRange& range) {
  std::string out = fmt::format("{}.ctid >= '({},0)'::tid", alias, range.first);
  if (range.end) {
    out += fmt::format(" AND {}.ctid < '({},0)'::tid", alias, *range.end);
  }
  return out;
}

KeyRange bucket_keys(std::optional<std::int64_t> first, std::optional<std::int64_t> last) {
  constexpr std::int64_t width = std::int64_t{1} << k_bucket_bits;
  return KeyRange{first ? *first * width : std::numeric_limits<std::int64_t>::min(),
                  last ? *last * width + (width - 1) : std::numeric_limits<std::int64_t>::max()};
}

const TableSpec& table_spec(std::string_view source) {
  for (const auto& t : k_tables) {
    if (t.source == source) {
      return t;
    }
  }
  throw Fatal("unknown source table " + std::string(source)); // a bug in acme
}

} // namespace acme::etl
