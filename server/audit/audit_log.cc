#include "server/audit/audit_log.h"

#include <utility>

#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"
#include "common/fault/crash_point.h"
#include "common/status/status_macros.h"
#include "server/audit/audit_schema.h"
#include "server/audit/entry_hash.h"
#include "server/audit/entry_rules.h"
#include "server/store/sqlite/transaction.h"

namespace equilink::audit {
namespace {

using equilink::v1::AuditCheckpoint;
using equilink::v1::AuditEntry;
using store::sqlite::Database;
using store::sqlite::ScopedStatement;
using store::sqlite::Transaction;

struct ChainTail {
  uint64_t sequence = 0;  // 0: the log is empty
  std::string entry_hash;
};

// Read inside the append's write transaction, never cached: the database
// is the single source of truth, so a failed commit leaves nothing stale.
absl::StatusOr<ChainTail> ReadTail(Database* db) {
  EQ_ASSIGN_OR_RETURN(
      ScopedStatement tail,
      db->GetCachedStatement(EQ_SQL_FROM_HERE,
                             "SELECT sequence, entry_hash FROM audit_entry "
                             "ORDER BY sequence DESC LIMIT 1"));
  EQ_ASSIGN_OR_RETURN(const bool found, tail->Step());
  if (!found) return ChainTail{0, GenesisHash()};
  return ChainTail{static_cast<uint64_t>(tail->ColumnInt64(0)),
                   tail->ColumnBlob(1)};
}

absl::Status WithContext(const absl::Status& status, absl::string_view what) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(what, ": ", status.message()));
}

}  // namespace

AuditLog::AuditLog(Options options, std::unique_ptr<CheckpointSigner> signer,
                   std::unique_ptr<Database> db)
    : options_(std::move(options)),
      signer_(std::move(signer)),
      db_(std::move(db)) {}

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(
    Options options, std::unique_ptr<CheckpointSigner> signer) {
  if (signer == nullptr) {
    return absl::InvalidArgumentError("audit log needs a checkpoint signer");
  }
  if (options.max_group_entries == 0) {
    return absl::InvalidArgumentError(
        "audit log max_group_entries must be at least 1");
  }
  Database::Options db_options;
  db_options.path = options.path;
  db_options.busy_timeout_ms = options.busy_timeout_ms;
  // The audit log is small and written one entry at a time; the record
  // store's 64 MiB cache would be wasted here.
  db_options.cache_size = -2048;
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(db_options));
  EQ_RETURN_IF_ERROR(WithContext(
      store::sqlite::Migrate(db.get(), AuditMigrations()), "audit log schema"));
  EQ_ASSIGN_OR_RETURN(
      const int64_t last_checkpoint,
      db->QueryInt64(
          "SELECT coalesce(max(time_unix_micros), 0) FROM audit_checkpoint"));
  auto log = absl::WrapUnique(
      new AuditLog(std::move(options), std::move(signer), std::move(db)));
  log->last_checkpoint_unix_micros_.store(last_checkpoint);
  return log;
}

absl::StatusOr<AuditEntry> AuditLog::Append(const AuditEntry& entry) {
  // Checked before queueing, so one caller's bad entry never fails a group.
  EQ_RETURN_IF_ERROR(ValidateNewEntry(entry));
  Writer self{&entry};
  std::vector<Writer*> group;
  {
    absl::MutexLock lock(&queue_mu_);
    writers_.push_back(&self);
    // Evaluated by absl with queue_mu_ held.
    const auto done_or_head = [this, &self]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return self.done || writers_.front() == &self;
    };
    queue_mu_.Await(absl::Condition(&done_or_head));
    if (self.done) return std::move(self.result);
    // At the head: take everyone queued so far (bounded, so one transaction
    // never grows without limit while callers keep arriving).
    for (Writer* writer : writers_) {
      if (group.size() >= options_.max_group_entries) break;
      group.push_back(writer);
    }
  }
  CommitGroup(group);
  {
    absl::MutexLock lock(&queue_mu_);
    for (Writer* writer : group) {
      writers_.pop_front();
      writer->done = true;
    }
  }
  return std::move(self.result);
}

void AuditLog::CommitGroup(absl::Span<Writer* const> group) {
  std::vector<AuditEntry> stored;
  stored.reserve(group.size());
  absl::Status status;
  int64_t checkpoint_micros = 0;
  {
    absl::MutexLock lock(&mu_);
    status = CommitGroupLocked(group, &stored, &checkpoint_micros);
  }
  if (status.ok()) {
    entries_appended_.fetch_add(group.size(), std::memory_order_relaxed);
    if (checkpoint_micros != 0) {
      last_checkpoint_unix_micros_.store(checkpoint_micros,
                                         std::memory_order_relaxed);
    }
  }
  for (size_t i = 0; i < group.size(); ++i) {
    if (status.ok()) {
      group[i]->result = std::move(stored[i]);
    } else {
      group[i]->result = status;
    }
  }
}

absl::Status AuditLog::CommitGroupLocked(absl::Span<Writer* const> group,
                                         std::vector<AuditEntry>* stored,
                                         int64_t* checkpoint_micros) {
  static const std::string* const kInsertSql = new std::string(
      absl::StrCat("INSERT INTO audit_entry (", kEntryColumns,
                   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                   "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)"));
  EQ_ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(db_.get()));
  EQ_ASSIGN_OR_RETURN(const ChainTail tail, ReadTail(db_.get()));
  uint64_t sequence = tail.sequence;
  std::string previous_hash = tail.entry_hash;
  const int64_t now = absl::ToUnixMicros(options_.clock());
  for (Writer* writer : group) {
    AuditEntry& entry = stored->emplace_back(*writer->entry);
    entry.set_sequence(++sequence);
    entry.set_time_unix_micros(now);
    entry.set_previous_hash(std::move(previous_hash));
    entry.set_entry_hash(ComputeEntryHash(entry));
    previous_hash = entry.entry_hash();
    {
      EQ_ASSIGN_OR_RETURN(
          ScopedStatement insert,
          db_->GetCachedStatement(EQ_SQL_FROM_HERE, kInsertSql->c_str()));
      EQ_RETURN_IF_ERROR(BindEntry(entry, &*insert));
      EQ_RETURN_IF_ERROR(WithContext(insert->Run(), "append audit entry"));
    }
    if (options_.checkpoint_interval != 0 &&
        entry.sequence() % options_.checkpoint_interval == 0) {
      EQ_RETURN_IF_ERROR(InsertCheckpoint(entry.sequence(), entry.entry_hash(),
                                          entry.time_unix_micros())
                             .status());
      *checkpoint_micros = entry.time_unix_micros();
    }
  }
  fault::CrashPoint("audit.append.before");
  EQ_RETURN_IF_ERROR(WithContext(transaction.Commit(), "commit audit entry"));
  fault::CrashPoint("audit.append.after");
  return absl::OkStatus();
}

absl::StatusOr<AuditCheckpoint> AuditLog::MakeCheckpoint() {
  absl::MutexLock lock(&mu_);
  EQ_ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(db_.get()));
  EQ_ASSIGN_OR_RETURN(const ChainTail tail, ReadTail(db_.get()));
  if (tail.sequence == 0) {
    return absl::FailedPreconditionError(
        "audit log is empty; nothing to checkpoint");
  }
  AuditCheckpoint checkpoint;
  {
    EQ_ASSIGN_OR_RETURN(
        ScopedStatement existing,
        db_->GetCachedStatement(
            EQ_SQL_FROM_HERE,
            "SELECT sequence, entry_hash, time_unix_micros, key_id, signature "
            "FROM audit_checkpoint WHERE sequence = ?1"));
    EQ_RETURN_IF_ERROR(
        existing->BindInt64(0, static_cast<int64_t>(tail.sequence)));
    EQ_ASSIGN_OR_RETURN(const bool found, existing->Step());
    if (found) return CheckpointFromRow(*existing);
  }
  EQ_ASSIGN_OR_RETURN(checkpoint,
                      InsertCheckpoint(tail.sequence, tail.entry_hash,
                                       absl::ToUnixMicros(options_.clock())));
  EQ_RETURN_IF_ERROR(
      WithContext(transaction.Commit(), "commit audit checkpoint"));
  last_checkpoint_unix_micros_.store(checkpoint.time_unix_micros(),
                                     std::memory_order_relaxed);
  return checkpoint;
}

absl::StatusOr<AuditCheckpoint> AuditLog::InsertCheckpoint(
    uint64_t sequence, const std::string& entry_hash,
    int64_t time_unix_micros) {
  AuditCheckpoint checkpoint;
  checkpoint.set_sequence(sequence);
  checkpoint.set_entry_hash(entry_hash);
  checkpoint.set_time_unix_micros(time_unix_micros);
  checkpoint.set_key_id(signer_->key_id());
  EQ_ASSIGN_OR_RETURN(std::string signature,
                      signer_->Sign(CheckpointSignedBytes(checkpoint)));
  checkpoint.set_signature(std::move(signature));

  EQ_ASSIGN_OR_RETURN(
      ScopedStatement insert,
      db_->GetCachedStatement(
          EQ_SQL_FROM_HERE,
          "INSERT INTO audit_checkpoint VALUES (?1, ?2, ?3, ?4, ?5)"));
  EQ_RETURN_IF_ERROR(
      insert->BindInt64(0, static_cast<int64_t>(checkpoint.sequence())));
  EQ_RETURN_IF_ERROR(insert->BindBlob(1, checkpoint.entry_hash()));
  EQ_RETURN_IF_ERROR(insert->BindInt64(2, checkpoint.time_unix_micros()));
  EQ_RETURN_IF_ERROR(insert->BindText(3, checkpoint.key_id()));
  EQ_RETURN_IF_ERROR(insert->BindBlob(4, checkpoint.signature()));
  EQ_RETURN_IF_ERROR(WithContext(insert->Run(), "store audit checkpoint"));
  return checkpoint;
}

absl::StatusOr<std::vector<AuditCheckpoint>> AuditLog::Checkpoints(
    uint64_t after_sequence) {
  absl::MutexLock lock(&mu_);
  EQ_ASSIGN_OR_RETURN(
      ScopedStatement select,
      db_->GetCachedStatement(
          EQ_SQL_FROM_HERE,
          "SELECT sequence, entry_hash, time_unix_micros, key_id, signature "
          "FROM audit_checkpoint WHERE sequence > ?1 ORDER BY sequence"));
  EQ_RETURN_IF_ERROR(
      select->BindInt64(0, static_cast<int64_t>(after_sequence)));
  return ReadCheckpointRows(&*select);
}

}  // namespace equilink::audit
