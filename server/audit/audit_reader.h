#ifndef EQUILINK_SERVER_AUDIT_AUDIT_READER_H_
#define EQUILINK_SERVER_AUDIT_AUDIT_READER_H_

// Reads an audit database exactly as stored, for shipping it to an auditor
// (GovernanceService.ListAuditEntries) and for VerifyAuditLog. Nothing here
// checks the chain: a reader that "fixed" what it read would hide the
// tampering the verifier exists to find.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "equilink/v1/audit.pb.h"

namespace equilink::audit {

struct StoredAuditLog {
  // In rowid order, which is the order the rows sit in the table (sequence is
  // the rowid), so rows whose sequences were swapped come back swapped.
  std::vector<equilink::v1::AuditEntry> entries;
  std::vector<equilink::v1::AuditCheckpoint> checkpoints;
};

// Opens `database_path` read-only (never creating it) and returns the entries
// with a sequence above `after_sequence`, at most `limit` of them (0: all),
// and the checkpoints that belong with them: those above `after_sequence` up
// to the last entry returned, or every one above `after_sequence` when this
// page reaches the end of the log (so a checkpoint past a truncated tail is
// still shipped). Another connection may append meanwhile; the read is one
// snapshot. NotFound for a missing file; FailedPrecondition for a file that is
// not an audit log of this schema version; SQLite errors as is.
absl::StatusOr<StoredAuditLog> ReadStoredAuditLog(
    const std::string& database_path, uint64_t after_sequence, uint64_t limit);

}  // namespace equilink::audit

#endif  // EQUILINK_SERVER_AUDIT_AUDIT_READER_H_
