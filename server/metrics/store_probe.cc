#include "server/metrics/store_probe.h"

#include <utility>

#include "absl/memory/memory.h"
#include "common/status/status_macros.h"

namespace equilink::metrics {

using store::sqlite::Database;
using store::sqlite::ScopedStatement;

absl::StatusOr<std::unique_ptr<StoreProbe>> StoreProbe::Open(
    const std::string& store_path) {
  Database::Options options;
  options.path = store_path;
  options.query_only = true;
  // A scrape reads a handful of pages; the store's 64 MiB cache would only
  // cost memory here.
  options.cache_size = -1024;
  // A scrape that finds the file busy is skipped, not queued.
  options.busy_timeout_ms = 200;
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(options));
  return absl::WrapUnique(new StoreProbe(std::move(db)));
}

absl::StatusOr<uint64_t> StoreProbe::RecordsStored() {
  absl::MutexLock lock(&mu_);
  // batches.live_records follows every re-submission and purge, so this is a
  // scan of the batch rows, never of the records.
  EQ_ASSIGN_OR_RETURN(
      const int64_t records,
      db_->QueryInt64("SELECT coalesce(sum(live_records), 0) FROM batches"));
  return static_cast<uint64_t>(records);
}

absl::StatusOr<LinkageBacklog> StoreProbe::UnlinkedRecords() {
  absl::MutexLock lock(&mu_);
  // record_id is the rowid, so this reads only the records past the cursor.
  EQ_ASSIGN_OR_RETURN(
      ScopedStatement query,
      db_->GetCachedStatement(
          EQ_SQL_FROM_HERE,
          "SELECT count(*), min(stored_at) FROM records WHERE record_id > "
          "(SELECT coalesce(max(value), 0) FROM linkage_state "
          "WHERE name = 'linked_through')"));
  EQ_ASSIGN_OR_RETURN(const bool row, query->Step());
  LinkageBacklog backlog;
  if (!row) return backlog;
  backlog.records = static_cast<uint64_t>(query->ColumnInt64(0));
  if (backlog.records > 0 && !query->ColumnIsNull(1)) {
    backlog.oldest_stored = absl::FromUnixMillis(query->ColumnInt64(1));
  }
  return backlog;
}

}  // namespace equilink::metrics
