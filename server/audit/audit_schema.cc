#include "server/audit/audit_schema.h"

#include <cstdint>
#include <vector>

#include "common/status/status_macros.h"

namespace equilink::audit {
namespace {

using equilink::v1::AuditCheckpoint;
using equilink::v1::AuditEntry;

// Released steps are never edited; a schema change is a new step.
constexpr store::sqlite::Migration kMigrations[] = {
    {1,
     // The triggers stop accidental edits by anyone using the gateway's own
     // code paths or a careless shell session. They are not the security
     // boundary (anyone who can write the file can drop them); the hash
     // chain and the published checkpoints are.
     "CREATE TABLE audit_entry ("
     "  sequence INTEGER PRIMARY KEY CHECK (sequence > 0),"
     "  time_unix_micros INTEGER NOT NULL,"
     "  organisation_code TEXT NOT NULL,"
     "  role TEXT NOT NULL,"
     "  action TEXT NOT NULL,"
     "  decision INTEGER NOT NULL,"
     "  rule_id TEXT NOT NULL,"
     "  reason TEXT NOT NULL,"
     "  agreement_id TEXT NOT NULL,"
     "  agreement_version INTEGER NOT NULL,"
     "  agreement_version_hash BLOB NOT NULL,"
     "  records_accepted INTEGER NOT NULL,"
     "  records_rejected INTEGER NOT NULL,"
     "  records_quarantined INTEGER NOT NULL,"
     "  records_opted_out INTEGER NOT NULL,"
     "  request_id TEXT NOT NULL,"
     "  previous_hash BLOB NOT NULL,"
     "  entry_hash BLOB NOT NULL"
     ") STRICT;"
     "CREATE TABLE audit_checkpoint ("
     "  sequence INTEGER PRIMARY KEY CHECK (sequence > 0),"
     "  entry_hash BLOB NOT NULL,"
     "  time_unix_micros INTEGER NOT NULL,"
     "  key_id TEXT NOT NULL,"
     "  signature BLOB NOT NULL"
     ") STRICT;"
     "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry"
     "  BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;"
     "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry"
     "  BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;"
     "CREATE TRIGGER audit_checkpoint_no_update"
     "  BEFORE UPDATE ON audit_checkpoint"
     "  BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;"
     "CREATE TRIGGER audit_checkpoint_no_delete"
     "  BEFORE DELETE ON audit_checkpoint"
     "  BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;"},
    // The member of staff who acted (urn:equilink:person:<id>), for
    // governance decisions; empty for organisation certificates. Hashed since
    // this step (entry_hash.h).
    {2, "ALTER TABLE audit_entry ADD COLUMN person TEXT NOT NULL DEFAULT '';"},
};

// SQLite integers are signed 64-bit; unsigned proto fields round-trip
// through their two's complement bit pattern.
int64_t AsSql(uint64_t value) { return static_cast<int64_t>(value); }
uint64_t FromSql(int64_t value) { return static_cast<uint64_t>(value); }

}  // namespace

absl::Span<const store::sqlite::Migration> AuditMigrations() {
  return kMigrations;
}

int AuditSchemaVersion() { return AuditMigrations().back().version; }

AuditEntry EntryFromRow(const store::sqlite::Statement& row) {
  AuditEntry entry;
  entry.set_sequence(FromSql(row.ColumnInt64(0)));
  entry.set_time_unix_micros(row.ColumnInt64(1));
  entry.mutable_principal()->set_organisation_code(row.ColumnText(2));
  entry.mutable_principal()->set_role(row.ColumnText(3));
  entry.set_action(row.ColumnText(4));
  // Kept as the stored number even if out of the enum's range, so the hash
  // check sees exactly what was stored.
  entry.set_decision(
      static_cast<equilink::v1::AuditDecision>(row.ColumnInt64(5)));
  entry.set_rule_id(row.ColumnText(6));
  entry.set_reason(row.ColumnText(7));
  entry.set_agreement_id(row.ColumnText(8));
  entry.set_agreement_version(FromSql(row.ColumnInt64(9)));
  entry.set_agreement_version_hash(row.ColumnBlob(10));
  entry.mutable_counts()->set_records_accepted(FromSql(row.ColumnInt64(11)));
  entry.mutable_counts()->set_records_rejected(FromSql(row.ColumnInt64(12)));
  entry.mutable_counts()->set_records_quarantined(FromSql(row.ColumnInt64(13)));
  entry.mutable_counts()->set_records_opted_out(FromSql(row.ColumnInt64(14)));
  entry.set_request_id(row.ColumnText(15));
  entry.set_previous_hash(row.ColumnBlob(16));
  entry.set_entry_hash(row.ColumnBlob(17));
  entry.mutable_principal()->set_person(row.ColumnText(18));
  return entry;
}

absl::Status BindEntry(const AuditEntry& entry,
                       store::sqlite::Statement* statement) {
  EQ_RETURN_IF_ERROR(statement->BindInt64(0, AsSql(entry.sequence())));
  EQ_RETURN_IF_ERROR(statement->BindInt64(1, entry.time_unix_micros()));
  EQ_RETURN_IF_ERROR(
      statement->BindText(2, entry.principal().organisation_code()));
  EQ_RETURN_IF_ERROR(statement->BindText(3, entry.principal().role()));
  EQ_RETURN_IF_ERROR(statement->BindText(4, entry.action()));
  EQ_RETURN_IF_ERROR(statement->BindInt64(5, entry.decision()));
  EQ_RETURN_IF_ERROR(statement->BindText(6, entry.rule_id()));
  EQ_RETURN_IF_ERROR(statement->BindText(7, entry.reason()));
  EQ_RETURN_IF_ERROR(statement->BindText(8, entry.agreement_id()));
  EQ_RETURN_IF_ERROR(statement->BindInt64(9, AsSql(entry.agreement_version())));
  EQ_RETURN_IF_ERROR(statement->BindBlob(10, entry.agreement_version_hash()));
  const equilink::v1::AuditCounts& counts = entry.counts();
  EQ_RETURN_IF_ERROR(
      statement->BindInt64(11, AsSql(counts.records_accepted())));
  EQ_RETURN_IF_ERROR(
      statement->BindInt64(12, AsSql(counts.records_rejected())));
  EQ_RETURN_IF_ERROR(
      statement->BindInt64(13, AsSql(counts.records_quarantined())));
  EQ_RETURN_IF_ERROR(
      statement->BindInt64(14, AsSql(counts.records_opted_out())));
  EQ_RETURN_IF_ERROR(statement->BindText(15, entry.request_id()));
  EQ_RETURN_IF_ERROR(statement->BindBlob(16, entry.previous_hash()));
  EQ_RETURN_IF_ERROR(statement->BindBlob(17, entry.entry_hash()));
  return statement->BindText(18, entry.principal().person());
}

AuditCheckpoint CheckpointFromRow(const store::sqlite::Statement& row) {
  AuditCheckpoint checkpoint;
  checkpoint.set_sequence(FromSql(row.ColumnInt64(0)));
  checkpoint.set_entry_hash(row.ColumnBlob(1));
  checkpoint.set_time_unix_micros(row.ColumnInt64(2));
  checkpoint.set_key_id(row.ColumnText(3));
  checkpoint.set_signature(row.ColumnBlob(4));
  return checkpoint;
}

absl::StatusOr<std::vector<AuditCheckpoint>> ReadCheckpointRows(
    store::sqlite::Statement* select) {
  std::vector<AuditCheckpoint> checkpoints;
  while (true) {
    EQ_ASSIGN_OR_RETURN(const bool row, select->Step());
    if (!row) break;
    checkpoints.push_back(CheckpointFromRow(*select));
  }
  return checkpoints;
}

}  // namespace equilink::audit
