// The robust statistics of the anomaly detection: median, MAD, the robust z-score and its
// fallbacks (MAD = 0, a constant baseline, a short baseline), and the scoring of a daily series.
#include "acme/quality/anomalies.hpp"

#include <gtest/gtest.h>
#include <optional>
#include <vector>

using acme::quality::RobustScore;
using acme::quality::Scale;

TEST(QualityStats, MedianOfOddAndEvenCountsAndOfNothing) {
  EXPECT_DOUBLE_EQ(acme::quality::median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(acme::quality::median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(acme::quality::median({}), 0);
}

TEST(QualityStats, SpreadIsMedianMadAndMeanAbsoluteDeviation) {
  const auto s = acme::quality::spread({1, 2, 3, 4, 100});
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.mad, 1); // |dev| = 2 1 0 1 97
  EXPECT_DOUBLE_EQ(s.mean_ad, (2 + 1 + 0 + 1 + 97) / 5.0);
}

TEST(QualityStats, RobustZIsScaledByMadAndFlagsBeyondTheThreshold) {
  const std::vector<double> base{8, 9, 10, 11, 12, 10, 9, 11}; // median 10, MAD 1
  const auto spike = acme::quality::robust_score(100, base);
  EXPECT_EQ(spike.scale, Scale::mad);
  ASSERT_TRUE(spike.z);
  EXPECT_NEAR(*spike.z, 0.6745 * 90, 1e-9);
  EXPECT_TRUE(spike.flagged);
  const auto normal = acme::quality::robust_score(12, base);
  EXPECT_NEAR(*normal.z, 1.349, 1e-9);
  EXPECT_FALSE(normal.flagged);
  // A drop is as anomalous as a spike.
  EXPECT_TRUE(acme::quality::robust_score(0, base).flagged);
  // Just inside and just beyond the threshold (z = 3.5 at x - median = 3.5 / 0.6745).
  EXPECT_FALSE(acme::quality::robust_score(10 + 3.49 / 0.6745, base).flagged);
  EXPECT_TRUE(acme::quality::robust_score(10 + 3.51 / 0.6745, base).flagged);
}

TEST(QualityStats, MadZeroFallsBackToTheMeanAbsoluteDeviation) {
  // More than half the baseline equal: MAD = 0, but the days differ.
  const std::vector<double> base{0, 0, 0, 0, 0, 0, 0, 0, 1, 2};
  const auto one = acme::quality::robust_score(1, base);
  EXPECT_EQ(one.scale, Scale::mean_ad);
  EXPECT_DOUBLE_EQ(one.mad, 0);
  ASSERT_TRUE(one.z);
  EXPECT_NEAR(*one.z, 1 / (1.253314 * 0.3), 1e-9); // 2.66: one cancellation is not an anomaly
  EXPECT_FALSE(one.flagged);
  EXPECT_TRUE(acme::quality::robust_score(5, base).flagged);
}

TEST(QualityStats, AConstantBaselineFlagsAnyDifferentValueWithoutAZ) {
  const std::vector<double> base(10, 2.0);
  const auto same = acme::quality::robust_score(2, base);
  EXPECT_EQ(same.scale, Scale::constant);
  EXPECT_FALSE(same.z);
  EXPECT_FALSE(same.flagged);
  const auto other = acme::quality::robust_score(20, base);
  EXPECT_FALSE(other.z);
  EXPECT_TRUE(other.flagged);
}

TEST(QualityStats, AShortBaselineIsNeverFlagged) {
  const std::vector<double> base{10, 10, 11, 9, 10, 10}; // 6 < 7
  const auto r = acme::quality::robust_score(1000, base);
  EXPECT_EQ(r.scale, Scale::short_baseline);
  EXPECT_EQ(r.baseline_values, 6U);
  EXPECT_FALSE(r.z);
  EXPECT_FALSE(r.flagged);
  EXPECT_EQ(acme::quality::robust_score(1000, {}).scale, Scale::short_baseline);
  // A custom minimum.
  EXPECT_TRUE(acme::quality::robust_score(1000, base, {3.5, 5}).flagged);
}

TEST(QualityStats, ASeriesIsScoredAgainstItsTrailingWindowOnly) {
  std::vector<std::optional<double>> v;
  for (int d = 0; d < 40; ++d) {
    v.emplace_back(8 + (d * 7) % 5);
  }
  v[35] = 100;          // the spike
  v[20] = std::nullopt; // a day without a value: skipped, and not in the baselines
  const auto s = acme::quality::score_series(v, 5, 28);
  ASSERT_EQ(s.size(), v.size());
  std::vector<std::size_t> flagged;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] && s[i]->flagged) {
      flagged.push_back(i);
    }
  }
  EXPECT_EQ(flagged, std::vector<std::size_t>{35});
  EXPECT_FALSE(s[4]);                            // before `first`
  EXPECT_FALSE(s[20]);                           // no value
  EXPECT_EQ(s[5]->scale, Scale::short_baseline); // 5 days behind it
  EXPECT_EQ(s[7]->baseline_values, 7U);
  EXPECT_EQ(s[39]->baseline_values, 27U); // 28 days back, one without a value
}

TEST(QualityStats, RobustLimitIsWhereTheZScoreReachesTheThreshold) {
  const acme::quality::Spread s{600, 60, 70};
  const double limit = acme::quality::robust_limit(s);
  EXPECT_NEAR(0.6745 * (limit - 600) / 60, 3.5, 1e-3);
  const acme::quality::ScoreRule no_min{3.5, 7, 0.0};
  EXPECT_NEAR(acme::quality::robust_limit({600, 0, 10}, no_min), 600 + 3.5 * 1.253314 * 10, 1e-9);
  EXPECT_DOUBLE_EQ(acme::quality::robust_limit({600, 0, 0}, no_min), 600);
  // With the default minimum change, never less than 10% above the median.
  EXPECT_DOUBLE_EQ(acme::quality::robust_limit({600, 0, 10}), 660);
  EXPECT_DOUBLE_EQ(acme::quality::robust_limit({600, 0, 0}), 660);
}

TEST(QualityStats, ASmallChangeOfAVeryRegularSeriesIsNotFlagged) {
  // 222 or 223 orders every day: MAD 0.5, so 224 has z = 2.7 and 226 has z = 5.4, but 226 is
  // 1.6% above the median: noise, not an anomaly, under the default 10% minimum change.
  const std::vector<double> base{222, 223, 222, 223, 222, 223, 222, 223, 222, 223};
  const auto small = acme::quality::robust_score(226, base);
  ASSERT_TRUE(small.z);
  EXPECT_GT(*small.z, 3.5);
  EXPECT_FALSE(small.flagged);
  EXPECT_TRUE(acme::quality::robust_score(226, base, {3.5, 7, 0.0}).flagged);
  EXPECT_TRUE(acme::quality::robust_score(250, base).flagged); // 12% above
  // A constant baseline: a 5% change is not flagged, a 20% change is.
  const std::vector<double> flat(10, 2.0);
  EXPECT_FALSE(acme::quality::robust_score(2.1, flat).flagged);
  EXPECT_TRUE(acme::quality::robust_score(2.4, flat).flagged);
}
