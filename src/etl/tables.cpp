#include "acme/etl/tables.hpp"

#include <fmt/format.h>
#include <limits>

namespace acme::etl {

std::string key_condition(std::string_view column, const std::optional<KeyRange>& range) {
  // Typed bounds: a bare -9223372036854775808 would be numeric, and the comparison could not
  // use the index.
  return range ? fmt::format("{} BETWEEN ({})::bigint AND ({})::bigint", column, range->lo,
                             range->hi)
               : "TRUE";
}

KeyRange bucket_keys(std::optional<std::int64_t> first, std::optional<std::int64_t> last) {
  constexpr std::int64_t width = std::int64_t{1} << k_bucket_bits;
  return KeyRange{first ? *first * width : std::numeric_limits<std::int64_t>::min(),
                  last ? *last * width + (width - 1) : std::numeric_limits<std::int64_t>::max()};
}

} // namespace acme::etl
