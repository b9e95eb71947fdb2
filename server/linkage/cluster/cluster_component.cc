#include "server/linkage/cluster/cluster_component.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "common/status/check.h"

namespace equilink::linkage {
namespace {

uint64_t PairKey(Row a, Row b) {
  return (static_cast<uint64_t>(std::min(a, b)) << 32) | std::max(a, b);
}

// Union-find over the positions of `rows`, with each cluster's members kept
// as a circular linked list (so merging is O(1) and enumerating a cluster is
// O(size)) and the one-record-per-person sources it already holds as a bit
// mask.
class GreedyClusterer {
 public:
  GreedyClusterer(std::span<const Row> rows, std::span<const ScoredEdge> edges,
                  const ClusterGuards& guards)
      : rows_(rows),
        edges_(edges),
        guards_(guards),
        min_average_(
            guards.min_average_probability.value_or(guards.link_threshold)),
        parent_(rows.size()),
        next_(rows.size()),
        size_(rows.size(), 1),
        source_mask_(rows.size(), 0) {
    local_.reserve(rows.size());
    for (uint32_t i = 0; i < rows.size(); ++i) {
      local_.emplace(rows[i], i);
      parent_[i] = i;
      next_[i] = i;
    }
    const auto& sources = guards.one_record_per_person_sources;
    // One bit per source; the known use is one register or two files.
    EQ_CHECK(sources.size() <= 64);
    if (!sources.empty()) {
      EQ_CHECK(guards.source_of != nullptr);
      for (uint32_t i = 0; i < rows.size(); ++i) {
        const uint32_t source = guards.source_of(rows[i]);
        for (size_t s = 0; s < sources.size(); ++s) {
          if (sources[s] == source) source_mask_[i] |= uint64_t{1} << s;
        }
      }
    }
  }

  std::vector<Row> Run() {
    for (const ScoredEdge& edge : SortedLinkEdges()) {
      const uint32_t ra = Find(local_.at(edge.a));
      const uint32_t rb = Find(local_.at(edge.b));
      if (ra == rb || !MayMerge(ra, rb)) continue;
      Merge(ra, rb);
    }
    return Labels();
  }

 private:
  // Canonical edges at or above the threshold between two rows of the
  // component, strongest first.
  std::vector<ScoredEdge> SortedLinkEdges() const {
    std::vector<ScoredEdge> sorted;
    sorted.reserve(edges_.size());
    for (const ScoredEdge& edge : edges_) {
      if (edge.a == edge.b || edge.probability < guards_.link_threshold) {
        continue;
      }
      if (!local_.contains(edge.a) || !local_.contains(edge.b)) continue;
      sorted.push_back(Canonical(edge));
    }
    std::sort(sorted.begin(), sorted.end(), StrongerEdge);
    // Only the strongest edge of a pair counts, as in EdgeGraph: a weaker
    // duplicate taken later could otherwise pass the average-linkage guard
    // once the clusters have grown, and the result would depend on whether
    // the caller kept duplicates.
    absl::flat_hash_set<uint64_t> seen;
    seen.reserve(sorted.size());
    sorted.erase(
        std::remove_if(sorted.begin(), sorted.end(),
                       [&](const ScoredEdge& edge) {
                         return !seen.insert(PairKey(edge.a, edge.b)).second;
                       }),
        sorted.end());
    return sorted;
  }

  uint32_t Find(uint32_t i) {
    while (parent_[i] != i) {
      parent_[i] = parent_[parent_[i]];
      i = parent_[i];
    }
    return i;
  }

  bool MayMerge(uint32_t ra, uint32_t rb) {
    if (guards_.max_cluster_size != 0 &&
        size_[ra] + size_[rb] > guards_.max_cluster_size) {
      return false;
    }
    if ((source_mask_[ra] & source_mask_[rb]) != 0) return false;
    if (guards_.cannot_link != nullptr && AnyCannotLink(ra, rb)) return false;
    if (size_[ra] + size_[rb] >= 3 &&
        AverageCrossProbability(ra, rb) < min_average_) {
      return false;
    }
    return true;
  }

  bool AnyCannotLink(uint32_t ra, uint32_t rb) const {
    bool refused = false;
    ForEachCrossPair(ra, rb, [&](Row a, Row b) {
      if (!refused && guards_.cannot_link(a, b)) refused = true;
    });
    return refused;
  }

  double AverageCrossProbability(uint32_t ra, uint32_t rb) {
    double sum = 0;
    ForEachCrossPair(ra, rb,
                     [&](Row a, Row b) { sum += PairProbability(a, b); });
    return sum / (static_cast<double>(size_[ra]) * size_[rb]);
  }

  double PairProbability(Row a, Row b) {
    if (guards_.pair_probability != nullptr) {
      return guards_.pair_probability(a, b);
    }
    if (edge_probability_.empty()) {
      for (const ScoredEdge& edge : edges_) {
        if (edge.a == edge.b) continue;
        float& known = edge_probability_[PairKey(edge.a, edge.b)];
        known = std::max(known, edge.probability);
      }
    }
    const auto it = edge_probability_.find(PairKey(a, b));
    return it == edge_probability_.end() ? 0.0 : it->second;
  }

  // Calls fn(a, b) with a < b for every pair of rows across the two clusters.
  template <typename Fn>
  void ForEachCrossPair(uint32_t ra, uint32_t rb, Fn fn) const {
    uint32_t i = ra;
    do {
      uint32_t j = rb;
      do {
        fn(std::min(rows_[i], rows_[j]), std::max(rows_[i], rows_[j]));
        j = next_[j];
      } while (j != rb);
      i = next_[i];
    } while (i != ra);
  }

  // Union by size; on equal sizes the edge's first endpoint keeps the root,
  // a choice that depends only on the edge, never on the order of `rows`.
  void Merge(uint32_t ra, uint32_t rb) {
    if (size_[rb] > size_[ra]) std::swap(ra, rb);
    parent_[rb] = ra;
    size_[ra] += size_[rb];
    source_mask_[ra] |= source_mask_[rb];
    std::swap(next_[ra], next_[rb]);  // splices the two member rings
  }

  std::vector<Row> Labels() {
    std::vector<Row> smallest(rows_.size());
    for (uint32_t i = 0; i < rows_.size(); ++i) smallest[i] = rows_[i];
    for (uint32_t i = 0; i < rows_.size(); ++i) {
      const uint32_t root = Find(i);
      smallest[root] = std::min(smallest[root], rows_[i]);
    }
    std::vector<Row> labels(rows_.size());
    for (uint32_t i = 0; i < rows_.size(); ++i) labels[i] = smallest[Find(i)];
    return labels;
  }

  const std::span<const Row> rows_;
  const std::span<const ScoredEdge> edges_;
  const ClusterGuards& guards_;
  const double min_average_;
  absl::flat_hash_map<Row, uint32_t> local_;
  std::vector<uint32_t> parent_;
  std::vector<uint32_t> next_;
  std::vector<uint32_t> size_;
  std::vector<uint64_t> source_mask_;
  // Built on first use when the caller gives no pair_probability.
  absl::flat_hash_map<uint64_t, float> edge_probability_;
};

}  // namespace

std::vector<Row> ClusterComponent(std::span<const Row> rows,
                                  std::span<const ScoredEdge> edges,
                                  const ClusterGuards& guards) {
  return GreedyClusterer(rows, edges, guards).Run();
}

}  // namespace equilink::linkage
