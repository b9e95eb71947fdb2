#include "server/store/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <map>
#include <tuple>
#include <utility>

#include "absl/memory/memory.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/log/log.h"
#include "common/status/status_macros.h"
#include "server/store/group_commit.h"
#include "server/store/record_index.h"
#include "server/store/schema.h"
#include "server/store/sqlite/database.h"
#include "server/store/sqlite/migration.h"
#include "server/store/sqlite/statement.h"
#include "server/store/sqlite/transaction.h"

namespace equilink::store {
namespace {

// A checkpoint after this many commits (or 500 ms); one that restarts the
// WAL when it passes kMaxWalFrames pages, and one that waits for the writer to
// do so past kHardMaxWalFrames (CheckpointLoop()).
constexpr uint64_t kCommitsPerCheckpoint = 4;
constexpr int kPageBytes = 65536;                             // see Open()
constexpr int kMaxWalFrames = (256 << 20) / kPageBytes;       // 256 MiB
constexpr int kHardMaxWalFrames = (1024 << 20) / kPageBytes;  // 1 GiB

using sqlite::Database;
using sqlite::ScopedStatement;

bool IsInMemory(const std::string& path) { return path == ":memory:"; }

absl::Status ValidateBatch(const BatchWrite& batch) {
  if (batch.organisation_code.empty() || batch.submission_id.empty()) {
    return absl::InvalidArgumentError(
        "commit batch: organisation and submission id are required");
  }
  if (batch.sequence >
      static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return absl::InvalidArgumentError("commit batch: sequence out of range");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(
    const SqliteOptions& options) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("sqlite store: empty path");
  }
  if (options.group_commit_max_batches < 1 || options.busy_timeout_ms < 0 ||
      options.min_index_pass_records < 1 || options.index_slice_records < 1) {
    return absl::InvalidArgumentError("sqlite store: bad options");
  }
  Database::Options db_options;
  db_options.path = options.path;
  db_options.busy_timeout_ms = options.busy_timeout_ms;
  // The largest page SQLite allows. Records are appended and their keys
  // indexed in bulk, so nearly every page written is full and written whole;
  // each page costs a few syscalls (WAL frame, checkpoint read and write),
  // which in a VM cost more than the bytes: the gateway used ~15% less CPU
  // per record than with 4 KiB pages in the same end-to-end run.
  db_options.page_size = kPageBytes;
  // The checkpoint thread does all checkpointing of a file database.
  if (!IsInMemory(options.path)) db_options.wal_autocheckpoint_pages = 0;
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<Database> writer,
                      Database::Open(db_options));
  EQ_RETURN_IF_ERROR(sqlite::Migrate(writer.get(), StoreMigrations()));
  // Records appended before a crash are still waiting for their index pass.
  EQ_ASSIGN_OR_RETURN(std::vector<AppendedKey> unindexed,
                      ReadUnindexedKeys(writer.get()));
  EQ_ASSIGN_OR_RETURN(const int64_t indexed, CountIndexedRecords(writer.get()));
  std::unique_ptr<Database> reader;
  std::unique_ptr<Database> checkpointer;
  if (!IsInMemory(options.path)) {
    EQ_ASSIGN_OR_RETURN(checkpointer, Database::Open(db_options));
    db_options.query_only = true;
    EQ_ASSIGN_OR_RETURN(reader, Database::Open(db_options));
  }
  return absl::WrapUnique(
      new SqliteStore(options, std::move(writer), std::move(reader),
                      std::move(checkpointer), indexed, unindexed));
}

SqliteStore::SqliteStore(const SqliteOptions& options,
                         std::unique_ptr<Database> writer,
                         std::unique_ptr<Database> reader,
                         std::unique_ptr<Database> checkpointer,
                         int64_t indexed_records,
                         std::vector<AppendedKey> unindexed)
    : path_(options.path),
      max_group_(static_cast<size_t>(options.group_commit_max_batches)),
      min_index_pass_records_(options.min_index_pass_records),
      index_slice_records_(static_cast<size_t>(options.index_slice_records)),
      busy_timeout_ms_(options.busy_timeout_ms),
      idle_before_index_pass_(options.idle_before_index_pass),
      indexed_records_(indexed_records),
      unindexed_keys_(std::move(unindexed)),
      checkpointer_(std::move(checkpointer)) {
  {
    absl::MutexLock lock(&writer_.mu);
    writer_.db = std::move(writer);
  }
  if (reader != nullptr) {
    absl::MutexLock lock(&reader_storage_.mu);
    reader_storage_.db = std::move(reader);
    reader_ = &reader_storage_;
  } else {
    reader_ = &writer_;
  }
  {
    absl::MutexLock lock(&mu_);
    stats_.unindexed_records = static_cast<int64_t>(unindexed_keys_.size());
  }
  absl::MutexLock lock(&close_mu_);
  writer_thread_ = std::thread([this] { WriterLoop(); });
  if (checkpointer_ != nullptr) {
    checkpoint_thread_ = std::thread([this] { CheckpointLoop(); });
  }
}

SqliteStore::~SqliteStore() { Close(); }

void SqliteStore::Close() {
  absl::MutexLock close_lock(&close_mu_);
  {
    absl::MutexLock lock(&mu_);
    closing_ = true;
  }
  const bool was_running = writer_thread_.joinable();
  if (writer_thread_.joinable()) writer_thread_.join();
  if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
  if (was_running) {
    const Stats stats = GetStats();
    EQ_LOG(kInfo,
           "store closed: %d group commits, %d index passes in %d slices "
           "taking %d ms in all, the longest slice %d ms",
           stats.transactions, stats.index_passes, stats.index_slices,
           absl::ToInt64Milliseconds(stats.index_pass_time),
           absl::ToInt64Milliseconds(stats.longest_index_slice));
  }
}

bool SqliteStore::CheckpointIsDue() const {
  return closing_ || commits_since_checkpoint_ >= kCommitsPerCheckpoint;
}

void SqliteStore::CheckpointLoop() {
  for (;;) {
    bool closing = false;
    {
      absl::MutexLock lock(&mu_);
      // Also on a timer, so a quiet gateway's WAL is folded in soon after
      // the last write.
      mu_.AwaitWithTimeout(absl::Condition(this, &SqliteStore::CheckpointIsDue),
                           absl::Milliseconds(500));
      closing = closing_ && queue_.empty();
      commits_since_checkpoint_ = 0;
    }
    int wal_frames = 0;
    int checkpointed = 0;
    // PASSIVE never blocks the writer: it copies what it can. Under sustained
    // load the writer outruns it and the WAL only grows, so past a bound a
    // RESTART lets the next transaction start the WAL over. A RESTART blocks
    // new transactions while it waits and copies, and waiting for the
    // writer's current one held acks up by 400 ms (the p99 of load_bench),
    // so it is first tried without waiting: it takes the lock only in a gap
    // between transactions, right after a PASSIVE, when little is left to
    // copy. Only past a hard bound does it wait, so the WAL (disk and
    // recovery time) stays bounded whatever the load.
    sqlite3_busy_timeout(checkpointer_->handle(), 0);
    int rc = sqlite3_wal_checkpoint_v2(checkpointer_->handle(), nullptr,
                                       SQLITE_CHECKPOINT_PASSIVE, &wal_frames,
                                       &checkpointed);
    if (rc == SQLITE_OK && wal_frames > kMaxWalFrames) {
      const bool must_wait = wal_frames > kHardMaxWalFrames || closing;
      if (must_wait) {
        sqlite3_busy_timeout(checkpointer_->handle(), busy_timeout_ms_);
        EQ_LOG(kInfo,
               "the WAL holds %d MiB: checkpointing it waits for the "
               "writer",
               static_cast<int64_t>(wal_frames) * kPageBytes >> 20);
      }
      rc = sqlite3_wal_checkpoint_v2(
          checkpointer_->handle(), nullptr,
          closing ? SQLITE_CHECKPOINT_TRUNCATE : SQLITE_CHECKPOINT_RESTART,
          &wal_frames, &checkpointed);
    }
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      EQ_LOG(kWarning, "WAL checkpoint failed: %s", sqlite3_errstr(rc));
    }
    if (closing) {
      sqlite3_busy_timeout(checkpointer_->handle(), busy_timeout_ms_);
      sqlite3_wal_checkpoint_v2(checkpointer_->handle(), nullptr,
                                SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
      return;
    }
  }
}

SqliteStore::Stats SqliteStore::GetStats() const {
  absl::MutexLock lock(&mu_);
  Stats stats = stats_;
  stats.queued = queue_.size();
  stats.closing = closing_;
  return stats;
}

bool SqliteStore::WriterHasWork() const { return closing_ || !queue_.empty(); }

absl::StatusOr<CommitResult> SqliteStore::CommitBatch(BatchWrite batch) {
  EQ_RETURN_IF_ERROR(ValidateBatch(batch));
  // Lives on this stack until the writer marks it done, so the writer can
  // bind the batch's bytes without copying them.
  PendingCommit pending;
  pending.batch = &batch;
  {
    absl::MutexLock lock(&mu_);
    if (closing_) return absl::UnavailableError("store is closing");
    queue_.push_back(&pending);
    mu_.Await(absl::Condition(&pending.done));
  }
  if (!pending.status.ok()) return pending.status;
  return std::move(pending.result);
}

void SqliteStore::WriterLoop() {
  std::vector<PendingCommit*> group;
  group.reserve(max_group_);
  for (;;) {
    group.clear();
    bool idle = false;
    bool closing = false;
    {
      absl::MutexLock lock(&mu_);
      idle = !mu_.AwaitWithTimeout(
          absl::Condition(this, &SqliteStore::WriterHasWork),
          idle_before_index_pass_);
      while (!queue_.empty() && group.size() < max_group_) {
        group.push_back(queue_.front());
        queue_.pop_front();
      }
      closing = closing_ && group.empty();
      stats_.in_flight = group.size();
    }
    if (closing) {
      // Everything queued is done; leave nothing for the next start to index.
      IndexEverything();
      return;
    }
    ProcessGroup(group, idle);
  }
}

bool SqliteStore::IndexPassIsDue() const {
  if (pass_.has_value()) return true;  // one slice after each group commit
  const int64_t threshold =
      std::min(std::max(min_index_pass_records_, indexed_records_ / 8),
               4 * min_index_pass_records_);
  return static_cast<int64_t>(unindexed_keys_.size()) >= threshold;
}

int64_t SqliteStore::UnindexedRecords() const {
  return static_cast<int64_t>(unindexed_keys_.size() +
                              (pass_.has_value() ? pass_->remaining() : 0));
}

bool SqliteStore::IndexOneSlice() {
  if (!pass_.has_value()) {
    if (unindexed_keys_.empty()) return true;
    pass_.emplace(std::move(unindexed_keys_));
    unindexed_keys_.clear();
  }
  absl::StatusOr<IndexPassResult> slice;
  const absl::Time started = absl::Now();
  {
    absl::MutexLock lock(&writer_.mu);
    slice = pass_->IndexNextSlice(writer_.db.get(), index_slice_records_);
  }
  const absl::Duration took = absl::Now() - started;
  if (!slice.ok()) {
    // The appended rows stay durable; the slice is retried later.
    EQ_LOG(kError, "indexing appended records failed: %s",
           slice.status().ToString());
    return false;
  }
  indexed_records_ += slice->indexed - slice->superseded;
  if (slice->finished) pass_.reset();
  absl::MutexLock lock(&mu_);
  if (slice->finished) ++stats_.index_passes;
  ++stats_.index_slices;
  stats_.index_pass_time += took;
  stats_.longest_index_slice = std::max(stats_.longest_index_slice, took);
  stats_.unindexed_records = UnindexedRecords();
  ++commits_since_checkpoint_;
  return true;
}

void SqliteStore::IndexEverything() {
  while (UnindexedRecords() > 0 || pass_.has_value()) {
    if (!IndexOneSlice()) return;
  }
}

void SqliteStore::ProcessGroup(const std::vector<PendingCommit*>& group,
                               bool idle) {
  std::vector<PendingCommit*> writes;
  std::vector<PendingCommit*> index_requests;
  for (PendingCommit* pending : group) {
    (pending->batch != nullptr ? writes : index_requests).push_back(pending);
  }
  absl::Status status;
  if (!writes.empty()) {
    absl::MutexLock lock(&writer_.mu);
    status =
        WriteGroup(writer_.db.get(), writes, absl::ToUnixMillis(absl::Now()));
  }
  if (!status.ok()) {
    EQ_LOG(kError, "group commit of %d batches failed: %s", writes.size(),
           status.ToString());
  }
  {
    absl::MutexLock lock(&mu_);
    for (PendingCommit* pending : writes) {
      if (!status.ok()) pending->status = status;
      if (!pending->status.ok()) continue;
      ++stats_.batches;
      // The caller is done with its batch once answered: its keys move here.
      BatchWrite& batch = *pending->batch;
      for (size_t i = 0; i < pending->appended_ids.size(); ++i) {
        unindexed_keys_.emplace_back(
            batch.organisation_code,
            std::move(batch.records[i].record_pseudonym),
            pending->appended_ids[i]);
      }
    }
    if (!writes.empty()) {
      ++(status.ok() ? stats_.transactions : stats_.failed_transactions);
      ++commits_since_checkpoint_;
    }
    // Committed batches are answered before any index pass, which can take
    // a while and must not hold up their acknowledgements.
    for (PendingCommit* pending : writes) pending->done = true;
    stats_.unindexed_records = UnindexedRecords();
  }
  if (!index_requests.empty()) {
    IndexEverything();  // a reader is waiting for exact answers
  } else if (idle && writes.empty()) {
    // Nothing has arrived for a while: index until something does.
    bool quiet = true;
    while (UnindexedRecords() > 0 && quiet && IndexOneSlice()) {
      absl::MutexLock lock(&mu_);
      quiet = queue_.empty() && !closing_;
    }
  } else if (IndexPassIsDue()) {
    IndexOneSlice();
  }
  absl::MutexLock lock(&mu_);
  for (PendingCommit* pending : index_requests) pending->done = true;
  stats_.in_flight = 0;
}

absl::Status SqliteStore::IndexAppendedRecords() {
  PendingCommit request;  // a null batch asks for an index pass
  absl::MutexLock lock(&mu_);
  if (closing_) return absl::OkStatus();
  queue_.push_back(&request);
  mu_.Await(absl::Condition(&request.done));
  return request.status;
}

absl::StatusOr<std::vector<uint64_t>> SqliteStore::DurableSequences(
    const std::string& organisation_code, const std::string& submission_id) {
  absl::MutexLock lock(&reader_->mu);
  EQ_ASSIGN_OR_RETURN(
      ScopedStatement query,
      reader_->db->GetCachedStatement(
          EQ_SQL_FROM_HERE,
          "SELECT sequence FROM batches WHERE org_code = ?1 AND "
          "submission_id = ?2 ORDER BY sequence"));
  EQ_RETURN_IF_ERROR(query->BindText(0, organisation_code));
  EQ_RETURN_IF_ERROR(query->BindText(1, submission_id));
  std::vector<uint64_t> sequences;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    sequences.push_back(static_cast<uint64_t>(query->ColumnInt64(0)));
  }
  return sequences;
}

absl::StatusOr<uint64_t> SqliteStore::RecordsInSubmission(
    const std::string& organisation_code, const std::string& submission_id) {
  // live_records is exact only once re-submitted records are resolved.
  EQ_RETURN_IF_ERROR(IndexAppendedRecords());
  absl::MutexLock lock(&reader_->mu);
  EQ_ASSIGN_OR_RETURN(
      ScopedStatement query,
      reader_->db->GetCachedStatement(
          EQ_SQL_FROM_HERE,
          "SELECT coalesce(sum(live_records), 0) FROM batches WHERE "
          "org_code = ?1 AND submission_id = ?2"));
  EQ_RETURN_IF_ERROR(query->BindText(0, organisation_code));
  EQ_RETURN_IF_ERROR(query->BindText(1, submission_id));
  EQ_ASSIGN_OR_RETURN(bool row, query->Step());
  if (!row) return absl::InternalError("count returned no row");
  return static_cast<uint64_t>(query->ColumnInt64(0));
}

absl::StatusOr<std::optional<Organisation>> SqliteStore::FindOrganisation(
    const std::string& code) {
  absl::MutexLock lock(&reader_->mu);
  EQ_ASSIGN_OR_RETURN(
      ScopedStatement query,
      reader_->db->GetCachedStatement(
          EQ_SQL_FROM_HERE,
          "SELECT name, roles, active, certificate_sha256 FROM organisations "
          "WHERE code = ?1"));
  EQ_RETURN_IF_ERROR(query->BindText(0, code));
  EQ_ASSIGN_OR_RETURN(bool row, query->Step());
  if (!row) return std::optional<Organisation>();
  Organisation organisation;
  organisation.code = code;
  organisation.name = query->ColumnText(0);
  organisation.roles =
      absl::StrSplit(query->ColumnText(1), ',', absl::SkipEmpty());
  organisation.active = query->ColumnInt64(2) != 0;
  organisation.certificate_sha256 = query->ColumnText(3);
  return organisation;
}

absl::Status SqliteStore::UpsertOrganisation(const Organisation& organisation) {
  if (organisation.code.empty()) {
    return absl::InvalidArgumentError("organisation: code is required");
  }
  for (const std::string& role : organisation.roles) {
    if (role.empty() || absl::StrContains(role, ',')) {
      return absl::InvalidArgumentError("organisation: malformed role");
    }
  }
  const std::string roles = absl::StrJoin(organisation.roles, ",");
  {
    absl::MutexLock lock(&mu_);
    if (closing_) return absl::UnavailableError("store is closing");
  }
  absl::MutexLock lock(&writer_.mu);
  EQ_ASSIGN_OR_RETURN(
      ScopedStatement upsert,
      writer_.db->GetCachedStatement(
          EQ_SQL_FROM_HERE,
          "INSERT INTO organisations (code, name, roles, active, updated_at, "
          "certificate_sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
          "ON CONFLICT (code) DO UPDATE SET "
          "name = excluded.name, roles = excluded.roles, "
          "active = excluded.active, updated_at = excluded.updated_at, "
          "certificate_sha256 = excluded.certificate_sha256"));
  EQ_RETURN_IF_ERROR(upsert->BindText(0, organisation.code));
  EQ_RETURN_IF_ERROR(upsert->BindText(1, organisation.name));
  EQ_RETURN_IF_ERROR(upsert->BindText(2, roles));
  EQ_RETURN_IF_ERROR(upsert->BindInt64(3, organisation.active ? 1 : 0));
  EQ_RETURN_IF_ERROR(upsert->BindInt64(4, absl::ToUnixMillis(absl::Now())));
  EQ_RETURN_IF_ERROR(upsert->BindText(5, organisation.certificate_sha256));
  return upsert->Run();
}

absl::StatusOr<std::vector<Organisation>> SqliteStore::ListOrganisations() {
  absl::MutexLock lock(&reader_->mu);
  EQ_ASSIGN_OR_RETURN(
      ScopedStatement query,
      reader_->db->GetCachedStatement(
          EQ_SQL_FROM_HERE,
          "SELECT code, name, roles, active, certificate_sha256 "
          "FROM organisations ORDER BY code"));
  std::vector<Organisation> organisations;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    Organisation& organisation = organisations.emplace_back();
    organisation.code = query->ColumnText(0);
    organisation.name = query->ColumnText(1);
    organisation.roles =
        absl::StrSplit(query->ColumnText(2), ',', absl::SkipEmpty());
    organisation.active = query->ColumnInt64(3) != 0;
    organisation.certificate_sha256 = query->ColumnText(4);
  }
  return organisations;
}

absl::StatusOr<std::vector<OrganisationSummary>> SqliteStore::Summarise() {
  EQ_RETURN_IF_ERROR(IndexAppendedRecords());
  absl::MutexLock lock(&reader_->mu);
  // Every organisation that is registered or has submitted; the counts use
  // the primary keys (record_keys and batches both lead with org_code).
  EQ_ASSIGN_OR_RETURN(
      ScopedStatement query,
      reader_->db->GetCachedStatement(
          EQ_SQL_FROM_HERE,
          "SELECT o.code, "
          "(SELECT count(*) FROM record_keys r WHERE r.org_code = o.code), "
          "(SELECT count(*) FROM batches b WHERE b.org_code = o.code), "
          "(SELECT count(DISTINCT submission_id) FROM batches b "
          " WHERE b.org_code = o.code) "
          "FROM (SELECT code FROM organisations UNION "
          "      SELECT DISTINCT org_code FROM batches) o ORDER BY o.code"));
  std::vector<OrganisationSummary> summaries;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    OrganisationSummary& summary = summaries.emplace_back();
    summary.organisation_code = query->ColumnText(0);
    summary.records = static_cast<uint64_t>(query->ColumnInt64(1));
    summary.batches = static_cast<uint64_t>(query->ColumnInt64(2));
    summary.submissions = static_cast<uint64_t>(query->ColumnInt64(3));
  }
  return summaries;
}

absl::StatusOr<std::vector<BatchRetention>> SqliteStore::ListRetainedBatches() {
  absl::MutexLock lock(&reader_->mu);
  EQ_ASSIGN_OR_RETURN(
      ScopedStatement query,
      reader_->db->GetCachedStatement(
          EQ_SQL_FROM_HERE,
          "SELECT b.org_code, b.submission_id, b.sequence, b.agreement_id, "
          "b.agreement_version, b.committed_at, b.live_records, "
          "coalesce(q.n, 0) FROM batches b LEFT JOIN "
          "(SELECT org_code, submission_id, sequence, count(*) AS n "
          " FROM quarantined_records GROUP BY 1, 2, 3) q "
          "USING (org_code, submission_id, sequence) "
          "WHERE b.live_records > 0 OR q.n > 0"));
  std::vector<BatchRetention> batches;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    BatchRetention& batch = batches.emplace_back();
    batch.organisation_code = query->ColumnText(0);
    batch.submission_id = query->ColumnText(1);
    batch.sequence = static_cast<uint64_t>(query->ColumnInt64(2));
    batch.agreement_id = query->ColumnText(3);
    batch.agreement_version = static_cast<uint32_t>(query->ColumnInt64(4));
    batch.committed_at_unix_ms = query->ColumnInt64(5);
    batch.live_records = static_cast<uint64_t>(query->ColumnInt64(6));
    batch.quarantined_records = static_cast<uint64_t>(query->ColumnInt64(7));
  }
  return batches;
}

absl::StatusOr<uint64_t> SqliteStore::PurgeBatchRecords(
    const std::vector<BatchKey>& batches) {
  if (batches.empty()) return 0;
  // Every row of a purged batch is then at or below the watermark, indexed,
  // and the only row of its key: deleting it and its key keeps the index
  // exact, and rows past the watermark (the next pass's dense input) are
  // never touched.
  EQ_RETURN_IF_ERROR(IndexAppendedRecords());
  {
    absl::MutexLock lock(&mu_);
    if (closing_) return absl::UnavailableError("store is closing");
  }
  absl::MutexLock lock(&writer_.mu);
  Database* db = writer_.db.get();
  EQ_RETURN_IF_ERROR(db->Execute(
      "CREATE TEMP TABLE IF NOT EXISTS purge_batches (org_code TEXT, "
      "submission_id TEXT, sequence INTEGER, "
      "PRIMARY KEY (org_code, submission_id, sequence)) WITHOUT ROWID"));
  EQ_ASSIGN_OR_RETURN(sqlite::Transaction transaction,
                      sqlite::Transaction::Begin(db));
  EQ_RETURN_IF_ERROR(db->Execute("DELETE FROM temp.purge_batches"));
  {
    EQ_ASSIGN_OR_RETURN(
        ScopedStatement insert,
        db->GetCachedStatement(EQ_SQL_FROM_HERE,
                               "INSERT OR IGNORE INTO temp.purge_batches "
                               "VALUES (?1, ?2, ?3)"));
    for (const BatchKey& batch : batches) {
      EQ_RETURN_IF_ERROR(insert->BindText(0, batch.organisation_code));
      EQ_RETURN_IF_ERROR(insert->BindText(1, batch.submission_id));
      EQ_RETURN_IF_ERROR(
          insert->BindInt64(2, static_cast<int64_t>(batch.sequence)));
      EQ_RETURN_IF_ERROR(insert->Run());
      insert->Reset();
    }
  }
  EQ_ASSIGN_OR_RETURN(const int64_t indexed_through,
                      db->QueryInt64("SELECT value FROM store_state WHERE "
                                     "name = 'keys_indexed_through'"));
  uint64_t removed = 0;
  std::map<std::tuple<std::string, std::string, int64_t>, int64_t>
      removed_per_batch;
  {
    EQ_ASSIGN_OR_RETURN(
        ScopedStatement remove,
        db->GetCachedStatement(
            EQ_SQL_FROM_HERE,
            "DELETE FROM records WHERE record_id <= ?1 AND "
            "(org_code, submission_id, sequence) IN "
            "(SELECT org_code, submission_id, sequence FROM "
            "temp.purge_batches) RETURNING org_code, record_pseudonym, "
            "record_id, submission_id, sequence"));
    EQ_ASSIGN_OR_RETURN(ScopedStatement unindex,
                        db->GetCachedStatement(
                            EQ_SQL_FROM_HERE,
                            "DELETE FROM record_keys WHERE org_code = ?1 AND "
                            "record_pseudonym = ?2 AND record_id = ?3"));
    EQ_RETURN_IF_ERROR(remove->BindInt64(0, indexed_through));
    // RETURNING rows are all computed before the first is returned, so the
    // key deletes below never interleave with the scan.
    for (;;) {
      EQ_ASSIGN_OR_RETURN(bool row, remove->Step());
      if (!row) break;
      const std::string org_code = remove->ColumnText(0);
      EQ_RETURN_IF_ERROR(unindex->BindText(0, org_code));
      const std::string pseudonym = remove->ColumnBlob(1);
      EQ_RETURN_IF_ERROR(unindex->BindBlob(1, pseudonym));
      EQ_RETURN_IF_ERROR(unindex->BindInt64(2, remove->ColumnInt64(2)));
      EQ_RETURN_IF_ERROR(unindex->Run());
      unindex->Reset();
      ++removed_per_batch[{org_code, remove->ColumnText(3),
                           remove->ColumnInt64(4)}];
      ++removed;
    }
  }
  {
    EQ_ASSIGN_OR_RETURN(
        ScopedStatement decrement,
        db->GetCachedStatement(
            EQ_SQL_FROM_HERE,
            "UPDATE batches SET live_records = live_records - ?4 "
            "WHERE org_code = ?1 AND submission_id = ?2 AND sequence = ?3"));
    for (const auto& [batch, count] : removed_per_batch) {
      EQ_RETURN_IF_ERROR(decrement->BindText(0, std::get<0>(batch)));
      EQ_RETURN_IF_ERROR(decrement->BindText(1, std::get<1>(batch)));
      EQ_RETURN_IF_ERROR(decrement->BindInt64(2, std::get<2>(batch)));
      EQ_RETURN_IF_ERROR(decrement->BindInt64(3, count));
      EQ_RETURN_IF_ERROR(decrement->Run());
      decrement->Reset();
    }
  }
  EQ_RETURN_IF_ERROR(db->Execute(
      "DELETE FROM quarantined_records WHERE (org_code, submission_id, "
      "sequence) IN (SELECT org_code, submission_id, sequence FROM "
      "temp.purge_batches)"));
  removed += static_cast<uint64_t>(db->Changes());
  EQ_RETURN_IF_ERROR(transaction.Commit());
  return removed;
}

namespace {

// Below the index watermark `records` holds only current rows: the pass that
// indexes a re-submitted record deletes the row it supersedes, in the same
// transaction. So a read of the current records is a walk of `records` in
// rowid order up to the watermark (?2), sequential on disk, and record_links,
// keyed by the same record_id, is read in the same order. The batch says
// which dataset a record was submitted for; batches is small and stays in
// the cache. CROSS JOIN keeps `records` the outer loop: driven from batches,
// every record would be a seek.
constexpr char kCurrentRecordColumns[] =
    "SELECT r.record_id, r.org_code, r.record_pseudonym, r.payload, "
    "l.person_id, l.stage, l.match_probability ";
constexpr char kCurrentRecordJoins[] =
    "CROSS JOIN batches b ON b.org_code = r.org_code "
    " AND b.submission_id = r.submission_id AND b.sequence = r.sequence "
    "LEFT JOIN record_links l ON l.record_id = r.record_id "
    "WHERE b.dataset_id = ?1 AND r.record_id <= ?2 ";

// An incremental read starts from the changes alone: the appended tail of
// `records` (past ?3) and the links written since (past ?4, through their
// linked_at index). Its order is the UNION's; an ORDER BY would make SQLite
// sort every changed row, payload included, and after a relink that can be
// the whole dataset.
std::string CurrentRecordQuery(bool incremental) {
  if (!incremental) {
    return absl::StrCat(kCurrentRecordColumns, "FROM records r ",
                        kCurrentRecordJoins, "ORDER BY r.record_id");
  }
  return absl::StrCat(
      kCurrentRecordColumns,
      "FROM (SELECT record_id FROM records WHERE record_id > ?3 "
      "      UNION SELECT record_id FROM record_links WHERE linked_at > ?4) c "
      "CROSS JOIN records r ON r.record_id = c.record_id ",
      kCurrentRecordJoins);
}

// The passes of `scan` inside one read transaction on `db`.
absl::Status ScanInOneSnapshot(Database* db, const CurrentRecordScan& scan) {
  EQ_ASSIGN_OR_RETURN(
      std::unique_ptr<sqlite::Statement> select,
      db->GetUniqueStatement(CurrentRecordQuery(scan.since.has_value())));
  EQ_ASSIGN_OR_RETURN(
      std::unique_ptr<sqlite::Statement> marks,
      db->GetUniqueStatement(
          "SELECT (SELECT value FROM store_state "
          "        WHERE name = 'keys_indexed_through'), "
          "(SELECT coalesce(max(linked_at), 0) FROM record_links)"));
  EQ_RETURN_IF_ERROR(db->Execute("BEGIN"));
  absl::Status status;
  // The first read starts the snapshot every pass then reads from.
  ChangeMarks snapshot;
  absl::StatusOr<bool> marks_read = marks->Step();
  if (!marks_read.ok()) {
    status = marks_read.status();
  } else if (!*marks_read) {
    status = absl::DataLossError("store_state has no index watermark");
  } else {
    snapshot.record_id_through = marks->ColumnInt64(0);
    snapshot.linked_at_through = marks->ColumnInt64(1);
    if (scan.marks != nullptr) *scan.marks = snapshot;
  }
  marks->Reset();
  for (int pass = 0; pass < scan.passes && status.ok(); ++pass) {
    status = select->BindText(0, scan.dataset_id);
    if (status.ok()) status = select->BindInt64(1, snapshot.record_id_through);
    if (status.ok() && scan.since.has_value()) {
      status = select->BindInt64(2, scan.since->record_id_through);
      if (status.ok()) {
        status = select->BindInt64(3, scan.since->linked_at_through);
      }
    }
    CurrentRecord row;
    while (status.ok()) {
      absl::StatusOr<bool> stepped = select->Step();
      if (!stepped.ok()) {
        status = stepped.status();
      } else if (!*stepped) {
        break;
      } else {
        row.record_id = select->ColumnInt64(0);
        row.organisation_code = select->ColumnText(1);
        row.record_pseudonym = select->ColumnBlob(2);
        row.payload = select->ColumnBlob(3);
        const bool linked = !select->ColumnIsNull(4);
        row.person_id = linked ? select->ColumnInt64(4) : 0;
        row.link_stage =
            linked ? static_cast<int32_t>(select->ColumnInt64(5)) : 0;
        row.match_probability = linked ? select->ColumnDouble(6) : 0;
        status = scan.visit(pass, row);
      }
    }
    select->Reset();
    if (status.ok() && scan.pass_done) status = scan.pass_done(pass);
  }
  const absl::Status ended = db->Execute("COMMIT");
  EQ_RETURN_IF_ERROR(status);
  return ended;
}

}  // namespace

absl::Status SqliteStore::ForEachCurrentRecord(const CurrentRecordScan& scan) {
  EQ_RETURN_IF_ERROR(IndexAppendedRecords());
  if (IsInMemory(path_)) {
    absl::MutexLock lock(&reader_->mu);
    return ScanInOneSnapshot(reader_->db.get(), scan);
  }
  Database::Options options;
  options.path = path_;
  options.query_only = true;
  options.cache_size = -8192;
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(options));
  return ScanInOneSnapshot(db.get(), scan);
}

}  // namespace equilink::store
