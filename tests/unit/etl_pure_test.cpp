#include "acme/etl/backoff.hpp"
#include "acme/etl/cursor.hpp"

#include <gtest/gtest.h>
#include <limits>

using namespace acme::etl;
using std::chrono::milliseconds;

TEST(Cursor, NothingReadKeepsThePreviousCursor) {
  const Cursor prev{"2026-11-01 10:00:00.000", 7};
  const auto s = next_cursor(prev, std::nullopt, "2026-11-01 12:00:00.000");
  EXPECT_EQ(s.cursor, prev);
  EXPECT_FALSE(s.clamped);
}

TEST(Cursor, AdvancesToTheLastRowBelowTheHorizon) {
  const auto s =
      next_cursor(Cursor{}, Cursor{"2026-11-01 10:00:00.500", 42}, "2026-11-01 10:00:01.000");
  EXPECT_EQ(s.cursor, (Cursor{"2026-11-01 10:00:00.500", 42}));
  EXPECT_FALSE(s.clamped);
}

TEST(Cursor, NeverPassesTheLateCommitHorizon) {
  const auto s = next_cursor(Cursor{"2026-11-01 09:00:00.000", 1},
                             Cursor{"2026-11-01 10:00:05.000", 9}, "2026-11-01 10:00:01.999");
  EXPECT_TRUE(s.clamped);
  EXPECT_EQ(*s.cursor.ts, "2026-11-01 10:00:01.999");
  EXPECT_EQ(s.cursor.pk, std::numeric_limits<std::int64_t>::max());
}

TEST(Cursor, OrderIsTimestampThenKey) {
  EXPECT_LT((Cursor{"2026-11-01 10:00:00.000", 9}), (Cursor{"2026-11-01 10:00:00.001", 1}));
  EXPECT_LT((Cursor{"2026-11-01 10:00:00.000", 1}), (Cursor{"2026-11-01 10:00:00.000", 2}));
  EXPECT_LT(Cursor{}, (Cursor{"0001-01-01 00:00:00.000", 0}));
}

TEST(Backoff, GrowsExponentiallyUpToTheCapWithJitter) {
  const milliseconds base{500};
  const milliseconds cap{60000};
  EXPECT_EQ(backoff_delay(0, base, cap, 1.0), milliseconds(500));
  EXPECT_EQ(backoff_delay(0, base, cap, 0.0), milliseconds(250));
  EXPECT_EQ(backoff_delay(3, base, cap, 1.0), milliseconds(4000));
  EXPECT_EQ(backoff_delay(20, base, cap, 1.0), cap);
  EXPECT_EQ(backoff_delay(1000, base, cap, 0.0), milliseconds(30000));
  for (int attempt = 0; attempt < 12; ++attempt) {
    const auto d = backoff_delay(attempt, base, cap, 0.37);
    EXPECT_GE(d, milliseconds(125));
    EXPECT_LE(d, cap);
  }
}

TEST(Cursor, APreparedTransactionPinHoldsTheCursorAtTheValueItWasFirstSeenWith) {
  const CursorStep free{Cursor{"2026-11-01 10:00:05.000", 9}, false};
  const Cursor pin{"2026-11-01 10:00:01.000", 3};
  const auto s = apply_pin(free, pin);
  EXPECT_EQ(s.cursor, pin);
  EXPECT_TRUE(s.clamped);
}

TEST(Cursor, APinAboveTheStepChangesNothing) {
  const CursorStep step{Cursor{"2026-11-01 10:00:05.000", 9}, false};
  EXPECT_EQ(apply_pin(step, Cursor{"2026-11-01 10:00:05.000", 10}).cursor, step.cursor);
  EXPECT_FALSE(apply_pin(step, Cursor{"2026-11-01 10:00:05.000", 10}).clamped);
  EXPECT_EQ(apply_pin(step, std::nullopt).cursor, step.cursor);
}

TEST(Cursor, AnEmptyPinKeepsTheCursorEmpty) {
  // A transaction prepared before anything was loaded: every row is re-read until it is gone.
  const auto s = apply_pin(CursorStep{Cursor{"2026-11-01 10:00:05.000", 9}, false}, Cursor{});
  EXPECT_TRUE(s.cursor.empty());
  EXPECT_TRUE(s.clamped);
}

TEST(Cursor, BinaryTimestampsBecomeCursorTextLikeToChar) {
  EXPECT_EQ(cursor_timestamp(0), "2000-01-01 00:00:00.000");
  // 2026-11-28 16:10:46.759 (checked with PostgreSQL: extract(epoch) - 946684800).
  EXPECT_EQ(cursor_timestamp(849'197'446'759'000), "2026-11-28 16:10:46.759");
  EXPECT_EQ(cursor_timestamp(-1000), "1999-12-31 23:59:59.999");
  EXPECT_EQ(cursor_timestamp(5'184'000'000'000), "2000-03-01 00:00:00.000"); // after Feb 29
  EXPECT_EQ(cursor_timestamp(1'999), "2000-01-01 00:00:00.001"); // truncated like to_char MS
  EXPECT_EQ(cursor_timestamp(std::numeric_limits<std::int64_t>::max()), std::nullopt);
  EXPECT_EQ(cursor_timestamp(std::numeric_limits<std::int64_t>::min()), std::nullopt);
  EXPECT_EQ(cursor_timestamp(-63'082'281'600'000'000), "0001-01-01 00:00:00.000");
  EXPECT_EQ(cursor_timestamp(-63'113'904'000'000'000), std::nullopt); // year 0 (1 BC)
}
