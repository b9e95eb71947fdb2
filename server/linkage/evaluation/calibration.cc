#include "server/linkage/evaluation/calibration.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/status/check.h"

namespace equilink::linkage {

std::vector<CalibrationBin> CalibrationBins(
    std::span<const CalibrationPoint> points, int bins) {
  EQ_CHECK(bins >= 1);
  std::vector<CalibrationBin> result(bins);
  std::vector<double> probability_sum(bins, 0);
  std::vector<size_t> matches(bins, 0);
  for (int b = 0; b < bins; ++b) {
    result[b].lower = static_cast<double>(b) / bins;
    result[b].upper = static_cast<double>(b + 1) / bins;
  }
  for (const CalibrationPoint& point : points) {
    // floor(p * bins) puts 0.1 in bin 1 of 10; 1.0 belongs to the last bin.
    const int b = std::clamp(
        static_cast<int>(std::floor(point.probability * bins)), 0, bins - 1);
    ++result[b].count;
    probability_sum[b] += point.probability;
    if (point.is_match) ++matches[b];
  }
  for (int b = 0; b < bins; ++b) {
    if (result[b].count == 0) continue;
    const double count = static_cast<double>(result[b].count);
    result[b].mean_probability = probability_sum[b] / count;
    result[b].match_fraction = static_cast<double>(matches[b]) / count;
  }
  return result;
}

double ExpectedCalibrationError(std::span<const CalibrationPoint> points,
                                int bins) {
  if (points.empty()) return 0;
  double error = 0;
  for (const CalibrationBin& bin : CalibrationBins(points, bins)) {
    error += static_cast<double>(bin.count) *
             std::abs(bin.mean_probability - bin.match_fraction);
  }
  return error / static_cast<double>(points.size());
}

}  // namespace equilink::linkage
