#ifndef EQUILINK_SERVER_LINKAGE_MODEL_FELLEGI_SUNTER_H_
#define EQUILINK_SERVER_LINKAGE_MODEL_FELLEGI_SUNTER_H_

// The Fellegi-Sunter model of the probabilistic linkage stage: for each field
// comparison, m (probability of each level when the two records are one
// person) and u (the same among candidate pairs of two people); lambda, the
// prior proportion of matches among candidate pairs; and the decision
// threshold on the posterior. Parameters are estimated without labels by EM
// over the comparison vectors of the candidate pairs (as Splink does), except
// those the operator fixes in the configuration.

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "equilink/v1/linkage.pb.h"
#include "server/linkage/model/comparison.h"

namespace equilink::linkage {

struct ComparisonParameters {
  ComparisonId id = ComparisonId::kNhsNumber;
  bool enabled = true;
  std::vector<double> dice_thresholds;  // descending; Dice comparisons only
  std::vector<double> m;                // per level, strongest first; sums to 1
  std::vector<double> u;                // same length as m; sums to 1
  bool m_fixed = false;
  bool u_fixed = false;
  bool term_frequency_adjusted = false;

  int level_count() const { return static_cast<int>(m.size()); }
  // log2(m / u) of `level`: the evidence the level carries, in bits.
  double MatchWeight(int level) const;
};

struct EmDiagnostics {
  int iterations = 0;
  bool converged = false;
  uint64_t pairs_used = 0;
  uint64_t distinct_patterns = 0;
  double final_change = 0;
  double log_likelihood = 0;
  // Random linkable pairs u was measured on; 0 when u is EM's own.
  uint64_t random_pairs = 0;
};

// Between two sources that each hold a person at most once (two files linked
// one-to-one, or two population registers) a record has at most one partner
// on the other side, and when nearly every record has one, a pair that is a
// record's only plausible partner is far likelier than lambda says: the
// prior there is per record, not per pair (docs/LINKAGE.md, "One-to-one
// prior").
struct SourcePairPrior {
  std::string source_a;  // in name order
  std::string source_b;
  uint64_t records_a = 0;
  uint64_t records_b = 0;
  double matches = 0;  // estimated pairs between them that are one person
  double log2_prior_odds = 0;
};

// The prior odds of a pair between sources of `records_a` and `records_b`
// records, each holding a person at most once, with `matches` pairs
// estimated to be one person. From a record of A's side: it has a partner
// with probability p_A (rule of succession over the estimate, so never 0 or
// 1), any of B's records equally, so the odds for one pair are
// p_A / ((1 - p_A) records_b). The smaller of the two sides' odds is taken:
// a record with many partnerless records beside it gets little from it.
double OneToOnePriorLog2Odds(uint64_t records_a, uint64_t records_b,
                             double matches);

struct FellegiSunterModel {
  std::array<ComparisonParameters, kComparisonCount> comparisons;
  double lambda = 0.01;
  bool lambda_fixed = false;
  double match_threshold = 0.5;
  double probability_floor = 1e-6;
  EmDiagnostics em;
  // Sorted by (source_a, source_b); empty unless two one-record-per-person
  // sources were linked when the model was estimated.
  std::vector<SourcePairPrior> source_pair_priors;

  const ComparisonParameters& comparison(ComparisonId id) const {
    return comparisons[static_cast<int>(id)];
  }
  ComparisonParameters& comparison(ComparisonId id) {
    return comparisons[static_cast<int>(id)];
  }
  // log2(lambda / (1 - lambda)): the prior log-odds the Bayes factor adds to.
  double PriorLog2Odds() const;
  // Shapes and ranges: level counts match thresholds, probabilities in
  // [0, 1] summing to 1, lambda and threshold in (0, 1).
  absl::Status Validate() const;
};

struct EmOptions {
  int max_iterations = 200;
  // Stops when no m, u or lambda moves by more than this in one step.
  double tolerance = 1e-6;
  // EstimateByEm(vector) uses at most this many pairs (an evenly spaced
  // subset, so the result is deterministic).
  uint64_t max_pairs = 10'000'000;
  // Starts each estimated u from the level frequencies of the whole sample:
  // almost every candidate pair is a non-match, so that is close to u already.
  bool u_start_from_sample = true;
};

// The model with default levels and starting values, changed by `settings`
// (level thresholds, enabled comparisons, fixed m / u, floor, threshold,
// fixed lambda). InvalidArgument, naming the setting, when one is out of
// range.
absl::StatusOr<FellegiSunterModel> DefaultStartingModel(
    const v1::LinkageModelSettings& settings);
// The same with no settings; cannot fail.
FellegiSunterModel DefaultStartingModel();
EmOptions EmOptionsFromSettings(const v1::LinkageModelSettings& settings);
// Checks everything DefaultStartingModel checks, for configuration loading.
absl::Status ValidateModelSettings(const v1::LinkageModelSettings& settings);

// Identical comparison vectors with their counts: EM works on these, so its
// cost depends on the number of distinct patterns (hundreds to a few
// thousand), not on the number of pairs.
class ComparisonPatterns {
 public:
  void Add(const ComparisonVector& vector, uint64_t count = 1);
  void Merge(const ComparisonPatterns& other);
  uint64_t pair_count() const { return pair_count_; }
  size_t distinct() const { return counts_.size(); }
  // Sorted by vector, so that sums over patterns are done in one order and
  // EM is deterministic whatever order the pairs came in.
  std::vector<std::pair<ComparisonVector, uint64_t>> Sorted() const;

 private:
  absl::flat_hash_map<uint64_t, uint64_t> counts_;  // packed vector -> count
  uint64_t pair_count_ = 0;
};

// Unsupervised estimation of m, u and lambda from the comparison vectors of
// candidate pairs. Fixed parameters (per `start`) stay as they are; every
// estimated probability is at least start.probability_floor. Fails with
// InvalidArgument when `start` is invalid or a vector has a level outside its
// comparison, and FailedPrecondition when the sample is empty.
absl::StatusOr<FellegiSunterModel> EstimateByEm(
    const std::vector<ComparisonVector>& sample,
    const FellegiSunterModel& start, const EmOptions& options);
absl::StatusOr<FellegiSunterModel> EstimateByEm(
    const ComparisonPatterns& patterns, const FellegiSunterModel& start,
    const EmOptions& options);

v1::LinkageModel ModelToProto(const FellegiSunterModel& model);
absl::StatusOr<FellegiSunterModel> ModelFromProto(
    const v1::LinkageModel& proto);

}  // namespace equilink::linkage

#endif  // EQUILINK_SERVER_LINKAGE_MODEL_FELLEGI_SUNTER_H_
