#ifndef EQUILINK_SERVER_LINKAGE_EVALUATION_CALIBRATION_H_
#define EQUILINK_SERVER_LINKAGE_EVALUATION_CALIBRATION_H_

// Whether the model's match probabilities mean what they say: of the pairs
// scored about 0.8, about 80% should be matches. Thresholds and the
// anti-chaining guard treat the numbers as probabilities, so a badly
// calibrated model moves every decision.

#include <span>
#include <vector>

namespace equilink::linkage {

struct CalibrationPoint {
  double probability;  // predicted, 0..1
  bool is_match;       // truth
};

struct CalibrationBin {
  double lower = 0;  // the bin is [lower, upper); the last includes 1
  double upper = 0;
  size_t count = 0;
  double mean_probability = 0;  // 0 when empty
  double match_fraction = 0;    // 0 when empty
};

// `bins` equal-width bins over [0, 1] (a probability outside is clamped into
// the first or last bin). REQUIRES: bins >= 1.
std::vector<CalibrationBin> CalibrationBins(
    std::span<const CalibrationPoint> points, int bins = 10);

// Expected calibration error: the mean over points of
// |mean probability - match fraction| of the point's bin, i.e.
// sum over bins of (count / total) * |mean_probability - match_fraction|.
// 0 for no points. REQUIRES: bins >= 1.
double ExpectedCalibrationError(std::span<const CalibrationPoint> points,
                                int bins = 10);

}  // namespace equilink::linkage

#endif  // EQUILINK_SERVER_LINKAGE_EVALUATION_CALIBRATION_H_
