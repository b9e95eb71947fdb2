#ifndef EQUILINK_SERVER_LINKAGE_EVALUATION_PAIRWISE_METRICS_H_
#define EQUILINK_SERVER_LINKAGE_EVALUATION_PAIRWISE_METRICS_H_

// Linkage quality against a known truth, as pairs: a pair of records is
// predicted linked when both have the same cluster label and truly linked
// when both have the same truth label. Labels are any uint32 values (cluster
// labels from ClusterComponent; truth ids interned by the caller); only
// equality matters. Pairs are counted from group sizes in O(n) hash-map work,
// never by enumerating pairs.

#include <cstdint>
#include <span>
#include <vector>

namespace equilink::linkage {

struct PairwiseMetrics {
  uint64_t true_positives = 0;   // pairs linked and truly linked
  uint64_t false_positives = 0;  // pairs linked but different people
  uint64_t false_negatives = 0;  // pairs of one person left unlinked
  // With nothing predicted, precision is 1; with nothing to find, recall is
  // 1 (neither can be wrong); F1 is 0 when both are 0.
  double precision = 1;
  double recall = 1;
  double f1 = 1;
};

// Metrics of `predicted` against `truth` (one label each per record). With
// `sources` given (one per record), only pairs of records from different
// sources count: the measure for linking two files (FEBRL4 4a with 4b),
// where pairs within one file are not a question the linkage answers.
// REQUIRES: the spans have equal lengths (sources may be empty).
PairwiseMetrics EvaluatePairwise(std::span<const uint32_t> predicted,
                                 std::span<const uint32_t> truth,
                                 std::span<const uint32_t> sources = {});

struct GroupRecall {
  uint32_t group = 0;
  uint64_t true_pairs = 0;   // true pairs with a record in the group
  uint64_t found_pairs = 0;  // of those, pairs also predicted linked
  double recall = 1;         // found / true; 1 when there are none
};

// Pairwise recall restricted to each group (IMD quintile, ethnic group, ...):
// a true pair counts for every group one of its two records belongs to.
// Differences between groups show whom the linkage misses. Sorted by group.
// Cost O(n * number of groups).
// REQUIRES: the spans have equal lengths (sources may be empty).
std::vector<GroupRecall> RecallByGroup(std::span<const uint32_t> predicted,
                                       std::span<const uint32_t> truth,
                                       std::span<const uint32_t> groups,
                                       std::span<const uint32_t> sources = {});

struct GroupMatchRate {
  uint32_t group = 0;
  uint64_t records = 0;           // records of the group outside the reference
  uint64_t with_counterpart = 0;  // of those, with a true record in it
  uint64_t linked = 0;            // of those, clustered with that record
  double match_rate = 1;          // linked / with_counterpart; 1 when none
};

// The match rate of each group: the fraction of records outside
// `reference_source` (e.g. a VCSE organisation's records against the ICS
// population register) that are clustered with their true counterpart in
// the reference. Records with no counterpart are counted but not in the
// rate, which measures linkage, not coverage. Sorted by group.
// REQUIRES: the spans have equal lengths.
std::vector<GroupMatchRate> MatchRateByGroup(
    std::span<const uint32_t> predicted, std::span<const uint32_t> truth,
    std::span<const uint32_t> sources, uint32_t reference_source,
    std::span<const uint32_t> groups);

}  // namespace equilink::linkage

#endif  // EQUILINK_SERVER_LINKAGE_EVALUATION_PAIRWISE_METRICS_H_
