#include "acme/etl/tables.hpp"

#include <gtest/gtest.h>

using acme::etl::block_condition;
using acme::etl::BlockRange;
using acme::etl::split_blocks;

namespace {

// The ranges are contiguous from block 0, and only the last one is open-ended.
void expect_cover(const std::vector<BlockRange>& ranges) {
  ASSERT_FALSE(ranges.empty());
  EXPECT_EQ(ranges.front().first, 0);
  EXPECT_FALSE(ranges.back().end.has_value());
  for (std::size_t i = 0; i + 1 < ranges.size(); ++i) {
    ASSERT_TRUE(ranges[i].end.has_value()) << i;
    EXPECT_LT(ranges[i].first, *ranges[i].end) << i;
    EXPECT_EQ(ranges[i + 1].first, *ranges[i].end) << i;
  }
}

} // namespace

TEST(BlockRange, SplitsIntoNearlyEqualContiguousRanges) {
  const auto r = split_blocks(59065, 4);
  ASSERT_EQ(r.size(), 4U);
  expect_cover(r);
  for (std::size_t i = 0; i + 1 < r.size(); ++i) {
    EXPECT_NEAR(static_cast<double>(*r[i].end - r[i].first), 59065.0 / 4, 1.0);
  }
  EXPECT_NEAR(static_cast<double>(59065 - r.back().first), 59065.0 / 4, 1.0);
}

TEST(BlockRange, FewerBlocksThanPartsGiveOneRangePerBlock) {
  const auto r = split_blocks(3, 8);
  ASSERT_EQ(r.size(), 3U);
  expect_cover(r);
  EXPECT_EQ(r[2].first, 2);
}

// An empty table (or one whose size was read as 0) is still read whole: one open range.
TEST(BlockRange, AnEmptyTableIsOneOpenRange) {
  for (const std::int64_t blocks : {0, -1}) {
    const auto r = split_blocks(blocks, 4);
    ASSERT_EQ(r.size(), 1U);
    expect_cover(r);
  }
}

TEST(BlockRange, ConditionIsATidRange) {
  EXPECT_EQ(block_condition("i", {10, 20}), "i.ctid >= '(10,0)'::tid AND i.ctid < '(20,0)'::tid");
  EXPECT_EQ(block_condition("i", {20, std::nullopt}), "i.ctid >= '(20,0)'::tid");
}
