#ifndef EQUILINK_SERVER_STORE_GROUP_COMMIT_H_
#define EQUILINK_SERVER_STORE_GROUP_COMMIT_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "server/store/sqlite/database.h"
#include "server/store/store.h"

namespace equilink::store {

// One CommitBatch call waiting for the writer thread. The caller owns it (on
// its stack) and blocks until `done`; the writer fills `status` and `result`.
struct PendingCommit {
  BatchWrite* batch = nullptr;  // the caller's; the writer may move from it
  absl::Status status;
  CommitResult result;
  // The record_id given to each of the batch's records, in order (empty when
  // already stored): what the writer's next index pass needs.
  std::vector<int64_t> appended_ids;
  bool done = false;  // guarded by the store's queue mutex
};

// Writes every batch in `group` in one transaction on `db` (the writer
// connection) and commits it.
//
// A batch whose (organisation, submission, sequence) is stored already, by an
// earlier transaction or earlier in this group, writes nothing and gets
// already_stored with the stored ack. A batch whose data breaks a schema
// constraint gets kInvalidArgument in its own `status` and leaves nothing
// behind; the transaction is rolled back and retried without it, so the
// others still commit (one retry per such batch).
//
// Any other failure (write lock not obtained, I/O, disk full, commit) aborts
// the whole transaction and is returned: then nothing of the group is
// written and the caller must report the error to every member. `status`
// fields are only meaningful when the return is OK.
absl::Status WriteGroup(sqlite::Database* db,
                        absl::Span<PendingCommit* const> group,
                        int64_t now_unix_ms);

}  // namespace equilink::store

#endif  // EQUILINK_SERVER_STORE_GROUP_COMMIT_H_
