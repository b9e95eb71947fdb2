#include "server/framework/stats/confidence_intervals.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/status/status_macros.h"
#include "server/framework/stats/distributions.h"
#include "server/framework/stats/distributions_internal.h"

namespace equilink::framework::stats {
namespace {

absl::Status CheckConfidence(double confidence) {
  if (confidence > 0.0 && confidence < 1.0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "confidence ", confidence,
      " is not a fraction strictly between 0 and 1 (0.95, not 95)"));
}

absl::Status CheckCount(int64_t count) {
  if (count >= 0) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("count ", count, " is negative"));
}

absl::Status CheckPositiveFinite(double value, absl::string_view what) {
  if (value > 0.0 && std::isfinite(value)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(what, " ", value, " is not a positive finite number"));
}

// The t interval around `mean` once count and SD are known good.
MeanEstimate TInterval(int64_t count, double mean, double standard_deviation,
                       double confidence) {
  const double n = static_cast<double>(count);
  const double t = internal::StudentTQuantileUnchecked(
      1.0 - 0.5 * (1.0 - confidence), n - 1.0);
  const double half_width = t * standard_deviation / std::sqrt(n);
  return MeanEstimate{.count = count,
                      .mean = mean,
                      .standard_deviation = standard_deviation,
                      .interval = {mean - half_width, mean + half_width}};
}

}  // namespace

absl::StatusOr<Interval> WilsonInterval(int64_t numerator, int64_t denominator,
                                        double confidence) {
  EQ_RETURN_IF_ERROR(CheckConfidence(confidence));
  if (denominator <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("denominator ", denominator, " is not positive"));
  }
  if (numerator < 0 || numerator > denominator) {
    return absl::InvalidArgumentError(absl::StrCat(
        "numerator ", numerator, " is outside 0..denominator ", denominator));
  }
  EQ_ASSIGN_OR_RETURN(const double z, TwoSidedNormalCritical(confidence));
  const double x = static_cast<double>(numerator);
  const double n = static_cast<double>(denominator);
  const double z2 = z * z;
  const double centre = 2.0 * x + z2;
  const double spread = z * std::sqrt(z2 + 4.0 * x * (1.0 - x / n));
  // The lower limit (centre - spread) / (2(n + z^2)) rationalised to
  // 2x^2 / (n (centre + spread)): the same number without the cancellation
  // that the subtraction suffers for small x, and exactly 0 when x is 0.
  const double lower = 2.0 * x * x / (n * (centre + spread));
  const double upper =
      numerator == denominator ? 1.0 : (centre + spread) / (2.0 * (n + z2));
  return Interval{lower, upper};
}

absl::StatusOr<Interval> ByarsInterval(int64_t count, double confidence) {
  EQ_RETURN_IF_ERROR(CheckCount(count));
  EQ_ASSIGN_OR_RETURN(const double z, TwoSidedNormalCritical(confidence));
  const double x = static_cast<double>(count);
  double lower = 0.0;
  if (count > 0) {
    lower = x * std::pow(1.0 - 1.0 / (9.0 * x) - z / (3.0 * std::sqrt(x)), 3);
    if (lower < 0.0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Byar's method gives a negative lower limit for count ", count,
          " at confidence ", confidence, "; use the exact Poisson interval"));
    }
  }
  const double x1 = x + 1.0;
  const double upper =
      x1 * std::pow(1.0 - 1.0 / (9.0 * x1) + z / (3.0 * std::sqrt(x1)), 3);
  return Interval{lower, upper};
}

absl::StatusOr<Interval> ExactPoissonInterval(int64_t count,
                                              double confidence) {
  EQ_RETURN_IF_ERROR(CheckCount(count));
  EQ_RETURN_IF_ERROR(CheckConfidence(confidence));
  const double alpha = 1.0 - confidence;
  const double x = static_cast<double>(count);
  // qchisq(p, 2k) / 2 is the unit-scale gamma quantile with shape k; qchisq
  // with 0 degrees of freedom is the point mass at 0.
  const double lower =
      count == 0 ? 0.0 : internal::GammaQuantileUnchecked(0.5 * alpha, x);
  const double upper =
      internal::GammaQuantileUnchecked(1.0 - 0.5 * alpha, x + 1.0);
  return Interval{lower, upper};
}

absl::StatusOr<RateEstimate> CrudeRate(int64_t count, double denominator,
                                       double per, double confidence) {
  EQ_RETURN_IF_ERROR(CheckPositiveFinite(denominator, "rate denominator"));
  EQ_RETURN_IF_ERROR(CheckPositiveFinite(per, "rate multiplier"));
  RateEstimate rate;
  Interval counts;
  if (count < kByarsFromCount) {
    EQ_ASSIGN_OR_RETURN(counts, ExactPoissonInterval(count, confidence));
    rate.method = RateMethod::kExactPoisson;
  } else {
    EQ_ASSIGN_OR_RETURN(counts, ByarsInterval(count, confidence));
    rate.method = RateMethod::kByars;
  }
  const double scale = per / denominator;
  rate.value = static_cast<double>(count) * scale;
  rate.interval = {counts.lower * scale, counts.upper * scale};
  return rate;
}

absl::StatusOr<MeanEstimate> MeanWithInterval(std::span<const double> values,
                                              double confidence) {
  EQ_RETURN_IF_ERROR(CheckConfidence(confidence));
  if (values.size() < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a mean's t interval needs at least 2 values, not ", values.size()));
  }
  double sum = 0.0;
  for (const double v : values) {
    if (!std::isfinite(v)) {
      return absl::InvalidArgumentError("a value for the mean is not finite");
    }
    sum += v;
  }
  const double n = static_cast<double>(values.size());
  const double mean = sum / n;
  // Corrected two-pass variance (Chan, Golub & LeVeque 1983): the second
  // sum removes the rounding left in the mean.
  double squares = 0.0;
  double residual = 0.0;
  for (const double v : values) {
    squares += (v - mean) * (v - mean);
    residual += v - mean;
  }
  const double variance = (squares - residual * residual / n) / (n - 1.0);
  return TInterval(static_cast<int64_t>(values.size()), mean,
                   std::sqrt(std::max(variance, 0.0)), confidence);
}

absl::StatusOr<MeanEstimate> MeanWithIntervalFromSummary(
    int64_t count, double mean, double standard_deviation, double confidence) {
  EQ_RETURN_IF_ERROR(CheckConfidence(confidence));
  if (count < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a mean's t interval needs a count of at least 2, not ", count));
  }
  if (!std::isfinite(mean)) {
    return absl::InvalidArgumentError("mean is not finite");
  }
  if (!(standard_deviation >= 0.0 && std::isfinite(standard_deviation))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "standard deviation ", standard_deviation, " is not >= 0 and finite"));
  }
  return TInterval(count, mean, standard_deviation, confidence);
}

absl::StatusOr<MeanEstimate> MeanPairedChange(std::span<const double> before,
                                              std::span<const double> after,
                                              double confidence) {
  if (before.size() != after.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("paired change needs as many before scores (",
                     before.size(), ") as after (", after.size(), ")"));
  }
  std::vector<double> changes(before.size());
  for (size_t i = 0; i < before.size(); ++i) changes[i] = after[i] - before[i];
  return MeanWithInterval(changes, confidence);
}

}  // namespace equilink::framework::stats
