// Expectation-maximisation for the Fellegi-Sunter model over aggregated
// comparison patterns.

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "server/linkage/model/fellegi_sunter.h"

namespace equilink::linkage {
namespace {

// Four bits per comparison (level + 1, so null is 0): 44 bits in all.
constexpr int kBitsPerLevel = 4;
static_assert(kMaxLevels + 1 <= (1 << kBitsPerLevel));
static_assert(kComparisonCount * kBitsPerLevel <= 64);

uint64_t Pack(const ComparisonVector& v) {
  uint64_t key = 0;
  for (int i = kComparisonCount - 1; i >= 0; --i) {
    key = (key << kBitsPerLevel) | static_cast<uint64_t>(v.level[i] + 1);
  }
  return key;
}

ComparisonVector Unpack(uint64_t key) {
  ComparisonVector v;
  for (int i = 0; i < kComparisonCount; ++i) {
    v.level[i] = static_cast<int8_t>(
        static_cast<int>(key & ((1u << kBitsPerLevel) - 1)) - 1);
    key >>= kBitsPerLevel;
  }
  return v;
}

// Raises every probability to at least `floor` and renormalises, so that no
// level is ever proof (weight +-infinity) of match or non-match.
void ApplyFloor(double floor, std::vector<double>* p) {
  double sum = 0;
  for (double& v : *p) {
    v = std::max(v, floor);
    sum += v;
  }
  for (double& v : *p) v /= sum;
}

struct Pattern {
  std::array<int8_t, kComparisonCount> level;
  double count;
};

absl::Status CheckLevels(const ComparisonVector& v,
                         const FellegiSunterModel& model) {
  for (int c = 0; c < kComparisonCount; ++c) {
    const int level = v.level[c];
    if (level < kNullLevel || level >= model.comparisons[c].level_count()) {
      return absl::InvalidArgumentError(
          absl::StrCat("comparison vector has level ", level, " for ",
                       ComparisonName(ComparisonAt(c))));
    }
  }
  return absl::OkStatus();
}

// Level frequencies of comparison `c` over the whole sample: the starting u.
std::vector<double> SampleFrequencies(const std::vector<Pattern>& patterns,
                                      int c, int levels) {
  std::vector<double> freq(levels, 0.0);
  for (const Pattern& p : patterns) {
    if (p.level[c] != kNullLevel) freq[p.level[c]] += p.count;
  }
  double sum = 0;
  for (double v : freq) sum += v;
  if (sum == 0) return {};
  for (double& v : freq) v /= sum;
  return freq;
}

}  // namespace

void ComparisonPatterns::Add(const ComparisonVector& vector, uint64_t count) {
  counts_[Pack(vector)] += count;
  pair_count_ += count;
}

void ComparisonPatterns::Merge(const ComparisonPatterns& other) {
  for (const auto& [key, count] : other.counts_) counts_[key] += count;
  pair_count_ += other.pair_count_;
}

std::vector<std::pair<ComparisonVector, uint64_t>> ComparisonPatterns::Sorted()
    const {
  std::vector<std::pair<uint64_t, uint64_t>> keyed(counts_.begin(),
                                                   counts_.end());
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::pair<ComparisonVector, uint64_t>> sorted;
  sorted.reserve(keyed.size());
  for (const auto& [key, count] : keyed) {
    sorted.emplace_back(Unpack(key), count);
  }
  return sorted;
}

absl::StatusOr<FellegiSunterModel> EstimateByEm(
    const std::vector<ComparisonVector>& sample,
    const FellegiSunterModel& start, const EmOptions& options) {
  ComparisonPatterns patterns;
  const uint64_t n = sample.size();
  const uint64_t cap = std::max<uint64_t>(options.max_pairs, 1);
  if (n <= cap) {
    for (const ComparisonVector& v : sample) patterns.Add(v);
  } else {
    // Evenly spaced: pair k*n/cap for k < cap. Deterministic, and it keeps
    // the order-dependent structure (e.g. batches) proportionally.
    for (uint64_t k = 0; k < cap; ++k) {
      const double step = static_cast<double>(n) / static_cast<double>(cap);
      patterns.Add(sample[static_cast<size_t>(static_cast<double>(k) * step)]);
    }
  }
  return EstimateByEm(patterns, start, options);
}

absl::StatusOr<FellegiSunterModel> EstimateByEm(
    const ComparisonPatterns& sample, const FellegiSunterModel& start,
    const EmOptions& options) {
  EQ_RETURN_IF_ERROR(start.Validate());
  if (sample.pair_count() == 0) {
    return absl::FailedPreconditionError(
        "EM needs at least one candidate pair");
  }
  std::vector<Pattern> patterns;
  for (const auto& [vector, count] : sample.Sorted()) {
    EQ_RETURN_IF_ERROR(CheckLevels(vector, start));
    patterns.push_back({vector.level, static_cast<double>(count)});
  }
  const double total = static_cast<double>(sample.pair_count());

  FellegiSunterModel model = start;
  const double floor = model.probability_floor;
  if (!model.lambda_fixed) {
    model.lambda = std::clamp(model.lambda, 1e-4, 0.5);
  }
  for (int c = 0; c < kComparisonCount; ++c) {
    ComparisonParameters& p = model.comparisons[c];
    if (!p.u_fixed && options.u_start_from_sample) {
      std::vector<double> freq =
          SampleFrequencies(patterns, c, p.level_count());
      if (!freq.empty()) p.u = std::move(freq);
    }
    if (!p.u_fixed) ApplyFloor(floor, &p.u);
    if (!p.m_fixed) ApplyFloor(floor, &p.m);
  }

  std::array<std::array<double, kMaxLevels>, kComparisonCount> log_m;
  std::array<std::array<double, kMaxLevels>, kComparisonCount> log_u;
  std::vector<double> posterior(patterns.size());
  std::array<std::array<double, kMaxLevels>, kComparisonCount> m_sum;
  std::array<std::array<double, kMaxLevels>, kComparisonCount> u_sum;

  EmDiagnostics diagnostics;
  diagnostics.pairs_used = sample.pair_count();
  diagnostics.distinct_patterns = patterns.size();
  for (int iteration = 1; iteration <= options.max_iterations; ++iteration) {
    // E step: the posterior match probability of each pattern.
    for (int c = 0; c < kComparisonCount; ++c) {
      const ComparisonParameters& p = model.comparisons[c];
      for (int l = 0; l < p.level_count(); ++l) {
        log_m[c][l] = std::log(p.m[l]);
        log_u[c][l] = std::log(p.u[l]);
      }
    }
    const double log_lambda = std::log(model.lambda);
    const double log_not_lambda = std::log1p(-model.lambda);
    double log_likelihood = 0;
    double match_mass = 0;
    for (auto& row : m_sum) row.fill(0);
    for (auto& row : u_sum) row.fill(0);
    for (size_t i = 0; i < patterns.size(); ++i) {
      const Pattern& pattern = patterns[i];
      double lm = log_lambda;
      double lu = log_not_lambda;
      for (int c = 0; c < kComparisonCount; ++c) {
        const int level = pattern.level[c];
        if (level == kNullLevel || !model.comparisons[c].enabled) continue;
        lm += log_m[c][level];
        lu += log_u[c][level];
      }
      const double high = std::max(lm, lu);
      log_likelihood +=
          pattern.count *
          (high + std::log(std::exp(lm - high) + std::exp(lu - high)));
      const double post = 1 / (1 + std::exp(lu - lm));
      posterior[i] = post;
      match_mass += pattern.count * post;
      // M step sums, accumulated in the same pass.
      for (int c = 0; c < kComparisonCount; ++c) {
        const int level = pattern.level[c];
        if (level == kNullLevel) continue;
        m_sum[c][level] += pattern.count * post;
        u_sum[c][level] += pattern.count * (1 - post);
      }
    }
    // M step.
    double change = 0;
    for (int c = 0; c < kComparisonCount; ++c) {
      ComparisonParameters& p = model.comparisons[c];
      if (!p.enabled) continue;
      const int levels = p.level_count();
      auto update = [&](bool fixed, const std::array<double, kMaxLevels>& sums,
                        std::vector<double>* probabilities) {
        if (fixed) return;
        double sum = 0;
        for (int l = 0; l < levels; ++l) sum += sums[l];
        if (sum <= 0) return;  // never observed: keep the starting values
        std::vector<double> next(sums.begin(), sums.begin() + levels);
        for (double& v : next) v /= sum;
        ApplyFloor(floor, &next);
        for (int l = 0; l < levels; ++l) {
          change = std::max(change, std::abs(next[l] - (*probabilities)[l]));
        }
        *probabilities = std::move(next);
      };
      update(p.m_fixed, m_sum[c], &p.m);
      update(p.u_fixed, u_sum[c], &p.u);
    }
    if (!model.lambda_fixed) {
      const double next = std::clamp(match_mass / total, floor, 1 - floor);
      change = std::max(change, std::abs(next - model.lambda));
      model.lambda = next;
    }
    diagnostics.iterations = iteration;
    diagnostics.final_change = change;
    diagnostics.log_likelihood = log_likelihood;
    if (change < options.tolerance) {
      diagnostics.converged = true;
      break;
    }
  }
  model.em = diagnostics;

  // EM has a mirror solution in which the "match" class is simply the larger
  // cluster of agreeing pairs (households, twins) or the disagreeing pairs.
  // The starting values make it unlikely; refuse it rather than link with it.
  // Only comparisons the sample holds count: the others keep their
  // starting values, which agree by construction and would hide a flip.
  double exact_evidence = 0;
  for (int c = 0; c < kComparisonCount; ++c) {
    const ComparisonParameters& p = model.comparisons[c];
    const bool observed =
        std::any_of(patterns.begin(), patterns.end(),
                    [c](const Pattern& x) { return x.level[c] != kNullLevel; });
    if (p.enabled && observed) exact_evidence += p.m[0] - p.u[0];
  }
  if (exact_evidence <= 0) {
    return absl::FailedPreconditionError(
        "EM converged to a solution in which matches agree less than "
        "non-matches; fix some m or u probabilities in the settings");
  }
  return model;
}

}  // namespace equilink::linkage
