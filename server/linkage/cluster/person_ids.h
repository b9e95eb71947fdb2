#ifndef EQUILINK_SERVER_LINKAGE_CLUSTER_PERSON_IDS_H_
#define EQUILINK_SERVER_LINKAGE_CLUSTER_PERSON_IDS_H_

// Person ids that survive re-clustering: when new records change the
// clusters of a component, each new cluster keeps the id most of its records
// already had, and the changes are recorded as events for the audit trail
// and for consumers who hold extracts keyed by person id.

#include <cstdint>
#include <span>
#include <vector>

#include "absl/functional/function_ref.h"
#include "server/linkage/record_features.h"

namespace equilink::linkage {

using PersonId = uint64_t;  // 0 = none

enum class PersonEventKind : uint8_t {
  kCreated,  // person_id is new
  kMerged,   // rows that had `others` now belong to person_id
  kSplit,    // rows that had person_id now belong to `others`
  kRetired,  // person_id no longer has any row
};

struct PersonEvent {
  PersonEventKind kind;
  PersonId person_id;
  std::vector<PersonId> others;  // sorted; empty for kCreated and kRetired

  friend bool operator==(const PersonEvent&, const PersonEvent&) = default;
};

struct PersonIdAssignment {
  std::vector<PersonId> person_ids;  // one per row given, in the same order
  // Sorted by (kind, person_id).
  std::vector<PersonEvent> events;
};

// Gives each cluster of `rows` a person id. previous_ids[i] is the id rows[i]
// had before (0 for a new record) and labels[i] its new cluster label (any
// value shared by exactly the rows of one cluster).
//
// Each id goes to at most one cluster. Candidates (cluster, previous id) are
// taken in order of overlap (rows of the cluster that had the id, most
// first), then smaller id, then smaller label; a candidate is taken when
// neither its cluster nor its id is taken yet. So a cluster keeps the id held
// by most of its rows (the larger person's id on a merge; the larger part
// keeps the id on a split) unless a cluster with a larger overlap claimed it
// first; a cluster none of whose previous ids is left gets a fresh id from
// `allocate_id`, called in order of label.
//
// Events: kCreated for each fresh id; kMerged(P, others) when rows that had
// other ids joined the cluster that is P; kSplit(Q, others) when rows that
// had Q now lie in clusters other than Q's; kRetired(Q) when Q went to no
// cluster. Assigning the same clustering again gives the same ids and no
// events.
//
// REQUIRES: the three spans have equal lengths; `rows` holds every row that
// had any previous id appearing here (a whole re-clustered component
// does); allocate_id returns ids never used before, nonzero.
PersonIdAssignment AssignPersonIds(std::span<const Row> rows,
                                   std::span<const PersonId> previous_ids,
                                   std::span<const Row> labels,
                                   absl::FunctionRef<PersonId()> allocate_id);

}  // namespace equilink::linkage

#endif  // EQUILINK_SERVER_LINKAGE_CLUSTER_PERSON_IDS_H_
