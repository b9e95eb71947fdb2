#ifndef EQUILINK_SERVER_LINKAGE_CLUSTER_SCORED_EDGE_H_
#define EQUILINK_SERVER_LINKAGE_CLUSTER_SCORED_EDGE_H_

// A scored candidate pair: what the scoring stages hand to clustering.

#include <algorithm>
#include <cstdint>
#include <tuple>

#include "server/linkage/record_features.h"

namespace equilink::linkage {

// Which stage produced an edge. Lower stages win ties in probability, so an
// NHS-token link is taken before a match-key link of equal weight.
inline constexpr uint8_t kStageProbabilistic = 0;
inline constexpr uint8_t kStageNhsToken = 1;
// Match-key cascade level `kind` (1..4) is stage 1 + kind (2..5).
inline constexpr uint8_t MatchKeyStage(int kind) {
  return static_cast<uint8_t>(1 + kind);
}

struct ScoredEdge {
  Row a;
  Row b;
  float probability;  // posterior match probability, 0..1
  uint8_t stage;      // kStageProbabilistic, kStageNhsToken or MatchKeyStage
};

// The edge with its endpoints ordered (a < b), so that (a,b) and (b,a) are
// the same edge everywhere.
inline ScoredEdge Canonical(const ScoredEdge& edge) {
  return ScoredEdge{.a = std::min(edge.a, edge.b),
                    .b = std::max(edge.a, edge.b),
                    .probability = edge.probability,
                    .stage = edge.stage};
}

// The order clustering takes edges in: strongest first, then by stage, then
// by endpoints. It is a total order on distinct canonical edges, which is
// what makes clustering independent of the order edges arrive in.
inline bool StrongerEdge(const ScoredEdge& x, const ScoredEdge& y) {
  return std::make_tuple(-x.probability, x.stage, x.a, x.b) <
         std::make_tuple(-y.probability, y.stage, y.a, y.b);
}

}  // namespace equilink::linkage

#endif  // EQUILINK_SERVER_LINKAGE_CLUSTER_SCORED_EDGE_H_
