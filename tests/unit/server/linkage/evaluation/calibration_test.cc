#include "server/linkage/evaluation/calibration.h"

#include <vector>

#include "gtest/gtest.h"

namespace equilink::linkage {
namespace {

TEST(CalibrationTest, ExpectedCalibrationErrorByHand) {
  const std::vector<CalibrationPoint> points = {
      {.probability = 0.05, .is_match = false},
      {.probability = 0.15, .is_match = false},
      {.probability = 0.15, .is_match = true},
      {.probability = 0.85, .is_match = false},
      {.probability = 0.95, .is_match = true},
      {.probability = 0.95, .is_match = true}};
  // Bins: [0,.1): |.05-0|*1; [.1,.2): |.15-.5|*2; [.8,.9): |.85-0|*1;
  // [.9,1]: |.95-1|*2. (0.05 + 0.7 + 0.85 + 0.1) / 6.
  EXPECT_NEAR(ExpectedCalibrationError(points), 1.7 / 6, 1e-12);
}

TEST(CalibrationTest, PerfectlyCalibratedIsZero) {
  std::vector<CalibrationPoint> points;
  for (int i = 0; i < 4; ++i) {
    points.push_back({.probability = 0.25, .is_match = i == 0});
  }
  points.push_back({.probability = 1.0, .is_match = true});
  points.push_back({.probability = 0.0, .is_match = false});
  EXPECT_NEAR(ExpectedCalibrationError(points), 0.0, 1e-12);
  EXPECT_EQ(ExpectedCalibrationError({}), 0.0);
}

TEST(CalibrationTest, BinEdges) {
  const std::vector<CalibrationPoint> points = {
      {.probability = 0.1, .is_match = true},
      {.probability = 1.0, .is_match = true},
      {.probability = 0.0999, .is_match = false}};
  const std::vector<CalibrationBin> bins = CalibrationBins(points);
  ASSERT_EQ(bins.size(), 10u);
  EXPECT_EQ(bins[0].count, 1u);
  EXPECT_EQ(bins[1].count, 1u);
  EXPECT_EQ(bins[9].count, 1u);
  EXPECT_DOUBLE_EQ(bins[9].lower, 0.9);
  EXPECT_DOUBLE_EQ(bins[9].upper, 1.0);
  EXPECT_DOUBLE_EQ(bins[1].mean_probability, 0.1);
  EXPECT_DOUBLE_EQ(bins[1].match_fraction, 1.0);
  EXPECT_EQ(bins[5].count, 0u);
}

}  // namespace
}  // namespace equilink::linkage
