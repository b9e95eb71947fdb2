#ifndef EQUILINK_SERVER_LINKAGE_EVALUATION_THRESHOLD_SWEEP_H_
#define EQUILINK_SERVER_LINKAGE_EVALUATION_THRESHOLD_SWEEP_H_

// How sensitive linkage quality is to the link threshold: a model whose F1
// collapses a little way from its chosen threshold is tuned to the test data
// rather than robust (the febrl3_f1_window_min figure).

#include <cstdint>
#include <span>
#include <vector>

#include "absl/functional/function_ref.h"
#include "server/linkage/cluster/cluster_component.h"
#include "server/linkage/cluster/scored_edge.h"
#include "server/linkage/evaluation/pairwise_metrics.h"
#include "server/linkage/record_features.h"

namespace equilink::linkage {

struct ThresholdPoint {
  double threshold;
  PairwiseMetrics metrics;
};

// center + i * step for i = -k..k, k = round(half_width / step), ascending
// (computed from i, so no rounding drift). REQUIRES: step > 0.
std::vector<double> ThresholdWindow(double center, double half_width = 0.03,
                                    double step = 0.01);

// Metrics at each threshold of the labels `labels_at(threshold)` returns
// (e.g. LinkageEngine::ClusterLabels) against `truth`; `sources` as in
// EvaluatePairwise.
std::vector<ThresholdPoint> SweepThresholds(
    std::span<const double> thresholds,
    absl::FunctionRef<std::vector<uint32_t>(double threshold)> labels_at,
    std::span<const uint32_t> truth, std::span<const uint32_t> sources = {});

// The same with ClusterComponent(rows, edges, guards) as the clustering,
// guards.link_threshold set to each threshold (min_average_probability
// follows it unless set). truth[i] and sources[i] belong to rows[i].
std::vector<ThresholdPoint> SweepClusterThresholds(
    std::span<const Row> rows, std::span<const ScoredEdge> edges,
    const ClusterGuards& guards, std::span<const double> thresholds,
    std::span<const uint32_t> truth, std::span<const uint32_t> sources = {});

// The smallest F1 among `points`; 0 when there are none.
double MinF1(std::span<const ThresholdPoint> points);

}  // namespace equilink::linkage

#endif  // EQUILINK_SERVER_LINKAGE_EVALUATION_THRESHOLD_SWEEP_H_
