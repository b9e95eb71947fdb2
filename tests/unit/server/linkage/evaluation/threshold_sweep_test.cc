#include "server/linkage/evaluation/threshold_sweep.h"

#include <vector>

#include "gtest/gtest.h"

namespace equilink::linkage {
namespace {

TEST(ThresholdSweepTest, WindowIsCentredAndEvenlySpaced) {
  const std::vector<double> window = ThresholdWindow(0.5);
  ASSERT_EQ(window.size(), 7u);
  EXPECT_DOUBLE_EQ(window.front(), 0.47);
  EXPECT_DOUBLE_EQ(window[3], 0.5);
  EXPECT_DOUBLE_EQ(window.back(), 0.53);
  EXPECT_EQ(ThresholdWindow(0.9, 0.0).size(), 1u);
}

TEST(ThresholdSweepTest, F1AcrossTheWindowByHand) {
  // People {0, 1} and {2, 3}; the true edge 0-1 is weak and a false edge
  // 1-2 is weaker still.
  const std::vector<Row> rows = {0, 1, 2, 3};
  const std::vector<uint32_t> truth = {0, 0, 1, 1};
  const std::vector<ScoredEdge> edges = {
      {.a = 0, .b = 1, .probability = 0.515f, .stage = 0},
      {.a = 2, .b = 3, .probability = 0.9f, .stage = 0},
      {.a = 1, .b = 2, .probability = 0.475f, .stage = 0}};
  ClusterGuards guards;
  guards.min_average_probability = 0;  // let the false edge chain
  const std::vector<double> window = ThresholdWindow(0.5);
  const std::vector<ThresholdPoint> points =
      SweepClusterThresholds(rows, edges, guards, window, truth);
  ASSERT_EQ(points.size(), 7u);
  // 0.47: one cluster, P = 2/6, R = 1. 0.48..0.51: exact. 0.52, 0.53: only
  // {2, 3}, P = 1, R = 1/2.
  const std::vector<double> expected = {0.5, 1, 1, 1, 1, 2.0 / 3, 2.0 / 3};
  for (size_t i = 0; i < points.size(); ++i) {
    EXPECT_DOUBLE_EQ(points[i].threshold, window[i]);
    EXPECT_DOUBLE_EQ(points[i].metrics.f1, expected[i]) << i;
  }
  EXPECT_DOUBLE_EQ(MinF1(points), 0.5);
  EXPECT_EQ(MinF1({}), 0.0);
}

TEST(ThresholdSweepTest, TakesAnyClusteringFunction) {
  const std::vector<uint32_t> truth = {0, 0, 1};
  const std::vector<double> thresholds = {0.2, 0.8};
  const std::vector<ThresholdPoint> points = SweepThresholds(
      thresholds,
      [](double threshold) {
        return threshold < 0.5 ? std::vector<uint32_t>{0, 0, 0}
                               : std::vector<uint32_t>{0, 0, 2};
      },
      truth);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_DOUBLE_EQ(points[0].metrics.precision, 1.0 / 3);
  EXPECT_DOUBLE_EQ(points[1].metrics.f1, 1.0);
}

}  // namespace
}  // namespace equilink::linkage
