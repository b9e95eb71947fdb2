#ifndef EQUILINK_SERVER_LINKAGE_CLUSTER_CLUSTER_COMPONENT_H_
#define EQUILINK_SERVER_LINKAGE_CLUSTER_CLUSTER_COMPONENT_H_

// Turns scored pairs into clusters of records (one cluster per person).
//
// The clustering is greedy agglomerative: edges are taken strongest first
// (see StrongerEdge) and each joins the two clusters of its endpoints unless
// a guard refuses. Greedy on a total order of edges makes the result a
// function of the edge set alone: it does not depend on the order edges are
// given in, and since clusters of different connected components never
// interact, clustering a whole component again after new edges arrive gives
// the same clusters as clustering everything at once.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "server/linkage/cluster/scored_edge.h"
#include "server/linkage/record_features.h"

namespace equilink::linkage {

struct ClusterGuards {
  // Edges with a lower probability are ignored.
  double link_threshold = 0.5;

  // Sources known to hold each person at most once (an ICS population
  // register; each FEBRL4 file): a cluster never holds two records of one of
  // these sources. With two such sources the clustering is a one-to-one
  // assignment. REQUIRES: source_of is set when this is not empty.
  std::vector<uint32_t> one_record_per_person_sources;
  std::function<uint32_t(Row)> source_of;

  // Pairs that are known to be different people (e.g. two different
  // Modulus 11-checked NHS numbers): no cluster holds both. Called with
  // a < b. Null = none.
  std::function<bool(Row a, Row b)> cannot_link;

  // Average-linkage guard against chaining: a merge that would make a
  // cluster of three or more records goes ahead only if the mean match
  // probability over all pairs across the two clusters is at least
  // min_average_probability (default: link_threshold). This stops a-b, b-c
  // from pulling c in with a when a and c clearly differ. pair_probability
  // (called with a < b) may score pairs that are not edges; when null, the
  // probabilities of the edges given are used and a pair with no edge counts
  // as 0.
  std::function<double(Row a, Row b)> pair_probability;
  std::optional<double> min_average_probability;

  // Largest cluster allowed; 0 = no cap.
  size_t max_cluster_size = 0;
};

// Clusters `rows` using `edges` (edges with an endpoint outside `rows`, self
// edges and edges below guards.link_threshold are ignored; an edge may be
// given in either direction and more than once, and only the strongest edge
// of a pair counts). Returns one label per entry
// of `rows`, in the same order: the smallest row of its cluster.
//
// One-to-one linkage of two one-record-per-person sources is this same
// greedy: taking edges strongest first and skipping any whose endpoints are
// already matched is exactly anonlink's greedy solver.
//
// Cost: O(E log E) for the sort plus, per merge attempt between clusters
// of sizes m and n, O(m n) guard callbacks (cannot_link, pair_probability);
// person clusters are small, so this stays cheap. The callbacks must be
// deterministic for the result to be.
// REQUIRES: `rows` holds no duplicates.
std::vector<Row> ClusterComponent(std::span<const Row> rows,
                                  std::span<const ScoredEdge> edges,
                                  const ClusterGuards& guards);

}  // namespace equilink::linkage

#endif  // EQUILINK_SERVER_LINKAGE_CLUSTER_CLUSTER_COMPONENT_H_
