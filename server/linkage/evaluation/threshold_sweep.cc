#include "server/linkage/evaluation/threshold_sweep.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/status/check.h"

namespace equilink::linkage {

std::vector<double> ThresholdWindow(double center, double half_width,
                                    double step) {
  EQ_CHECK(step > 0);
  const int k = static_cast<int>(std::lround(half_width / step));
  std::vector<double> thresholds;
  for (int i = -k; i <= k; ++i) thresholds.push_back(center + i * step);
  return thresholds;
}

std::vector<ThresholdPoint> SweepThresholds(
    std::span<const double> thresholds,
    absl::FunctionRef<std::vector<uint32_t>(double threshold)> labels_at,
    std::span<const uint32_t> truth, std::span<const uint32_t> sources) {
  std::vector<ThresholdPoint> points;
  for (double threshold : thresholds) {
    const std::vector<uint32_t> labels = labels_at(threshold);
    points.push_back(
        ThresholdPoint{.threshold = threshold,
                       .metrics = EvaluatePairwise(labels, truth, sources)});
  }
  return points;
}

std::vector<ThresholdPoint> SweepClusterThresholds(
    std::span<const Row> rows, std::span<const ScoredEdge> edges,
    const ClusterGuards& guards, std::span<const double> thresholds,
    std::span<const uint32_t> truth, std::span<const uint32_t> sources) {
  return SweepThresholds(
      thresholds,
      [&](double threshold) {
        ClusterGuards at = guards;
        at.link_threshold = threshold;
        return ClusterComponent(rows, edges, at);
      },
      truth, sources);
}

double MinF1(std::span<const ThresholdPoint> points) {
  if (points.empty()) return 0;
  double lowest = points[0].metrics.f1;
  for (const ThresholdPoint& point : points) {
    lowest = std::min(lowest, point.metrics.f1);
  }
  return lowest;
}

}  // namespace equilink::linkage
