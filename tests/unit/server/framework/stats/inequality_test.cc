#include "server/framework/stats/inequality.h"

#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace equilink::framework::stats {
namespace {

using ::equilink::testing::StatusIs;

// Ten equal deciles whose values lie exactly on 70 + 0.5 * decile, the
// shape of a life-expectancy gradient (decile 1 most deprived).
std::vector<QuantileValue> LineDeciles(double standard_error) {
  std::vector<QuantileValue> deciles;
  for (int d = 1; d <= 10; ++d) {
    deciles.push_back({.value = 70 + 0.5 * d,
                       .population = 1000,
                       .standard_error = standard_error});
  }
  return deciles;
}

double Width(const Interval& interval) {
  return interval.upper - interval.lower;
}

TEST(InequalityTest, ValuesOnALineGiveItsSlopeOverTheRankSpan) {
  // Equal deciles have ranks (d - 0.5) / 10, so 70 + 0.5 d is
  // 70.25 + 5 * rank: SII = 5 (0.5 a decile over ten deciles) and, by hand,
  // RII = Y(1) / Y(0) = 75.25 / 70.25.
  const std::vector<QuantileValue> deciles = LineDeciles(0.0);
  EQ_ASSERT_OK_AND_ASSIGN(const InequalityResult result,
                          SlopeAndRelativeIndex(deciles));
  EXPECT_NEAR(result.sii.value, 5.0, 1e-12);
  ASSERT_TRUE(result.rii.has_value());
  EXPECT_NEAR(result.rii->value, 75.25 / 70.25, 1e-14);
  // No sampling error: every simulated line is the line itself.
  EXPECT_EQ(result.sii.interval.lower, result.sii.value);
  EXPECT_EQ(result.sii.interval.upper, result.sii.value);
  EXPECT_EQ(result.rii->interval.lower, result.rii->value);
  EXPECT_EQ(result.rii->interval.upper, result.rii->value);
}

TEST(InequalityTest, ZeroStandardErrorsCollapseOnTransformedScalesToo) {
  std::vector<QuantileValue> rates = LineDeciles(0.0);
  InequalityOptions options{.scale = ValueScale::kRate};
  EQ_ASSERT_OK_AND_ASSIGN(const InequalityResult result,
                          SlopeAndRelativeIndex(rates, options));
  EXPECT_EQ(result.sii.interval.lower, result.sii.value);
  EXPECT_EQ(result.sii.interval.upper, result.sii.value);
}

TEST(InequalityTest, HandWorkedWeightedRegression) {
  // Shares 0.1, 0.2, 0.3, 0.2, 0.2 give ranks 0.05, 0.2, 0.45, 0.7, 0.9
  // (weighted mean 0.5); weighted variance of rank 0.079, weighted
  // covariance with the values -0.515. By hand (and again with exact
  // fractions through phe_sii's normal equations for value*sqrt(a) on
  // sqrt(a), rank*sqrt(a)): SII = -515/79, Y(0) = 771/79, Y(1) = 256/79,
  // RII = 256/771.
  std::vector<QuantileValue> quintiles = {{10, 100, 0.1},
                                          {8, 200, 0.1},
                                          {7, 300, 0.1},
                                          {5, 200, 0.1},
                                          {4, 200, 0.1}};
  EQ_ASSERT_OK_AND_ASSIGN(const InequalityResult result,
                          SlopeAndRelativeIndex(quintiles));
  EXPECT_NEAR(result.sii.value, -515.0 / 79.0, 1e-13);
  ASSERT_TRUE(result.rii.has_value());
  EXPECT_NEAR(result.rii->value, 256.0 / 771.0, 1e-14);
  // Only population shares matter.
  for (QuantileValue& q : quintiles) q.population *= 7;
  EQ_ASSERT_OK_AND_ASSIGN(const InequalityResult scaled,
                          SlopeAndRelativeIndex(quintiles));
  EXPECT_NEAR(scaled.sii.value, -515.0 / 79.0, 1e-13);
}

TEST(InequalityTest, SignConventionIsLeastMinusMostDeprived) {
  // Higher in the most deprived decile (say, obesity): SII < 0, RII < 1.
  std::vector<QuantileValue> obesity;
  for (int d = 1; d <= 10; ++d) {
    obesity.push_back(
        {.value = 0.30 - 0.01 * d, .population = 500, .standard_error = 0.0});
  }
  EQ_ASSERT_OK_AND_ASSIGN(const InequalityResult worse_in_deprived,
                          SlopeAndRelativeIndex(obesity));
  EXPECT_NEAR(worse_in_deprived.sii.value, -0.10, 1e-14);
  EXPECT_LT(worse_in_deprived.rii->value, 1.0);
  // Life expectancy rises away from deprivation: SII > 0.
  EQ_ASSERT_OK_AND_ASSIGN(const InequalityResult life,
                          SlopeAndRelativeIndex(LineDeciles(0.0)));
  EXPECT_GT(life.sii.value, 0.0);
  // A multiplier of -1 flips the SII and inverts the RII, as phe_sii.
  EQ_ASSERT_OK_AND_ASSIGN(const InequalityResult flipped,
                          SlopeAndRelativeIndex(obesity, {.multiplier = -1.0}));
  EXPECT_NEAR(flipped.sii.value, 0.10, 1e-14);
  EXPECT_NEAR(flipped.rii->value, 1.0 / worse_in_deprived.rii->value, 1e-14);
}

TEST(InequalityTest, SimulatedIntervalMatchesNormalTheory) {
  // On the normal scale the SII is linear in the values, so exactly
  // N(5, sd^2) with, for equal deciles and SE 0.5 each, by hand
  // sd = 0.5 * sqrt(330) / 16.5 = 0.55048188. The 2.5th and 97.5th
  // percentiles are 5 -/+ 1.959964 sd = 3.921075 and 6.078925. Over 100,000
  // repetitions a percentile's Monte Carlo SD is 0.00465; allow four.
  EQ_ASSERT_OK_AND_ASSIGN(const InequalityResult result,
                          SlopeAndRelativeIndex(LineDeciles(0.5)));
  EXPECT_NEAR(result.sii.interval.lower, 3.921075336034359, 0.019);
  EXPECT_NEAR(result.sii.interval.upper, 6.0789246639656405, 0.019);
  EXPECT_LT(result.rii->interval.lower, result.rii->value);
  EXPECT_GT(result.rii->interval.upper, result.rii->value);
}

TEST(InequalityTest, IntervalContainsEstimateAndNarrowsWithTheError) {
  EQ_ASSERT_OK_AND_ASSIGN(const InequalityResult wide,
                          SlopeAndRelativeIndex(LineDeciles(0.5)));
  EQ_ASSERT_OK_AND_ASSIGN(const InequalityResult narrow,
                          SlopeAndRelativeIndex(LineDeciles(0.05)));
  for (const InequalityResult* r : {&wide, &narrow}) {
    EXPECT_LT(r->sii.interval.lower, r->sii.value);
    EXPECT_GT(r->sii.interval.upper, r->sii.value);
  }
  // Same seed, SEs a tenth: on the normal scale exactly a tenth the width.
  EXPECT_NEAR(Width(narrow.sii.interval), Width(wide.sii.interval) / 10, 1e-9);
  EXPECT_LT(Width(narrow.rii->interval), Width(wide.rii->interval) / 5);
}

TEST(InequalityTest, RatesSimulateOnTheLogScale) {
  // Rates per 100,000 falling from 300 to 120 with 10% relative error: the
  // interval contains the estimate and is asymmetric like the log-normal
  // draws behind it would make the values' own intervals.
  std::vector<QuantileValue> rates;
  for (int d = 1; d <= 10; ++d) {
    rates.push_back({.value = 300.0 - 20.0 * (d - 1),
                     .population = 20'000,
                     .standard_error = 0.1});
  }
  EQ_ASSERT_OK_AND_ASSIGN(
      const InequalityResult result,
      SlopeAndRelativeIndex(rates, {.scale = ValueScale::kRate}));
  EXPECT_NEAR(result.sii.value, -200.0, 1e-9);
  EXPECT_LT(result.sii.interval.lower, result.sii.value);
  EXPECT_GT(result.sii.interval.upper, result.sii.value);
  ASSERT_TRUE(result.rii.has_value());
  EXPECT_LT(result.rii->interval.lower, result.rii->value);
  EXPECT_GT(result.rii->interval.upper, result.rii->value);
}

TEST(InequalityTest, StandardErrorFromLimitsAsPheSii) {
  // By hand: (upper - lower) / (2 * 1.959964) on each scale.
  EQ_ASSERT_OK_AND_ASSIGN(
      const double normal,
      StandardErrorFrom95Limits(ValueScale::kNormal, 80.9, 83.8));
  EXPECT_NEAR(normal, 0.7398095125407461, 1e-13);
  EQ_ASSERT_OK_AND_ASSIGN(
      const double rate, StandardErrorFrom95Limits(ValueScale::kRate, 80, 125));
  EXPECT_NEAR(rate, 0.11385084270646707, 1e-14);  // log(125/80) / 3.919928
  EQ_ASSERT_OK_AND_ASSIGN(
      const double proportion,
      StandardErrorFrom95Limits(ValueScale::kProportion, 0.2, 0.3));
  EXPECT_NEAR(proportion, 0.137501633954558, 1e-14);
  EXPECT_THAT(StandardErrorFrom95Limits(ValueScale::kRate, 0, 5),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(StandardErrorFrom95Limits(ValueScale::kProportion, 0.2, 1.0),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(StandardErrorFrom95Limits(ValueScale::kNormal, 5, 4),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(InequalityTest, SameInputSameInterval) {
  const std::vector<QuantileValue> deciles = LineDeciles(0.3);
  EQ_ASSERT_OK_AND_ASSIGN(const InequalityResult first,
                          SlopeAndRelativeIndex(deciles));
  EQ_ASSERT_OK_AND_ASSIGN(const InequalityResult second,
                          SlopeAndRelativeIndex(deciles));
  EXPECT_EQ(first.sii.interval.lower, second.sii.interval.lower);
  EXPECT_EQ(first.sii.interval.upper, second.sii.interval.upper);
  EXPECT_EQ(first.rii->interval.lower, second.rii->interval.lower);
  EXPECT_EQ(first.rii->interval.upper, second.rii->interval.upper);
  // Another seed moves the limits by Monte Carlo error only.
  EQ_ASSERT_OK_AND_ASSIGN(const InequalityResult reseeded,
                          SlopeAndRelativeIndex(deciles, {.seed = 1}));
  EXPECT_NE(reseeded.sii.interval.lower, first.sii.interval.lower);
  EXPECT_NEAR(reseeded.sii.interval.lower, first.sii.interval.lower, 0.02);
}

TEST(InequalityTest, RejectsWhatPheSiiRejects) {
  std::vector<QuantileValue> deciles = LineDeciles(0.3);
  const std::span<const QuantileValue> four(deciles.data(), 4);
  EXPECT_THAT(SlopeAndRelativeIndex(four),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SlopeAndRelativeIndex(deciles, {.repetitions = 999}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SlopeAndRelativeIndex(deciles, {.confidence = 95}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SlopeAndRelativeIndex(deciles, {.multiplier = 0}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // round(1000 * 0.00005) = 0: no lower order statistic to take.
  EXPECT_THAT(SlopeAndRelativeIndex(
                  deciles, {.repetitions = 1000, .confidence = 0.9999}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      SlopeAndRelativeIndex(deciles, {.scale = ValueScale::kProportion}),
      StatusIs(absl::StatusCode::kInvalidArgument));  // values > 1
  std::vector<QuantileValue> broken = deciles;
  broken[3].population = 0;
  EXPECT_THAT(SlopeAndRelativeIndex(broken),
              StatusIs(absl::StatusCode::kInvalidArgument));
  broken = deciles;
  broken[3].standard_error = -0.1;
  EXPECT_THAT(SlopeAndRelativeIndex(broken),
              StatusIs(absl::StatusCode::kInvalidArgument));
  broken = deciles;
  broken[3].value = std::nan("");
  EXPECT_THAT(SlopeAndRelativeIndex(broken),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace equilink::framework::stats
