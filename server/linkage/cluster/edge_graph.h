#ifndef EQUILINK_SERVER_LINKAGE_CLUSTER_EDGE_GRAPH_H_
#define EQUILINK_SERVER_LINKAGE_CLUSTER_EDGE_GRAPH_H_

// The links kept between linkage runs, so that new records re-cluster only
// the connected components they touch.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "server/linkage/cluster/cluster_component.h"
#include "server/linkage/cluster/scored_edge.h"
#include "server/linkage/record_features.h"

namespace equilink::linkage {

// The edges at or above a link threshold, as adjacency lists. One edge is
// kept per pair of rows: the strongest (StrongerEdge) of those added, so the
// graph is the same whatever order or batches edges arrive in. Most records
// link to one or two others, so a row's list is stored inline up to one
// neighbour and a row with no edge costs nothing.
//
// Not thread-safe; const methods may run concurrently with each other.
class EdgeGraph {
 public:
  explicit EdgeGraph(double link_threshold);

  EdgeGraph(const EdgeGraph&) = delete;
  EdgeGraph& operator=(const EdgeGraph&) = delete;
  EdgeGraph(EdgeGraph&&) = default;
  EdgeGraph& operator=(EdgeGraph&&) = default;

  // Adds the edges at or above the threshold (self edges are ignored). An
  // edge for a pair already present replaces it only if it is stronger.
  void AddEdges(std::span<const ScoredEdge> edges);

  // Drops every edge of `row` (a withdrawn or superseded record) and returns
  // its former neighbours, sorted: their component may have split, so the
  // caller re-clusters around them and `row`.
  std::vector<Row> RemoveRow(Row row);

  // Every row reachable from `seeds` (the seeds included, even those with no
  // edge), sorted.
  std::vector<Row> ComponentOf(std::span<const Row> seeds) const;

  // The edges with both endpoints in `rows`, canonical (a < b) and sorted by
  // (a, b). REQUIRES: `rows` holds no duplicates.
  std::vector<ScoredEdge> EdgesWithin(std::span<const Row> rows) const;

  double link_threshold() const { return link_threshold_; }
  size_t edge_count() const { return edge_count_; }
  // Rows with at least one edge.
  size_t linked_row_count() const { return adjacency_.size(); }

 private:
  struct Neighbour {
    Row row;
    float probability;
    uint8_t stage;
  };
  using NeighbourList = absl::InlinedVector<Neighbour, 1>;

  void AddHalfEdge(Row from, const ScoredEdge& canonical);

  double link_threshold_;
  size_t edge_count_ = 0;
  absl::flat_hash_map<Row, NeighbourList> adjacency_;
};

// Re-clusters the connected components of `touched` rows in `graph` and
// writes their labels into `labels` (indexed by row; grown with each row its
// own label if too short). Returns the rows re-clustered, sorted: the rows
// whose person ids may need reassigning. Because clustering a component
// depends only on its edges, calling this after each batch of new edges
// leaves `labels` as clustering all edges at once would.
std::vector<Row> ReclusterAround(const EdgeGraph& graph,
                                 std::span<const Row> touched,
                                 const ClusterGuards& guards,
                                 std::vector<Row>* labels);

}  // namespace equilink::linkage

#endif  // EQUILINK_SERVER_LINKAGE_CLUSTER_EDGE_GRAPH_H_
