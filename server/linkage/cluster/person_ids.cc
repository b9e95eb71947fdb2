#include "server/linkage/cluster/person_ids.h"

#include <algorithm>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "common/status/check.h"

namespace equilink::linkage {
namespace {

struct Candidate {
  uint32_t rows;  // rows of the cluster that had the id
  PersonId id;
  uint32_t cluster;  // index in label order
};

std::vector<PersonId> SortedUnique(std::vector<PersonId> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace

PersonIdAssignment AssignPersonIds(std::span<const Row> rows,
                                   std::span<const PersonId> previous_ids,
                                   std::span<const Row> labels,
                                   absl::FunctionRef<PersonId()> allocate_id) {
  EQ_CHECK(rows.size() == previous_ids.size() && rows.size() == labels.size());

  // Clusters numbered in label order, so that every tie below and the order
  // fresh ids are allocated in depend only on the clustering.
  std::vector<Row> sorted_labels(labels.begin(), labels.end());
  std::sort(sorted_labels.begin(), sorted_labels.end());
  sorted_labels.erase(std::unique(sorted_labels.begin(), sorted_labels.end()),
                      sorted_labels.end());
  absl::flat_hash_map<Row, uint32_t> cluster_of_label;
  for (uint32_t c = 0; c < sorted_labels.size(); ++c) {
    cluster_of_label[sorted_labels[c]] = c;
  }
  std::vector<uint32_t> cluster(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    cluster[i] = cluster_of_label.at(labels[i]);
  }

  absl::flat_hash_map<std::pair<uint32_t, PersonId>, uint32_t> overlap;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (previous_ids[i] != 0) ++overlap[{cluster[i], previous_ids[i]}];
  }
  std::vector<Candidate> candidates;
  candidates.reserve(overlap.size());
  for (const auto& [key, count] : overlap) {
    candidates.push_back(
        Candidate{.rows = count, .id = key.second, .cluster = key.first});
  }
  std::sort(
      candidates.begin(), candidates.end(),
      [](const Candidate& x, const Candidate& y) {
        return std::make_tuple(-static_cast<int64_t>(x.rows), x.id, x.cluster) <
               std::make_tuple(-static_cast<int64_t>(y.rows), y.id, y.cluster);
      });

  std::vector<PersonId> id_of_cluster(sorted_labels.size(), 0);
  absl::flat_hash_set<PersonId> taken;
  for (const Candidate& candidate : candidates) {
    if (id_of_cluster[candidate.cluster] != 0 || taken.contains(candidate.id)) {
      continue;
    }
    id_of_cluster[candidate.cluster] = candidate.id;
    taken.insert(candidate.id);
  }

  PersonIdAssignment result;
  for (PersonId& id : id_of_cluster) {
    if (id != 0) continue;
    id = allocate_id();
    result.events.push_back(PersonEvent{
        .kind = PersonEventKind::kCreated, .person_id = id, .others = {}});
  }
  result.person_ids.resize(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    result.person_ids[i] = id_of_cluster[cluster[i]];
  }

  // What each cluster held before, and where each previous id went.
  std::vector<std::vector<PersonId>> held(sorted_labels.size());
  absl::flat_hash_map<PersonId, std::vector<PersonId>> went_to;
  for (const auto& [key, count] : overlap) {
    held[key.first].push_back(key.second);
    went_to[key.second].push_back(id_of_cluster[key.first]);
  }
  for (uint32_t c = 0; c < held.size(); ++c) {
    // One previous id is the same person (perhaps with new records) or a
    // part split off another person: the split event records that.
    if (held[c].size() < 2) continue;
    std::vector<PersonId> others;
    for (PersonId id : held[c]) {
      if (id != id_of_cluster[c]) others.push_back(id);
    }
    result.events.push_back(PersonEvent{.kind = PersonEventKind::kMerged,
                                        .person_id = id_of_cluster[c],
                                        .others = SortedUnique(others)});
  }
  for (const auto& [id, destinations] : went_to) {
    if (destinations.size() >= 2) {
      std::vector<PersonId> others;
      for (PersonId to : destinations) {
        if (to != id) others.push_back(to);
      }
      result.events.push_back(PersonEvent{.kind = PersonEventKind::kSplit,
                                          .person_id = id,
                                          .others = SortedUnique(others)});
    }
    if (!taken.contains(id)) {
      result.events.push_back(PersonEvent{
          .kind = PersonEventKind::kRetired, .person_id = id, .others = {}});
    }
  }
  std::sort(result.events.begin(), result.events.end(),
            [](const PersonEvent& x, const PersonEvent& y) {
              return std::tie(x.kind, x.person_id) <
                     std::tie(y.kind, y.person_id);
            });
  return result;
}

}  // namespace equilink::linkage
