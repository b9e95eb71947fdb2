#include "server/linkage/cluster/edge_graph.h"

#include <algorithm>
#include <deque>
#include <vector>

#include "absl/container/flat_hash_set.h"

namespace equilink::linkage {

EdgeGraph::EdgeGraph(double link_threshold) : link_threshold_(link_threshold) {}

void EdgeGraph::AddEdges(std::span<const ScoredEdge> edges) {
  for (const ScoredEdge& edge : edges) {
    if (edge.a == edge.b || edge.probability < link_threshold_) continue;
    const ScoredEdge canonical = Canonical(edge);
    NeighbourList& from_a = adjacency_[canonical.a];
    auto it =
        std::find_if(from_a.begin(), from_a.end(),
                     [&](const Neighbour& n) { return n.row == canonical.b; });
    if (it == from_a.end()) {
      from_a.push_back(Neighbour{.row = canonical.b,
                                 .probability = canonical.probability,
                                 .stage = canonical.stage});
      adjacency_[canonical.b].push_back(
          Neighbour{.row = canonical.a,
                    .probability = canonical.probability,
                    .stage = canonical.stage});
      ++edge_count_;
      continue;
    }
    const ScoredEdge present{.a = canonical.a,
                             .b = canonical.b,
                             .probability = it->probability,
                             .stage = it->stage};
    if (!StrongerEdge(canonical, present)) continue;
    it->probability = canonical.probability;
    it->stage = canonical.stage;
    for (Neighbour& back : adjacency_[canonical.b]) {
      if (back.row == canonical.a) {
        back.probability = canonical.probability;
        back.stage = canonical.stage;
      }
    }
  }
}

std::vector<Row> EdgeGraph::RemoveRow(Row row) {
  std::vector<Row> neighbours;
  const auto it = adjacency_.find(row);
  if (it == adjacency_.end()) return neighbours;
  for (const Neighbour& n : it->second) neighbours.push_back(n.row);
  adjacency_.erase(it);
  for (Row other : neighbours) {
    auto other_it = adjacency_.find(other);
    NeighbourList& list = other_it->second;
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const Neighbour& n) { return n.row == row; }),
               list.end());
    if (list.empty()) adjacency_.erase(other_it);
  }
  edge_count_ -= neighbours.size();
  std::sort(neighbours.begin(), neighbours.end());
  return neighbours;
}

std::vector<Row> EdgeGraph::ComponentOf(std::span<const Row> seeds) const {
  absl::flat_hash_set<Row> seen;
  std::vector<Row> component;
  std::deque<Row> frontier;
  for (Row seed : seeds) {
    if (seen.insert(seed).second) frontier.push_back(seed);
  }
  while (!frontier.empty()) {
    const Row row = frontier.front();
    frontier.pop_front();
    component.push_back(row);
    const auto it = adjacency_.find(row);
    if (it == adjacency_.end()) continue;
    for (const Neighbour& n : it->second) {
      if (seen.insert(n.row).second) frontier.push_back(n.row);
    }
  }
  std::sort(component.begin(), component.end());
  return component;
}

std::vector<ScoredEdge> EdgeGraph::EdgesWithin(
    std::span<const Row> rows) const {
  const absl::flat_hash_set<Row> inside(rows.begin(), rows.end());
  std::vector<ScoredEdge> edges;
  for (Row row : rows) {
    const auto it = adjacency_.find(row);
    if (it == adjacency_.end()) continue;
    for (const Neighbour& n : it->second) {
      if (row < n.row && inside.contains(n.row)) {
        edges.push_back(ScoredEdge{.a = row,
                                   .b = n.row,
                                   .probability = n.probability,
                                   .stage = n.stage});
      }
    }
  }
  std::sort(edges.begin(), edges.end(),
            [](const ScoredEdge& x, const ScoredEdge& y) {
              return x.a != y.a ? x.a < y.a : x.b < y.b;
            });
  return edges;
}

std::vector<Row> ReclusterAround(const EdgeGraph& graph,
                                 std::span<const Row> touched,
                                 const ClusterGuards& guards,
                                 std::vector<Row>* labels) {
  const std::vector<Row> rows = graph.ComponentOf(touched);
  if (rows.empty()) return rows;
  const std::vector<ScoredEdge> edges = graph.EdgesWithin(rows);
  const std::vector<Row> new_labels = ClusterComponent(rows, edges, guards);
  const Row last = rows.back();
  while (labels->size() <= last) {
    labels->push_back(static_cast<Row>(labels->size()));
  }
  for (size_t i = 0; i < rows.size(); ++i) (*labels)[rows[i]] = new_labels[i];
  return rows;
}

}  // namespace equilink::linkage
