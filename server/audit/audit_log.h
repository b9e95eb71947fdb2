#ifndef EQUILINK_SERVER_AUDIT_AUDIT_LOG_H_
#define EQUILINK_SERVER_AUDIT_AUDIT_LOG_H_

// The gateway's decision log: append-only, hash-chained (entry_hash.h), in
// its own SQLite file, with Ed25519-signed checkpoints that pin the chain.
//
// Fail closed: a caller appends the decision BEFORE answering its own caller
// and, if Append returns an error, fails the action it was deciding. An
// Append that returned OK is durable (committed with synchronous=FULL).
//
// No identifiers and no tokens: the schema has no field for one, and
// Append refuses free text shaped like one (entry_rules.h).
//
// Group commit: every commit is an fsync, which bounds a one-entry-per-commit
// log to a few hundred appends a second on ordinary disks. Concurrent Append
// callers queue; the caller at the head of the queue writes every queued
// entry in one transaction and hands each caller its own stored entry (the
// leveldb writer queue). Sequences stay gapless because only the head writes.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "equilink/v1/audit.pb.h"
#include "server/audit/checkpoint_signer.h"
#include "server/store/sqlite/database.h"

namespace equilink::audit {

class AuditLog {
 public:
  struct Options {
    // The audit database file; created (with its schema) when missing. Keep
    // it apart from the record store so it can be retained and shipped
    // separately.
    std::string path;
    // Sign a checkpoint, in the same transaction, after every this many
    // entries. 0 leaves checkpoints to MakeCheckpoint().
    uint64_t checkpoint_interval = 1000;
    // How long Append waits for another connection's write lock before
    // failing with kUnavailable.
    int busy_timeout_ms = 5000;
    // Most queued entries written in one transaction: enough to amortise the
    // fsync many times over, few enough that a transaction stays short. 1
    // writes every entry in its own transaction (the benchmark's baseline).
    // Must be at least 1.
    size_t max_group_entries = 256;
    // The source of entry and checkpoint times; tests inject a fixed clock.
    std::function<absl::Time()> clock = [] { return absl::Now(); };
  };

  // Opens or creates the log and brings its schema up to date. `signer`
  // signs every checkpoint this log makes. Errors come from SQLite
  // (store/sqlite/error.h) or InvalidArgument for a null signer or a
  // max_group_entries of 0.
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(
      Options options, std::unique_ptr<CheckpointSigner> signer);

  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Assigns the next sequence, the time and the previous hash, computes the
  // entry hash, and commits the entry durably (with a checkpoint when one is
  // due). Returns the stored entry. InvalidArgument when ValidateNewEntry
  // refuses `entry`; kUnavailable when the database stays locked; any other
  // SQLite or signing error as is. On error nothing is stored and the caller
  // must fail the action. Thread-safe; concurrent appends share one
  // transaction (see above), and when it fails every caller in it gets the
  // error and none of their entries is stored.
  absl::StatusOr<equilink::v1::AuditEntry> Append(
      const equilink::v1::AuditEntry& entry);

  // Signs and stores a checkpoint at the newest entry, or returns the one
  // already there. FailedPrecondition when the log is empty. Thread-safe.
  absl::StatusOr<equilink::v1::AuditCheckpoint> MakeCheckpoint();

  // Every checkpoint with a sequence above `after_sequence`, oldest first,
  // for publishing (checkpoint_export.h). Thread-safe.
  absl::StatusOr<std::vector<equilink::v1::AuditCheckpoint>> Checkpoints(
      uint64_t after_sequence = 0);

  const std::string& key_id() const { return signer_->key_id(); }

  // The database file, for readers that open it themselves
  // (ReadStoredAuditLog).
  const std::string& path() const { return options_.path; }

  // Entries durably appended through this object since it was opened: the
  // gateway's metrics counter. Thread-safe.
  uint64_t entries_appended() const {
    return entries_appended_.load(std::memory_order_relaxed);
  }

  // When the newest checkpoint in the log was signed (read at open, then kept
  // up to date by this object); nullopt when the log has none. Thread-safe.
  std::optional<absl::Time> last_checkpoint_time() const {
    const int64_t micros =
        last_checkpoint_unix_micros_.load(std::memory_order_relaxed);
    if (micros == 0) return std::nullopt;
    return absl::FromUnixMicros(micros);
  }

  // The checkpoint signing key's public half (SubjectPublicKeyInfo PEM), which
  // auditors verify checkpoints against.
  absl::StatusOr<std::string> PublicKeyPem() const {
    return signer_->PublicKeyPem();
  }

 private:
  // One caller of Append waiting in the queue.
  struct Writer {
    const equilink::v1::AuditEntry* entry;
    absl::StatusOr<equilink::v1::AuditEntry> result =
        absl::UnknownError("not written");
    bool done = false;
  };

  AuditLog(Options options, std::unique_ptr<CheckpointSigner> signer,
           std::unique_ptr<store::sqlite::Database> db);

  // Writes every entry of `group` in one transaction and sets each writer's
  // result; on failure every result is the error.
  void CommitGroup(absl::Span<Writer* const> group) ABSL_LOCKS_EXCLUDED(mu_);
  // `checkpoint_micros` is set to the time of the newest checkpoint the group
  // signed, and left alone when it signed none.
  absl::Status CommitGroupLocked(absl::Span<Writer* const> group,
                                 std::vector<equilink::v1::AuditEntry>* stored,
                                 int64_t* checkpoint_micros)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Signs a checkpoint over (sequence, entry_hash, time) and inserts it.
  // REQUIRES: a transaction is open on db_.
  absl::StatusOr<equilink::v1::AuditCheckpoint> InsertCheckpoint(
      uint64_t sequence, const std::string& entry_hash,
      int64_t time_unix_micros) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  const std::unique_ptr<CheckpointSigner> signer_;
  // Guards the queue only; never held during I/O.
  absl::Mutex queue_mu_;
  std::deque<Writer*> writers_ ABSL_GUARDED_BY(queue_mu_);
  absl::Mutex mu_;
  // One writer connection, so the tail read and the insert of an append see
  // the same chain.
  const std::unique_ptr<store::sqlite::Database> db_ ABSL_PT_GUARDED_BY(mu_);
  // Read by the metrics scrape without taking mu_, which an append can hold
  // for an fsync.
  std::atomic<uint64_t> entries_appended_{0};
  std::atomic<int64_t> last_checkpoint_unix_micros_{0};  // 0: none
};

}  // namespace equilink::audit

#endif  // EQUILINK_SERVER_AUDIT_AUDIT_LOG_H_
