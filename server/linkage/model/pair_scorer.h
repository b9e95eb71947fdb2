#ifndef EQUILINK_SERVER_LINKAGE_MODEL_PAIR_SCORER_H_
#define EQUILINK_SERVER_LINKAGE_MODEL_PAIR_SCORER_H_

// Scores candidate pairs of a FeatureTable with a Fellegi-Sunter model: the
// comparison vector (a few Dice coefficients and equality tests), the log2
// Bayes factor (a sum of precomputed per-level weights plus term-frequency
// adjustments) and the posterior match probability. No allocation, no
// virtual calls: the engine scores millions of pairs with it.

#include <array>
#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "server/linkage/model/comparison.h"
#include "server/linkage/model/fellegi_sunter.h"
#include "server/linkage/model/term_frequencies.h"
#include "server/linkage/record_features.h"

namespace equilink::linkage {

struct PairScore {
  ComparisonVector vector;
  double log2_bayes_factor;  // including term-frequency adjustments
  double probability;        // posterior with the pair's prior
};

class PairScorer {
 public:
  // Keeps references to `table` and `term_frequencies` (nullable: no
  // adjustment), which must outlive the scorer; copies what it needs of
  // `model`. Cheap (a few hundred logarithms). Const methods are thread-safe
  // while nobody adds to the table or the frequencies.
  PairScorer(const FeatureTable& table, const FellegiSunterModel& model,
             const TermFrequencies* term_frequencies);

  ComparisonVector Compare(Row a, Row b) const;
  double Log2BayesFactor(Row a, Row b) const;
  double MatchProbability(Row a, Row b) const;
  PairScore Score(Row a, Row b) const;

  // Without term-frequency adjustment: for patterns, reports and tests.
  double Log2BayesFactor(const ComparisonVector& vector) const;
  // The term-frequency part of Log2BayesFactor(a, b) for `vector` =
  // Compare(a, b).
  double TermFrequencyAdjustment(Row a, Row b,
                                 const ComparisonVector& vector) const;
  // With the model's lambda: for patterns, where the sources are not known.
  double ProbabilityFromLog2BayesFactor(double log2_bayes_factor) const;
  // With the prior of the pair's sources (FellegiSunterModel::
  // source_pair_priors), else lambda.
  double PriorLog2Odds(Row a, Row b) const {
    if (source_pair_prior_.empty()) return prior_log2_odds_;
    return PairPriorLog2Odds(table_.source(a), table_.source(b));
  }
  double ProbabilityFromLog2BayesFactor(Row a, Row b,
                                        double log2_bayes_factor) const;
  // The model's decision rule: posterior >= match_threshold.
  bool IsMatch(double probability) const {
    return probability >= match_threshold_;
  }
  double match_threshold() const { return match_threshold_; }
  // The Bayes factor at which the posterior equals match_threshold.
  double Log2BayesFactorThreshold() const;

 private:
  struct Levels {
    bool enabled;
    bool term_frequency;
    int8_t swapped_level;  // forename only; else -1
    int8_t else_level;
    int8_t threshold_count;
    std::array<float, kMaxLevels> thresholds;
  };

  int8_t DiceLevel(ComparisonId id, EncodedField field, Row a, Row b) const;
  double PairPriorLog2Odds(uint32_t source_a, uint32_t source_b) const;

  const FeatureTable& table_;
  const TermFrequencies* term_frequencies_;
  std::array<Levels, kComparisonCount> levels_;
  std::array<std::array<double, kMaxLevels>, kComparisonCount> weights_;
  double prior_log2_odds_;
  // (smaller source id << 32 | larger) -> log2 prior odds, for the model's
  // source pairs whose sources the table holds when the scorer is made.
  absl::flat_hash_map<uint64_t, double> source_pair_prior_;
  double match_threshold_;
  double floor_;
};

}  // namespace equilink::linkage

#endif  // EQUILINK_SERVER_LINKAGE_MODEL_PAIR_SCORER_H_
