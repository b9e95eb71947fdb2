#include "server/audit/audit_log.h"

#include <utility>

#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"
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
  Database::Options db_options;
  db_options.path = options.path;
  db_options.busy_timeout_ms = options.busy_timeout_ms;
  // The audit log is small and written one entry at a time; the record
  // store's 64 MiB cache would be wasted here.
  db_options.cache_size = -2048;
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(db_options));
  EQ_RETURN_IF_ERROR(WithContext(
      store::sqlite::Migrate(db.get(), AuditMigrations()), "audit log schema"));
  return absl::WrapUnique(
      new AuditLog(std::move(options), std::move(signer), std::move(db)));
}

absl::StatusOr<AuditEntry> AuditLog::Append(const AuditEntry& entry) {
  EQ_RETURN_IF_ERROR(ValidateNewEntry(entry));
  absl::MutexLock lock(&mu_);
  EQ_ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(db_.get()));
  EQ_ASSIGN_OR_RETURN(const ChainTail tail, ReadTail(db_.get()));

  AuditEntry stored = entry;
  stored.set_sequence(tail.sequence + 1);
  stored.set_time_unix_micros(absl::ToUnixMicros(options_.clock()));
  stored.set_previous_hash(tail.entry_hash);
  stored.set_entry_hash(ComputeEntryHash(stored));
  {
    EQ_ASSIGN_OR_RETURN(
        ScopedStatement insert,
        db_->GetCachedStatement(
            EQ_SQL_FROM_HERE,
            "INSERT INTO audit_entry VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
            "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"));
    EQ_RETURN_IF_ERROR(BindEntry(stored, &*insert));
    EQ_RETURN_IF_ERROR(WithContext(insert->Run(), "append audit entry"));
  }
  if (options_.checkpoint_interval != 0 &&
      stored.sequence() % options_.checkpoint_interval == 0) {
    EQ_RETURN_IF_ERROR(InsertCheckpoint(stored.sequence(), stored.entry_hash(),
                                        stored.time_unix_micros())
                           .status());
  }
  EQ_RETURN_IF_ERROR(WithContext(transaction.Commit(), "commit audit entry"));
  return stored;
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
