#ifndef EQUILINK_SERVER_FRAMEWORK_STATS_CONFIDENCE_INTERVALS_H_
#define EQUILINK_SERVER_FRAMEWORK_STATS_CONFIDENCE_INTERVALS_H_

// Confidence intervals for the framework's indicator cells, as OHID's
// Fingertips computes them. The reference implementation is the R package
// PHEindicatormethods (functions named below); the methods are those of the
// Fingertips public health technical guidance and of APHO Technical
// Briefing 3, "Commonly used public health statistics and their confidence
// intervals" (Eayres, 2008).
//
// `confidence` is always a fraction strictly inside (0, 1): 0.95, 0.998.
// (PHEindicatormethods also takes 95 or 99.8; here such a number is an
// InvalidArgument, so a percentage cannot slip through unnoticed.)
//
// Every function is pure and thread-safe; none returns NaN or an infinity:
// input that would produce one is an InvalidArgument.

#include <cstdint>
#include <span>

#include "absl/status/statusor.h"

namespace equilink::framework::stats {

struct Interval {
  double lower = 0.0;
  double upper = 0.0;
};

// Wilson score interval for the proportion numerator / denominator
// (PHEindicatormethods wilson_lower / wilson_upper, used by phe_proportion;
// Wilson 1927; Newcombe & Altman, Statistics with Confidence, 2000):
//   (2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2)),
// z the two-sided normal critical value. On the 0..1 scale: the caller
// multiplies by 100 for a percentage. A numerator of 0 gives a lower limit
// of exactly 0, a numerator equal to the denominator an upper limit of
// exactly 1. InvalidArgument for denominator <= 0, a negative numerator,
// numerator > denominator, or a confidence outside (0, 1).
absl::StatusOr<Interval> WilsonInterval(int64_t numerator, int64_t denominator,
                                        double confidence = 0.95);

// Byar's approximation to the Poisson interval for an observed count
// (PHEindicatormethods byars_lower / byars_upper; Breslow & Day 1987):
//   lower = x (1 - 1/(9x) - z/(3 sqrt x))^3,
//   upper = (x+1) (1 - 1/(9(x+1)) + z/(3 sqrt(x+1)))^3.
// On the count scale. A count of 0 has lower limit 0. InvalidArgument for a
// negative count, a bad confidence, or (as byars_lower returns NA) a lower
// limit the approximation makes negative, which happens only for tiny counts
// at extreme confidence: use ExactPoissonInterval there.
absl::StatusOr<Interval> ByarsInterval(int64_t count, double confidence = 0.95);

// The exact Poisson interval for an observed count (Armitage & Berry 2002):
//   lower = qchisq((1-c)/2, 2x) / 2,  upper = qchisq(1 - (1-c)/2, 2x+2) / 2,
// as phe_rate writes it, computed as the equivalent gamma quantiles. A count
// of 0 has lower limit 0. InvalidArgument as ByarsInterval.
absl::StatusOr<Interval> ExactPoissonInterval(int64_t count,
                                              double confidence = 0.95);

// phe_rate switches from the exact method to Byar's at this count: the
// exact interval for counts below it, Byar's from it upwards.
inline constexpr int64_t kByarsFromCount = 10;

enum class RateMethod { kExactPoisson, kByars };

struct RateEstimate {
  double value = 0.0;  // count / denominator * per
  Interval interval;   // on the same scale as value
  RateMethod method = RateMethod::kByars;
};

// A crude rate per `per` (e.g. 100,000) with its interval, exactly as
// PHEindicatormethods phe_rate: ExactPoissonInterval for count <
// kByarsFromCount, ByarsInterval otherwise, each limit divided by the
// denominator and multiplied by `per`. InvalidArgument for a negative count,
// a denominator or per that is not a positive finite number, or a bad
// confidence.
absl::StatusOr<RateEstimate> CrudeRate(int64_t count, double denominator,
                                       double per, double confidence = 0.95);

struct MeanEstimate {
  int64_t count = 0;
  double mean = 0.0;
  double standard_deviation = 0.0;  // sample SD (divisor n - 1), R's sd()
  Interval interval;
};

// The mean of `values` with a Student's t interval, as PHEindicatormethods
// phe_mean: mean -/+ |qt((1-c)/2, n-1)| * sd / sqrt(n). Serves the mean
// paired change of scores too (see MeanPairedChange). The mean and SD are
// computed in two passes so large, close values keep their precision.
// InvalidArgument for fewer than 2 values (phe_mean's SD would be NA), a
// non-finite value, or a bad confidence.
absl::StatusOr<MeanEstimate> MeanWithInterval(std::span<const double> values,
                                              double confidence = 0.95);

// The same interval from summary statistics (count, mean, sample SD), for a
// cell whose values were aggregated elsewhere. InvalidArgument for count < 2,
// a negative or non-finite SD, a non-finite mean, or a bad confidence.
absl::StatusOr<MeanEstimate> MeanWithIntervalFromSummary(
    int64_t count, double mean, double standard_deviation,
    double confidence = 0.95);

// The mean paired change after[i] - before[i] (e.g. a wellbeing score at
// the end of an intervention minus at its start) with its t interval: a
// one-sample phe_mean on the differences, which is the paired t interval.
// InvalidArgument when the spans differ in length, plus MeanWithInterval's.
absl::StatusOr<MeanEstimate> MeanPairedChange(std::span<const double> before,
                                              std::span<const double> after,
                                              double confidence = 0.95);

}  // namespace equilink::framework::stats

#endif  // EQUILINK_SERVER_FRAMEWORK_STATS_CONFIDENCE_INTERVALS_H_
