#include "acme/obs/progress.hpp"

#include <gtest/gtest.h>

using acme::obs::format_duration;
using acme::obs::group_thousands;
using acme::obs::progress_line;

TEST(ProgressFormat, GroupsThousandsWithCommas) {
  EXPECT_EQ(group_thousands(0), "0");
  EXPECT_EQ(group_thousands(999), "999");
  EXPECT_EQ(group_thousands(1000), "1,000");
  EXPECT_EQ(group_thousands(1234567), "1,234,567");
  EXPECT_EQ(group_thousands(-1234), "-1,234");
}

TEST(ProgressFormat, DurationIsMinutesSecondsOrHoursMinutesSeconds) {
  EXPECT_EQ(format_duration(0), "0:00");
  EXPECT_EQ(format_duration(3.9), "0:03");
  EXPECT_EQ(format_duration(59), "0:59");
  EXPECT_EQ(format_duration(61), "1:01");
  EXPECT_EQ(format_duration(3600 + 62), "1:01:02");
  EXPECT_EQ(format_duration(-5), "0:00");
}

TEST(ProgressFormat, KnownEstimateShowsPercentRateAndEta) {
  // 1,234,567 rows in 2.41 s: 512,268 rows/s; 1,765,433 rows left: 3.45 s, shown rounded up.
  EXPECT_EQ(progress_line("orders", 1234567, 3000000, 2.41),
            "orders 1,234,567/~3,000,000 rows (41%) 512,268 rows/s ETA 0:04");
}

TEST(ProgressFormat, UnknownEstimateOmitsTotalPercentAndEta) {
  // reltuples is -1 before the first ANALYZE and 0 for an empty-looking table.
  EXPECT_EQ(progress_line("orders", 5000, -1, 2.0), "orders 5,000 rows 2,500 rows/s");
  EXPECT_EQ(progress_line("orders", 5000, 0, 2.0), "orders 5,000 rows 2,500 rows/s");
}

TEST(ProgressFormat, StaleEstimateReachedOmitsPercentAndEta) {
  EXPECT_EQ(progress_line("order_items", 1500, 1000, 1.0),
            "order_items 1,500/~1,000 rows 1,500 rows/s");
}

TEST(ProgressFormat, NoRowsYetShowsElapsedInsteadOfRate) {
  EXPECT_EQ(progress_line("customers", 0, 1000, 12.5),
            "customers 0/~1,000 rows (0%), 0:12 elapsed");
}

TEST(ProgressFormat, LongEtaUsesHours) {
  // 1 % in 60 s: 99 % left takes 5,940 s.
  EXPECT_EQ(progress_line("order_items", 1000000, 100000000, 60.0),
            "order_items 1,000,000/~100,000,000 rows (1%) 16,667 rows/s ETA 1:39:00");
}

TEST(ProgressFormat, StepsShowDoneOfTotalAndElapsedWithoutRateOrEta) {
  EXPECT_EQ(acme::obs::steps_line("indexes", 3, 7, 12.4), "indexes 3/7, 0:12 elapsed");
}
