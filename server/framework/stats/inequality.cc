#include "server/framework/stats/inequality.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "server/framework/stats/distributions_internal.h"
#include "server/framework/stats/seeded_normal.h"

namespace equilink::framework::stats {
namespace {

// 10 million repetitions hold 160 MB of samples; far beyond any use (the
// default is 100,000) and a guard against a typo allocating gigabytes.
constexpr int kMaxRepetitions = 10'000'000;

double ToScale(ValueScale scale, double value) {
  switch (scale) {
    case ValueScale::kRate:
      return std::log(value);
    case ValueScale::kProportion:
      return std::log(value / (1.0 - value));
    case ValueScale::kNormal:
      break;
  }
  return value;
}

double FromScale(ValueScale scale, double y) {
  switch (scale) {
    case ValueScale::kRate:
      return std::exp(y);
    case ValueScale::kProportion:
      return 1.0 / (1.0 + std::exp(-y));
    case ValueScale::kNormal:
      break;
  }
  return y;
}

bool InDomain(ValueScale scale, double value) {
  switch (scale) {
    case ValueScale::kRate:
      return value > 0.0 && std::isfinite(value);
    case ValueScale::kProportion:
      return value > 0.0 && value < 1.0;
    case ValueScale::kNormal:
      break;
  }
  return std::isfinite(value);
}

absl::Status ValidateQuantiles(std::span<const QuantileValue> quantiles,
                               ValueScale scale) {
  if (quantiles.size() < static_cast<size_t>(kMinQuantiles) ||
      quantiles.size() > static_cast<size_t>(kMaxQuantiles)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the SII needs ", kMinQuantiles, " to ", kMaxQuantiles,
                     " quantiles with data, not ", quantiles.size()));
  }
  for (size_t i = 0; i < quantiles.size(); ++i) {
    const QuantileValue& q = quantiles[i];
    if (!(q.population > 0.0 && std::isfinite(q.population))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "quantile ", i + 1, " has population ", q.population,
          "; the SII needs a positive population in every quantile"));
    }
    if (!(q.standard_error >= 0.0 && std::isfinite(q.standard_error))) {
      return absl::InvalidArgumentError(
          absl::StrCat("quantile ", i + 1, " has standard error ",
                       q.standard_error, "; it must be >= 0 and finite"));
    }
    if (!InDomain(scale, q.value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("quantile ", i + 1, " has value ", q.value,
                       ", outside the domain of its value scale"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateOptions(const InequalityOptions& options) {
  if (!(options.confidence > 0.0 && options.confidence < 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SII confidence ", options.confidence, " is not strictly in (0, 1)"));
  }
  if (options.repetitions < kMinRepetitions ||
      options.repetitions > kMaxRepetitions) {
    return absl::InvalidArgumentError(
        absl::StrCat("SII repetitions ", options.repetitions, " outside ",
                     kMinRepetitions, "..", kMaxRepetitions));
  }
  if (options.multiplier == 0.0 || !std::isfinite(options.multiplier)) {
    return absl::InvalidArgumentError("SII multiplier must be non-zero");
  }
  return absl::OkStatus();
}

// The weighted least-squares line as two linear functionals of the values:
// intercept = sum(intercept_weights[i] * y[i]), slope likewise. Computing
// them once makes each simulated refit two dot products.
struct LineWeights {
  std::vector<double> intercept;
  std::vector<double> slope;
};

absl::StatusOr<LineWeights> FitWeights(
    std::span<const QuantileValue> quantiles) {
  const size_t k = quantiles.size();
  double total = 0.0;
  for (const QuantileValue& q : quantiles) total += q.population;
  std::vector<double> share(k);
  std::vector<double> rank(k);
  double before = 0.0;
  double mean_rank = 0.0;
  for (size_t i = 0; i < k; ++i) {
    share[i] = quantiles[i].population / total;
    rank[i] = before + 0.5 * share[i];
    before += share[i];
    mean_rank += share[i] * rank[i];
  }
  // Centred about the weighted mean rank, which is the same regression as
  // phe_sii's normal equations but without their cancellation.
  double spread = 0.0;
  for (size_t i = 0; i < k; ++i) {
    spread += share[i] * (rank[i] - mean_rank) * (rank[i] - mean_rank);
  }
  if (!(spread > 0.0 && std::isfinite(spread))) {
    return absl::InvalidArgumentError(
        "the quantiles' populations leave no spread of rank to regress on");
  }
  LineWeights weights{std::vector<double>(k), std::vector<double>(k)};
  for (size_t i = 0; i < k; ++i) {
    weights.slope[i] = share[i] * (rank[i] - mean_rank) / spread;
    weights.intercept[i] = share[i] - mean_rank * weights.slope[i];
  }
  return weights;
}

// RII = Y(1) / Y(0) from the line, inverted for a negative multiplier;
// nullopt where undefined.
std::optional<double> RelativeIndex(double intercept, double slope,
                                    double multiplier) {
  const double ratio = (intercept + slope) / intercept;
  const double rii = multiplier < 0.0 ? 1.0 / ratio : ratio;
  if (!std::isfinite(rii)) return std::nullopt;
  return rii;
}

// 1-based positions, in the sorted repetitions, of the interval's limits.
struct OrderPositions {
  size_t lower;
  size_t upper;
};

// SimulationFunc's positions: round(R * (1 - cv)) and round(R * cv) with
// cv = c + (1 - c) / 2; std::nearbyint rounds half to even like R's round.
absl::StatusOr<OrderPositions> PositionsOf(const InequalityOptions& options) {
  const double upper_probability =
      options.confidence + (1.0 - options.confidence) / 2.0;
  const double repetitions = static_cast<double>(options.repetitions);
  const double lower = std::nearbyint(repetitions * (1.0 - upper_probability));
  const double upper = std::nearbyint(repetitions * upper_probability);
  if (lower < 1.0 || upper > repetitions) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.repetitions, " repetitions are too few for a ",
                     options.confidence, " interval"));
  }
  return OrderPositions{static_cast<size_t>(lower), static_cast<size_t>(upper)};
}

// The order statistics at `positions` of `samples`, which it reorders:
// two selections, O(R), instead of a sort.
Interval OrderStatistics(std::vector<double>& samples,
                         const OrderPositions& positions) {
  const auto lower =
      samples.begin() + static_cast<ptrdiff_t>(positions.lower - 1);
  std::nth_element(samples.begin(), lower, samples.end());
  const auto upper =
      samples.begin() + static_cast<ptrdiff_t>(positions.upper - 1);
  if (upper > lower) std::nth_element(lower + 1, upper, samples.end());
  return Interval{*lower, *upper};
}

struct Simulation {
  std::vector<double> sii;
  std::vector<double> rii;
  bool rii_defined = false;
};

// SimulationFunc: options.repetitions refits of the line to values drawn
// from each quantile's sampling distribution.
Simulation Simulate(std::span<const QuantileValue> quantiles,
                    const LineWeights& weights,
                    const InequalityOptions& options, bool with_rii) {
  const size_t k = quantiles.size();
  std::vector<double> centre(k);
  for (size_t i = 0; i < k; ++i) {
    centre[i] = ToScale(options.scale, quantiles[i].value);
  }
  const size_t reps = static_cast<size_t>(options.repetitions);
  Simulation simulation{.sii = std::vector<double>(reps),
                        .rii = std::vector<double>(with_rii ? reps : 0),
                        .rii_defined = with_rii};
  SeededNormal normal(options.seed);
  for (size_t r = 0; r < reps; ++r) {
    double intercept = 0.0;
    double slope = 0.0;
    for (size_t i = 0; i < k; ++i) {
      // Always consume a deviate, so one quantile's SE being 0 does not
      // shift the others' draws; a zero SE reproduces the value exactly.
      const double z = normal.Next();
      const QuantileValue& q = quantiles[i];
      const double y =
          q.standard_error == 0.0
              ? q.value
              : FromScale(options.scale, centre[i] + q.standard_error * z);
      intercept += weights.intercept[i] * y;
      slope += weights.slope[i] * y;
    }
    simulation.sii[r] = options.multiplier * slope;
    if (!simulation.rii_defined) continue;
    const std::optional<double> rii =
        RelativeIndex(intercept, slope, options.multiplier);
    // A draw whose fitted Y(0) is exactly 0 has no ratio and cannot be
    // ranked, so the RII interval is withheld rather than biased.
    if (rii.has_value()) {
      simulation.rii[r] = *rii;
    } else {
      simulation.rii_defined = false;
    }
  }
  return simulation;
}

}  // namespace

absl::StatusOr<double> StandardErrorFrom95Limits(ValueScale scale,
                                                 double lower95,
                                                 double upper95) {
  if (!InDomain(scale, lower95) || !InDomain(scale, upper95)) {
    return absl::InvalidArgumentError(
        absl::StrCat("95% limits ", lower95, "..", upper95,
                     " are outside the domain of their value scale"));
  }
  if (lower95 > upper95) {
    return absl::InvalidArgumentError(absl::StrCat(
        "95% lower limit ", lower95, " is above the upper ", upper95));
  }
  // phe_sii: se = (upper - lower) / qnorm(0.975) / 2 on the transformed
  // scale.
  const double z = -internal::NormalQuantileUnchecked(0.025);
  return (ToScale(scale, upper95) - ToScale(scale, lower95)) / z / 2.0;
}

absl::StatusOr<InequalityResult> SlopeAndRelativeIndex(
    std::span<const QuantileValue> quantiles,
    const InequalityOptions& options) {
  EQ_RETURN_IF_ERROR(ValidateOptions(options));
  EQ_RETURN_IF_ERROR(ValidateQuantiles(quantiles, options.scale));
  EQ_ASSIGN_OR_RETURN(const OrderPositions positions, PositionsOf(options));
  EQ_ASSIGN_OR_RETURN(const LineWeights weights, FitWeights(quantiles));
  double intercept = 0.0;
  double slope = 0.0;
  for (size_t i = 0; i < quantiles.size(); ++i) {
    intercept += weights.intercept[i] * quantiles[i].value;
    slope += weights.slope[i] * quantiles[i].value;
  }
  InequalityResult result;
  result.sii.value = options.multiplier * slope;
  const std::optional<double> rii =
      RelativeIndex(intercept, slope, options.multiplier);

  Simulation simulation =
      Simulate(quantiles, weights, options, /*with_rii=*/rii.has_value());
  result.sii.interval = OrderStatistics(simulation.sii, positions);
  if (simulation.rii_defined) {
    result.rii = InequalityIndex{
        .value = *rii, .interval = OrderStatistics(simulation.rii, positions)};
  }
  return result;
}

}  // namespace equilink::framework::stats
