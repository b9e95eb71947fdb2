#include "server/store/group_commit.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/fault/crash_point.h"
#include "common/status/status_macros.h"
#include "server/store/sqlite/error.h"
#include "server/store/sqlite/statement.h"
#include "server/store/sqlite/transaction.h"

namespace equilink::store {
namespace {

using sqlite::Database;
using sqlite::ScopedStatement;

absl::Status WithContext(const absl::Status& status, absl::string_view what) {
  return absl::Status(status.code(),
                      absl::StrCat(what, ": ", status.message()));
}

// Looks the batch up; fills `result` and returns true when it is stored.
absl::StatusOr<bool> FindStored(Database* db, const BatchWrite& batch,
                                CommitResult* result) {
  EQ_ASSIGN_OR_RETURN(
      ScopedStatement find,
      db->GetCachedStatement(EQ_SQL_FROM_HERE,
                             "SELECT ack FROM batches WHERE org_code = ?1 AND "
                             "submission_id = ?2 AND sequence = ?3"));
  EQ_RETURN_IF_ERROR(find->BindText(0, batch.organisation_code));
  EQ_RETURN_IF_ERROR(find->BindText(1, batch.submission_id));
  EQ_RETURN_IF_ERROR(find->BindInt64(2, static_cast<int64_t>(batch.sequence)));
  EQ_ASSIGN_OR_RETURN(bool found, find->Step());
  if (found) {
    result->already_stored = true;
    result->ack = find->ColumnBlob(0);
  }
  return found;
}

absl::Status InsertBatchRow(Database* db, const BatchWrite& batch,
                            int64_t now_unix_ms) {
  EQ_ASSIGN_OR_RETURN(
      ScopedStatement insert,
      db->GetCachedStatement(
          EQ_SQL_FROM_HERE,
          "INSERT INTO batches (org_code, submission_id, sequence, dataset_id, "
          "key_id, record_count, ack, committed_at, live_records, "
          "agreement_id, agreement_version) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?6, ?9, ?10)"));
  EQ_RETURN_IF_ERROR(insert->BindText(0, batch.organisation_code));
  EQ_RETURN_IF_ERROR(insert->BindText(1, batch.submission_id));
  EQ_RETURN_IF_ERROR(
      insert->BindInt64(2, static_cast<int64_t>(batch.sequence)));
  EQ_RETURN_IF_ERROR(insert->BindText(3, batch.dataset_id));
  EQ_RETURN_IF_ERROR(insert->BindText(4, batch.key_id));
  EQ_RETURN_IF_ERROR(
      insert->BindInt64(5, static_cast<int64_t>(batch.records.size())));
  EQ_RETURN_IF_ERROR(insert->BindBlob(6, batch.ack));
  EQ_RETURN_IF_ERROR(insert->BindInt64(7, now_unix_ms));
  EQ_RETURN_IF_ERROR(insert->BindText(8, batch.agreement_id));
  EQ_RETURN_IF_ERROR(insert->BindInt64(9, batch.agreement_version));
  return WithContext(insert->Run(), "batch row");
}

// Quarantined records are few (out-of-scope records are the exception), so
// a plain insert each is fine; they never enter `records` or its index.
absl::Status InsertQuarantined(Database* db, const BatchWrite& batch,
                               int64_t now_unix_ms) {
  if (batch.quarantined.empty()) return absl::OkStatus();
  EQ_ASSIGN_OR_RETURN(
      ScopedStatement insert,
      db->GetCachedStatement(
          EQ_SQL_FROM_HERE,
          "INSERT INTO quarantined_records (org_code, record_pseudonym, "
          "submission_id, sequence, rule, payload, stored_at) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  EQ_RETURN_IF_ERROR(insert->BindText(0, batch.organisation_code));
  EQ_RETURN_IF_ERROR(insert->BindText(2, batch.submission_id));
  EQ_RETURN_IF_ERROR(
      insert->BindInt64(3, static_cast<int64_t>(batch.sequence)));
  EQ_RETURN_IF_ERROR(insert->BindInt64(6, now_unix_ms));
  for (const QuarantinedRow& row : batch.quarantined) {
    EQ_RETURN_IF_ERROR(insert->BindBlob(1, row.record_pseudonym));
    EQ_RETURN_IF_ERROR(insert->BindText(4, row.rule));
    EQ_RETURN_IF_ERROR(insert->BindBlob(5, row.payload));
    EQ_RETURN_IF_ERROR(WithContext(insert->Run(), "quarantined record"));
    insert->Reset(/*clear_bindings=*/false);
  }
  return absl::OkStatus();
}

// The hot loop: one append per record, into the end of `records` and no
// index (record_index.h indexes keys later, in bulk). The statement is cached,
// the columns shared by the batch are bound once, and each row rebinds only its
// key and payload without copying them (the batch outlives the statement's
// use).
absl::Status AppendRecords(Database* db, const BatchWrite& batch,
                           int64_t now_unix_ms,
                           std::vector<int64_t>* appended_ids) {
  EQ_ASSIGN_OR_RETURN(
      ScopedStatement append,
      db->GetCachedStatement(
          EQ_SQL_FROM_HERE,
          "INSERT INTO records (org_code, record_pseudonym, submission_id, "
          "sequence, payload, stored_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  EQ_RETURN_IF_ERROR(append->BindText(0, batch.organisation_code));
  EQ_RETURN_IF_ERROR(append->BindText(2, batch.submission_id));
  EQ_RETURN_IF_ERROR(
      append->BindInt64(3, static_cast<int64_t>(batch.sequence)));
  EQ_RETURN_IF_ERROR(append->BindInt64(5, now_unix_ms));
  for (size_t i = 0; i < batch.records.size(); ++i) {
    const RecordRow& record = batch.records[i];
    absl::Status status = append->BindBlob(1, record.record_pseudonym);
    if (status.ok()) status = append->BindBlob(4, record.payload);
    if (status.ok()) status = append->Run();
    if (!status.ok()) {
      return WithContext(status, absl::StrCat("record ", i, " of batch"));
    }
    appended_ids->push_back(db->LastInsertRowid());
    append->Reset(/*clear_bindings=*/false);
  }
  return absl::OkStatus();
}

absl::Status WriteBatch(Database* db, int64_t now_unix_ms,
                        PendingCommit* pending) {
  const BatchWrite& batch = *pending->batch;
  pending->result = CommitResult();
  pending->appended_ids.clear();
  EQ_ASSIGN_OR_RETURN(bool stored, FindStored(db, batch, &pending->result));
  if (stored) return absl::OkStatus();
  EQ_RETURN_IF_ERROR(InsertBatchRow(db, batch, now_unix_ms));
  EQ_RETURN_IF_ERROR(InsertQuarantined(db, batch, now_unix_ms));
  pending->appended_ids.reserve(batch.records.size());
  return AppendRecords(db, batch, now_unix_ms, &pending->appended_ids);
}

// One attempt at the group's transaction. Returns null once committed, or
// the member whose data broke a constraint (its `status` is set and the
// transaction has been rolled back), or the error that failed the group.
absl::StatusOr<PendingCommit*> TryGroup(
    Database* db, const std::vector<PendingCommit*>& members,
    int64_t now_unix_ms) {
  EQ_ASSIGN_OR_RETURN(sqlite::Transaction transaction,
                      sqlite::Transaction::Begin(db));
  for (PendingCommit* pending : members) {
    absl::Status status = WriteBatch(db, now_unix_ms, pending);
    if (status.ok()) continue;
    if (!sqlite::IsDataError(status)) return status;
    pending->status = status;
    return pending;  // `transaction` rolls back
  }
  fault::CrashPoint("store.commit.before");
  EQ_RETURN_IF_ERROR(transaction.Commit());
  fault::CrashPoint("store.commit.after");  // durable, not yet acknowledged
  return nullptr;
}

}  // namespace

absl::Status WriteGroup(Database* db, absl::Span<PendingCommit* const> group,
                        int64_t now_unix_ms) {
  // Optimistic: no savepoint per batch, because each one writes a
  // sub-journal and measured ~35% slower. A batch whose data breaks a
  // constraint is rare (records are validated upstream); it costs the group
  // a rollback and a retry without it.
  std::vector<PendingCommit*> members(group.begin(), group.end());
  while (!members.empty()) {
    EQ_ASSIGN_OR_RETURN(PendingCommit * rejected,
                        TryGroup(db, members, now_unix_ms));
    if (rejected == nullptr) break;
    std::erase(members, rejected);
  }
  for (PendingCommit* pending : members) {
    if (!pending->result.already_stored) {
      pending->result.ack = std::move(pending->batch->ack);
    }
  }
  return absl::OkStatus();
}

}  // namespace equilink::store
