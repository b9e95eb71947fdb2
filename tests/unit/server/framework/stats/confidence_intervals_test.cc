#include "server/framework/stats/confidence_intervals.h"

#include <cmath>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace equilink::framework::stats {
namespace {

using ::equilink::testing::StatusIs;

// Expected limits are PHEindicatormethods' formulas (quoted in the header)
// evaluated with mpmath at 40 digits; where a published table or a hand
// derivation also gives the number, the comment says so.

double Relative(double actual, double expected) {
  return std::fabs(actual - expected) / std::fabs(expected);
}

void ExpectInterval(const Interval& actual, double lower, double upper,
                    double tolerance = 1e-12) {
  if (lower == 0.0) {
    EXPECT_EQ(actual.lower, 0.0);
  } else {
    EXPECT_LT(Relative(actual.lower, lower), tolerance) << actual.lower;
  }
  EXPECT_LT(Relative(actual.upper, upper), tolerance) << actual.upper;
}

TEST(WilsonIntervalTest, MatchesPheFormulaAtBothConfidences) {
  // wilson_lower(65, 100) / wilson_upper(65, 100).
  EQ_ASSERT_OK_AND_ASSIGN(const Interval at95, WilsonInterval(65, 100));
  ExpectInterval(at95, 0.55254443296887960, 0.73635751756902469);
  EQ_ASSERT_OK_AND_ASSIGN(const Interval at998, WilsonInterval(65, 100, 0.998));
  ExpectInterval(at998, 0.49549465740704473, 0.77835406140896857);
  // A rare outcome keeps its relative precision in the lower limit.
  EQ_ASSERT_OK_AND_ASSIGN(const Interval rare, WilsonInterval(1, 1'000'000));
  ExpectInterval(rare, 1.7652457674537147e-7, 5.664911804311443e-6);
}

TEST(WilsonIntervalTest, ZeroAndAllAreExactAtTheBoundary) {
  // By hand, x = 0: upper = z^2 / (n + z^2) = 3.84146 / 53.84146.
  EQ_ASSERT_OK_AND_ASSIGN(const Interval none, WilsonInterval(0, 50));
  EXPECT_EQ(none.lower, 0.0);
  EXPECT_LT(Relative(none.upper, 0.07134759913335873), 1e-12);
  EQ_ASSERT_OK_AND_ASSIGN(const Interval all, WilsonInterval(50, 50));
  EXPECT_EQ(all.upper, 1.0);
  EXPECT_LT(Relative(all.lower, 1 - 0.07134759913335873), 1e-12);
}

TEST(WilsonIntervalTest, RejectsImpossibleCounts) {
  EXPECT_THAT(WilsonInterval(0, 0),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(WilsonInterval(5, 4),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(WilsonInterval(-1, 4),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(WilsonInterval(1, 4, 95),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(WilsonInterval(1, 4, 1.0),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PoissonIntervalTest, ByarsMatchesPheFormula) {
  // byars_lower(65) / byars_upper(65), and at 99.8%.
  EQ_ASSERT_OK_AND_ASSIGN(const Interval at95, ByarsInterval(65));
  ExpectInterval(at95, 50.163187710459442, 82.849138545939859);
  EQ_ASSERT_OK_AND_ASSIGN(const Interval at998, ByarsInterval(65, 0.998));
  ExpectInterval(at998, 42.880261471480197, 94.000290844318);
  EQ_ASSERT_OK_AND_ASSIGN(const Interval zero, ByarsInterval(0));
  EXPECT_EQ(zero.lower, 0.0);
  // Tiny count, extreme confidence: Byar's lower limit goes negative.
  EXPECT_THAT(ByarsInterval(1, 0.999999),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PoissonIntervalTest, ExactMatchesChiSquareLimits) {
  // Published Poisson tables give 1.6235 and 11.6683 for a count of 5, and
  // 0 and 3.6889 (= -log 0.025, by hand) for 0.
  EQ_ASSERT_OK_AND_ASSIGN(const Interval five, ExactPoissonInterval(5));
  ExpectInterval(five, 1.6234863901184205, 11.66833207932267, 1e-11);
  EQ_ASSERT_OK_AND_ASSIGN(const Interval zero, ExactPoissonInterval(0));
  ExpectInterval(zero, 0.0, 3.6888794541139363, 1e-11);
  // Count 1, by hand: lower = -log(0.975).
  EQ_ASSERT_OK_AND_ASSIGN(const Interval one, ExactPoissonInterval(1));
  ExpectInterval(one, 0.025317807984289875, 5.5716433909388986, 1e-11);
  EQ_ASSERT_OK_AND_ASSIGN(const Interval nine, ExactPoissonInterval(9, 0.998));
  ExpectInterval(nine, 2.4524244043637749, 22.657373309062931, 1e-11);
  EXPECT_THAT(ExactPoissonInterval(-1),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CrudeRateTest, SwitchesFromExactToByarsAtTen) {
  // 9 events in 1,000 per 100,000: exact; chi-square limits from mpmath.
  EQ_ASSERT_OK_AND_ASSIGN(const RateEstimate nine, CrudeRate(9, 1000, 100'000));
  EXPECT_EQ(nine.method, RateMethod::kExactPoisson);
  EXPECT_DOUBLE_EQ(nine.value, 900.0);
  EQ_ASSERT_OK_AND_ASSIGN(const Interval nine_counts, ExactPoissonInterval(9));
  EXPECT_DOUBLE_EQ(nine.interval.lower, nine_counts.lower * 100);
  EXPECT_DOUBLE_EQ(nine.interval.upper, nine_counts.upper * 100);
  // 10 events: Byar's, byars_lower(10) = 4.78745, byars_upper(10) = 18.39146.
  EQ_ASSERT_OK_AND_ASSIGN(const RateEstimate ten, CrudeRate(10, 1000, 100'000));
  EXPECT_EQ(ten.method, RateMethod::kByars);
  EXPECT_DOUBLE_EQ(ten.value, 1000.0);
  ExpectInterval(ten.interval, 478.74499139675618, 1839.1458605756476);
  // No events still has an upper limit.
  EQ_ASSERT_OK_AND_ASSIGN(const RateEstimate none, CrudeRate(0, 2000, 1000));
  EXPECT_EQ(none.value, 0.0);
  ExpectInterval(none.interval, 0.0, 3.6888794541139363 / 2, 1e-11);
}

TEST(CrudeRateTest, RejectsBadDenominators) {
  EXPECT_THAT(CrudeRate(3, 0, 1000),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CrudeRate(3, -5, 1000),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CrudeRate(3, 100, 0),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CrudeRate(-3, 100, 1000),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CrudeRate(3, std::nan(""), 1000),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(MeanTest, PheMeanExample) {
  // phe_mean's own example, values 30, 40, 50, 60. By hand: mean 45,
  // sd = sqrt(500 / 3) = 12.9099445; qt(0.975, 3) = 3.1824463 (table).
  const std::vector<double> values = {30, 40, 50, 60};
  EQ_ASSERT_OK_AND_ASSIGN(const MeanEstimate mean, MeanWithInterval(values));
  EXPECT_EQ(mean.count, 4);
  EXPECT_DOUBLE_EQ(mean.mean, 45.0);
  EXPECT_LT(Relative(mean.standard_deviation, 12.909944487358056), 1e-14);
  ExpectInterval(mean.interval, 24.45739743239478, 65.54260256760522);
  EQ_ASSERT_OK_AND_ASSIGN(const MeanEstimate wide,
                          MeanWithInterval(values, 0.998));
  ExpectInterval(wide.interval, -20.934519589465007, 110.93451958946501);
  EQ_ASSERT_OK_AND_ASSIGN(
      const MeanEstimate summary,
      MeanWithIntervalFromSummary(4, 45, 12.909944487358056));
  ExpectInterval(summary.interval, 24.45739743239478, 65.54260256760522);
}

TEST(MeanTest, LargeCloseValuesKeepTheirSpread) {
  // A naive sum of squares loses everything here; by hand the SD of
  // 1e9 + {1, 2, 3} is exactly 1.
  const std::vector<double> values = {1e9 + 1, 1e9 + 2, 1e9 + 3};
  EQ_ASSERT_OK_AND_ASSIGN(const MeanEstimate mean, MeanWithInterval(values));
  EXPECT_DOUBLE_EQ(mean.mean, 1e9 + 2);
  EXPECT_NEAR(mean.standard_deviation, 1.0, 1e-12);
}

TEST(MeanTest, PairedChangeIsTheMeanOfDifferences) {
  // Differences 2, 3, 0, 3, -1, 3: mean 10/6, sd 1.7511900715 (by hand:
  // sum of squares about the mean is 15.3333, / 5, square root).
  const std::vector<double> before = {10, 12, 9, 15, 11, 14};
  const std::vector<double> after = {12, 15, 9, 18, 10, 17};
  EQ_ASSERT_OK_AND_ASSIGN(const MeanEstimate change,
                          MeanPairedChange(before, after));
  EXPECT_EQ(change.count, 6);
  EXPECT_LT(Relative(change.mean, 1.6666666666666667), 1e-14);
  EXPECT_LT(Relative(change.standard_deviation, 1.7511900715418263), 1e-13);
  ExpectInterval(change.interval, -0.17109460664132505, 3.5044279399746584,
                 1e-11);
}

TEST(MeanTest, RejectsWhatHasNoInterval) {
  const std::vector<double> one = {3};
  EXPECT_THAT(MeanWithInterval(one),
              StatusIs(absl::StatusCode::kInvalidArgument));
  const std::vector<double> bad = {3, std::nan("")};
  EXPECT_THAT(MeanWithInterval(bad),
              StatusIs(absl::StatusCode::kInvalidArgument));
  const std::vector<double> two = {1, 2};
  EXPECT_THAT(MeanPairedChange(one, two),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MeanWithIntervalFromSummary(1, 3, 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MeanWithIntervalFromSummary(5, 3, -1),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace equilink::framework::stats
