#ifndef EQUILINK_SERVER_METRICS_STORE_PROBE_H_
#define EQUILINK_SERVER_METRICS_STORE_PROBE_H_

// The store's gauges, read when metrics are scraped: records held, and the
// linkage backlog (records committed but not linked yet, and how long the
// oldest of them has waited). A connection of its own, query-only, so a
// scrape never queues behind the store's writer or its readers.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/store/sqlite/database.h"

namespace equilink::metrics {

struct LinkageBacklog {
  uint64_t records = 0;
  // When the oldest unlinked record was committed; InfinitePast() when none
  // is waiting.
  absl::Time oldest_stored = absl::InfinitePast();
};

class StoreProbe {
 public:
  // Opens `store_path` (a file the store has already created and migrated).
  static absl::StatusOr<std::unique_ptr<StoreProbe>> Open(
      const std::string& store_path);

  // Current records held (re-submissions counted once, purged ones not).
  // Thread-safe.
  absl::StatusOr<uint64_t> RecordsStored();

  // Records past the linkage worker's cursor. Costs a range read of the
  // backlog only. Thread-safe.
  absl::StatusOr<LinkageBacklog> UnlinkedRecords();

 private:
  explicit StoreProbe(std::unique_ptr<store::sqlite::Database> db)
      : db_(std::move(db)) {}

  absl::Mutex mu_;
  const std::unique_ptr<store::sqlite::Database> db_ ABSL_PT_GUARDED_BY(mu_);
};

}  // namespace equilink::metrics

#endif  // EQUILINK_SERVER_METRICS_STORE_PROBE_H_
