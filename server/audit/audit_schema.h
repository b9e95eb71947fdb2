#ifndef EQUILINK_SERVER_AUDIT_AUDIT_SCHEMA_H_
#define EQUILINK_SERVER_AUDIT_AUDIT_SCHEMA_H_

// The audit database's schema and row mapping, shared by the writer
// (AuditLog) and the reader (VerifyAuditLog). Entries are stored one column
// per field rather than as a serialized proto, so an operator can read the
// trail with the sqlite3 shell and so the verifier hashes exactly what is
// stored.

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "equilink/v1/audit.pb.h"
#include "server/store/sqlite/migration.h"
#include "server/store/sqlite/statement.h"

namespace equilink::audit {

// The schema steps for store::sqlite::Migrate.
absl::Span<const store::sqlite::Migration> AuditMigrations();

// The version the last migration step leaves in PRAGMA user_version.
int AuditSchemaVersion();

// Every entry column in the order EntryFromRow and BindEntry use; the
// statement text is "SELECT <kEntryColumns> FROM audit_entry ..." and
// "INSERT INTO audit_entry (<kEntryColumns>) VALUES (...)". `person` is last
// because schema step 2 added it with ALTER TABLE.
inline constexpr char kEntryColumns[] =
    "sequence, time_unix_micros, organisation_code, role, action, decision, "
    "rule_id, reason, agreement_id, agreement_version, agreement_version_hash, "
    "records_accepted, records_rejected, records_quarantined, "
    "records_opted_out, request_id, previous_hash, entry_hash, person";
inline constexpr int kEntryColumnCount = 19;

inline constexpr char kCheckpointColumns[] =
    "sequence, entry_hash, time_unix_micros, key_id, signature";

// Reads the current row of a statement that selected kEntryColumns first.
equilink::v1::AuditEntry EntryFromRow(const store::sqlite::Statement& row);

// Binds every field of `entry` to parameters 0..kEntryColumnCount-1, in
// kEntryColumns order. `entry` must outlive the statement's next Reset
// (bindings are not copied).
absl::Status BindEntry(const equilink::v1::AuditEntry& entry,
                       store::sqlite::Statement* statement);

// Reads the current row of a statement that selected kCheckpointColumns.
equilink::v1::AuditCheckpoint CheckpointFromRow(
    const store::sqlite::Statement& row);

// Steps `select`, which selected kCheckpointColumns, to its end and returns
// every row.
absl::StatusOr<std::vector<equilink::v1::AuditCheckpoint>> ReadCheckpointRows(
    store::sqlite::Statement* select);

}  // namespace equilink::audit

#endif  // EQUILINK_SERVER_AUDIT_AUDIT_SCHEMA_H_
