#ifndef EQUILINK_SERVER_STORE_RECORD_INDEX_H_
#define EQUILINK_SERVER_STORE_RECORD_INDEX_H_

// Bulk indexing of appended records by (organisation, record pseudonym).
//
// Commits append records without touching an index (see schema.cc, version
// 2). The writer calls IndexAppendedKeys() once enough have piled up, when
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
  int64_t indexed = 0;     // appended rows the pass looked at
  int64_t superseded = 0;  // older rows of a key deleted by the pass
};

// Indexes every record appended since the last pass, in one transaction on
// `db` (the writer connection, outside any transaction). `appended` is the
// caller's list of what it appended (ReadUnindexedKeys() at start-up plus its
// commits since); when another connection has indexed or appended rows in
// the meantime, the pass notices and uses the table instead. For each key the
// row with the highest record_id stays; the others are deleted and their
// batches' live_records decremented. Sorts `appended`. On error nothing
// changes.
absl::StatusOr<IndexPassResult> IndexAppendedKeys(
    sqlite::Database* db, std::vector<AppendedKey>& appended);

}  // namespace equilink::store

#endif  // EQUILINK_SERVER_STORE_RECORD_INDEX_H_
