#include "acme/etl/parallel_load.hpp"

#include <gtest/gtest.h>
#include <limits>

using acme::etl::KeyRange;
using acme::etl::split_key_range;

namespace {

// The ranges are contiguous, ascending, and cover [min, max] exactly.
void expect_cover(const std::vector<KeyRange>& ranges, std::int64_t min, std::int64_t max) {
  ASSERT_FALSE(ranges.empty());
  EXPECT_EQ(ranges.front().lo, min);
  EXPECT_EQ(ranges.back().hi, max);
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    EXPECT_LE(ranges[i].lo, ranges[i].hi) << i;
    if (i > 0) {
      EXPECT_EQ(ranges[i].lo, ranges[i - 1].hi + 1) << i;
    }
  }
}

} // namespace

TEST(KeyRange, SplitsIntoNearlyEqualContiguousRanges) {
  const auto r = split_key_range(1, 5200000, 4);
  ASSERT_EQ(r.size(), 4U);
  expect_cover(r, 1, 5200000);
  for (const auto& k : r) {
    EXPECT_NEAR(static_cast<double>(k.hi - k.lo + 1), 1300000.0, 2.0);
  }
}

TEST(KeyRange, FewerKeysThanPartsGiveOneRangePerKey) {
  const auto r = split_key_range(10, 12, 8);
  ASSERT_EQ(r.size(), 3U);
  expect_cover(r, 10, 12);
  EXPECT_EQ(split_key_range(7, 7, 4).size(), 1U);
}

TEST(KeyRange, EmptyOrInvalidBoundsGiveNoRange) {
  EXPECT_TRUE(split_key_range(5, 4, 2).empty());
  EXPECT_TRUE(split_key_range(1, 10, 0).empty());
}

TEST(KeyRange, TheWholeBigintDomainSplitsWithoutOverflow) {
  constexpr auto lo = std::numeric_limits<std::int64_t>::min();
  constexpr auto hi = std::numeric_limits<std::int64_t>::max();
  const auto r = split_key_range(lo, hi, 3);
  ASSERT_EQ(r.size(), 3U);
  expect_cover(r, lo, hi);
  expect_cover(split_key_range(-5, 5, 3), -5, 5);
}
