#ifndef EQUILINK_SERVER_STORE_SQLITE_STORE_H_
#define EQUILINK_SERVER_STORE_SQLITE_STORE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/store/record_index.h"
#include "server/store/store.h"

namespace equilink::store {

namespace sqlite {
class Database;
}  // namespace sqlite
struct PendingCommit;

struct SqliteOptions {
  // Database file, created if missing. ":memory:" gives a private in-memory
  // store (tests); it then has one connection for reads and writes.
  std::string path;
  // Most batches folded into one transaction by group commit.
  int group_commit_max_batches = 64;
  // Appended records that trigger a bulk key-indexing pass (record_index.h);
  // the writer also indexes when idle, before exact reads, and on close. The
  // default scales the pass to the table: max(min_index_pass_records,
  // indexed / 8), capped at 4x the minimum, so a pass rewrites each index
  // page once per many keys while the pending set stays bounded.
  int min_index_pass_records = 65536;
  // The most keys one index transaction takes on: a pass is committed as
  // slices of this size between group commits (record_index.h), because
  // every commit queued behind a slice waits for it (a whole pass at a
  // million records took up to 600 ms; a slice of 4,096 keys at most 52 ms,
  // measured by load_bench).
  int index_slice_records = 4096;
  // With no batch arriving for this long, the writer indexes what is pending.
  absl::Duration idle_before_index_pass = absl::Milliseconds(200);
  // How long a connection waits for a lock held by another process.
  int busy_timeout_ms = 5000;
};

// The embedded Store (schema: schema.cc). Writes go through one writer thread
// that owns the write connection and commits queued CommitBatch calls
// together (group commit): one fsync serves every batch of the group. Reads
// use a second connection (WAL lets them run while the writer writes).
//
// Thread-safe. Destroying the store closes it (see Close()).
class SqliteStore final : public Store {
 public:
  // Counters for monitoring and tests. A snapshot; fields are not read
  // atomically together.
  struct Stats {
    uint64_t transactions = 0;         // group transactions committed
    uint64_t failed_transactions = 0;  // groups whose transaction failed
    uint64_t batches = 0;              // CommitBatch calls completed OK
    size_t queued = 0;                 // calls waiting for the writer
    size_t in_flight = 0;              // calls in the writer's current group
    uint64_t index_passes = 0;         // bulk key-indexing passes completed
    uint64_t index_slices = 0;         // their transactions
    // Commits queue behind a slice, so its length bounds their ack latency.
    absl::Duration longest_index_slice;
    absl::Duration index_pass_time;  // all slices together
    int64_t unindexed_records = 0;   // appended, waiting for a pass
    bool closing = false;            // Close() has begun
  };

  // Opens or creates the database at options.path, applies the pragmas
  // (sqlite/database.h), migrates the schema to the latest version and
  // starts the writer thread. kInvalidArgument for bad options;
  // kFailedPrecondition when the file's schema is newer than this build's.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(
      const SqliteOptions& options);

  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // Stops accepting writes: CommitBatch and UpsertOrganisation then return
  // kUnavailable. Batches already queued are still written; returns once
  // they are and the writer thread has stopped. Reads keep working until the
  // store is destroyed. Idempotent; safe from any thread but the writer.
  void Close();

  Stats GetStats() const;

  // Has the writer index every record appended so far (record_index.h), so
  // that per-key reads of the tables are exact; the store's own reads do this
  // themselves. Returns at once when the store is closing (Close() indexes
  // last). Thread-safe.
  absl::Status IndexAppendedRecords();

  absl::StatusOr<CommitResult> CommitBatch(BatchWrite batch) override;
  absl::StatusOr<std::vector<uint64_t>> DurableSequences(
      const std::string& organisation_code,
      const std::string& submission_id) override;
  absl::StatusOr<uint64_t> RecordsInSubmission(
      const std::string& organisation_code,
      const std::string& submission_id) override;
  absl::StatusOr<std::optional<Organisation>> FindOrganisation(
      const std::string& code) override;
  absl::Status UpsertOrganisation(const Organisation& organisation) override;
  absl::StatusOr<std::vector<Organisation>> ListOrganisations() override;
  absl::StatusOr<std::vector<OrganisationSummary>> Summarise() override;
  absl::StatusOr<std::vector<BatchRetention>> ListRetainedBatches() override;
  // Indexes every appended record first, then deletes in one transaction on
  // the writer connection (holding group commit back for its duration: the
  // purge is a daily job). `records` has no index by batch, so the delete is
  // one scan of the table for the whole purge, not one per batch.
  absl::StatusOr<uint64_t> PurgeBatchRecords(
      const std::vector<BatchKey>& batches) override;
  // Indexes every appended record first, so the snapshot holds exactly one
  // row per record, then reads through a read-only connection of its own in
  // one read transaction (WAL keeps that snapshot while the writer goes on),
  // so a slow consumer never holds the shared reader connection that
  // authorisation uses. An in-memory store scans on its single connection.
  absl::Status ForEachCurrentRecord(const CurrentRecordScan& scan) override;

 private:
  // A connection and the mutex that serialises its use.
  struct Connection {
    absl::Mutex mu;
    std::unique_ptr<sqlite::Database> db ABSL_GUARDED_BY(mu);
  };

  SqliteStore(const SqliteOptions& options,
              std::unique_ptr<sqlite::Database> writer,
              std::unique_ptr<sqlite::Database> reader,
              std::unique_ptr<sqlite::Database> checkpointer,
              int64_t indexed_records, std::vector<AppendedKey> unindexed);

  void WriterLoop();
  // Writes one group of batches (members with a null batch are index
  // requests, answered after the writes) and runs an index pass when one is
  // due. Writer thread only.
  void ProcessGroup(const std::vector<PendingCommit*>& group, bool idle);
  bool IndexPassIsDue() const;
  // Commits the next slice of the pass in progress, starting a pass over
  // everything appended when none is. False when the slice failed (logged;
  // the rows stay durable and the slice is retried later).
  bool IndexOneSlice();
  // Indexes everything pending, slice by slice.
  void IndexEverything();
  int64_t UnindexedRecords() const;

  bool WriterHasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Checkpoints the WAL into the database file on a connection of its own, so
  // the writer never stops for a checkpoint's writes and fsync (they cost the
  // ingest path a quarter of its rate when the writer did them itself).
  void CheckpointLoop();
  bool CheckpointIsDue() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  const size_t max_group_;
  const int64_t min_index_pass_records_;
  const size_t index_slice_records_;
  const int busy_timeout_ms_;
  const absl::Duration idle_before_index_pass_;
  // Writer thread only: records whose keys are indexed, and the keys of those
  // appended since (the next index pass's input).
  int64_t indexed_records_ = 0;
  std::vector<AppendedKey> unindexed_keys_;  // appended since the pass began
  std::optional<IndexPass> pass_;

  mutable absl::Mutex mu_;
  std::deque<PendingCommit*> queue_ ABSL_GUARDED_BY(mu_);
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  Stats stats_ ABSL_GUARDED_BY(mu_);

  // The writer thread holds writer_.mu for each group; UpsertOrganisation
  // takes it too. reader_ is &reader_storage_ for a file database and
  // &writer_ for an in-memory one, which has a single connection.
  Connection writer_;
  Connection reader_storage_;
  Connection* reader_;
  // File databases only: the checkpoint connection, and the commits made
  // since the last checkpoint.
  std::unique_ptr<sqlite::Database> checkpointer_;
  uint64_t commits_since_checkpoint_ ABSL_GUARDED_BY(mu_) = 0;

  absl::Mutex close_mu_;  // serialises Close() so the join happens once
  std::thread writer_thread_ ABSL_GUARDED_BY(close_mu_);
  std::thread checkpoint_thread_ ABSL_GUARDED_BY(close_mu_);
};

}  // namespace equilink::store

#endif  // EQUILINK_SERVER_STORE_SQLITE_STORE_H_
