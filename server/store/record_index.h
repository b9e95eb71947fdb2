#ifndef EQUILINK_SERVER_STORE_RECORD_INDEX_H_
#define EQUILINK_SERVER_STORE_RECORD_INDEX_H_

// Bulk indexing of appended records by (organisation, record pseudonym).
//
// Commits append records without touching an index (see schema.cc, version
// 2). The writer runs an IndexPass once enough have piled up, when
// it is idle, when a reader needs exact per-key answers, and on close. Until
// then a re-submitted record may have its old row and its new row side by
// side; after it, exactly the newest row of every key remains.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/store/sqlite/database.h"

namespace equilink::store {

// A record appended by a commit: the key it is looked up by and its row.
struct AppendedKey {
  AppendedKey(std::string organisation, std::string pseudonym, int64_t id);

  std::string org_code;
  std::string record_pseudonym;
  int64_t record_id = 0;
  // The pseudonym's first 8 bytes as a big-endian number: sorting compares
  // this inline value and almost never has to follow the pseudonym's heap
  // pointer (those cache misses were most of a pass's sorting time).
  uint64_t pseudonym_prefix = 0;
};

// The keys of every record appended since the last indexing pass, read from
// the table. The writer keeps this list itself as it commits; reading it is
// for starting up after a crash that left appended rows unindexed.
absl::StatusOr<std::vector<AppendedKey>> ReadUnindexedKeys(
    sqlite::Database* db);

// Records whose key is indexed (the distinct records held, when nothing is
// pending).
absl::StatusOr<int64_t> CountIndexedRecords(sqlite::Database* db);

struct IndexPassResult {
  int64_t indexed = 0;     // appended rows the slice looked at
  int64_t superseded = 0;  // older rows of a key deleted by the slice
  bool finished = false;   // the pass's last slice: the watermark moved
};

// One indexing pass over the records appended since the last: every key is
// pointed at its newest row; the others are deleted and their batches'
// live_records decremented. The pass is committed in slices, each a run of
// consecutive keys in one transaction on the writer connection, so the
// commits queued behind the pass wait for one slice, not all of it, while
// each index page is still written about once per pass (slicing in append
// order instead rewrote nearly every page per slice: five times the work,
// measured). The watermark (store_state.keys_indexed_through) moves with the
// last slice; a crash before that leaves the whole pass to be run again,
// and rows indexed by an earlier slice are then left as they are.
class IndexPass {
 public:
  // `appended` is the caller's list of what it appended (ReadUnindexedKeys()
  // at start-up plus its commits since), oldest first. When another
  // connection has indexed or appended rows meanwhile, the first slice
  // notices and the pass takes every row past the watermark from the table
  // instead.
  explicit IndexPass(std::vector<AppendedKey> appended);

  // Indexes the next (about) `max_keys` keys in one transaction (`db` the
  // writer connection, outside any transaction). On error nothing of the
  // slice changes and the same slice can be retried.
  absl::StatusOr<IndexPassResult> IndexNextSlice(sqlite::Database* db,
                                                 size_t max_keys);

  bool finished() const { return prepared_ && next_ == keys_.size(); }
  // Keys not indexed yet (before the first slice: as given).
  size_t remaining() const { return keys_.size() - next_; }

 private:
  absl::Status Prepare(sqlite::Database* db);

  std::vector<AppendedKey> keys_;  // key order once prepared
  size_t next_ = 0;
  int64_t through_ = 0;  // the watermark the last slice sets
  bool prepared_ = false;
};

}  // namespace equilink::store

#endif  // EQUILINK_SERVER_STORE_RECORD_INDEX_H_
