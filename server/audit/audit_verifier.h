#ifndef EQUILINK_SERVER_AUDIT_AUDIT_VERIFIER_H_
#define EQUILINK_SERVER_AUDIT_AUDIT_VERIFIER_H_

// `equilink audit verify`: recomputes an audit log's hash chain and checks
// every checkpoint, naming the first entry that was altered, removed or
// reordered.
//
// What it can and cannot see: any edit, deletion or reordering of entries
// before the newest checkpoint is caught; so is any edit inside the chain
// that was not followed by rehashing every later entry. Someone who can write
// the file can still rehash the whole chain and re-sign nothing: only the
// checkpoints then disagree, which is why they are published elsewhere and
// passed back in here (RFC 6962's gossip idea). Deleting checkpoint rows is
// invisible without the published copies.

#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "equilink/v1/audit.pb.h"
#include "server/audit/checkpoint_signer.h"

namespace equilink::audit {

// Opens `database_path` read-only and verifies it against `verifier`'s public
// key, taking the checkpoints stored in the log together with
// `published_checkpoints` (e.g. from ParseCheckpointJsonLines).
//
// Returns a report with ok=false and the first problem, ordered by entry
// sequence (at equal sequence an entry problem is named before a checkpoint
// problem), when the log has been tampered with. Returns an error only when
// the log cannot be read: NotFound for a missing file, FailedPrecondition for
// a file that is not an audit log of this schema version, SQLite errors as is.
// The same verification over entries and checkpoints already read, e.g. by
// ReadStoredAuditLog here or streamed from the gateway to `equilink audit
// verify`. `entries_in_stored_order` must be the log from its first entry, in
// the order stored (a log that does not start at sequence 1 is reported as
// entry 1 removed); `checkpoints` in any order, stored and published alike.
// Tampering is reported in the report, never as an error (the StatusOr is
// the interface the gateway's callers share with VerifyAuditLog; treat an
// error as a failed verification). Memory: one hash table over the entries,
// built only when a chain link is broken.
absl::StatusOr<equilink::v1::AuditVerifyReport> VerifyAuditEntries(
    absl::Span<const equilink::v1::AuditEntry> entries_in_stored_order,
    absl::Span<const equilink::v1::AuditCheckpoint> checkpoints,
    const CheckpointVerifier& verifier);

absl::StatusOr<equilink::v1::AuditVerifyReport> VerifyAuditLog(
    const std::string& database_path, const CheckpointVerifier& verifier,
    absl::Span<const equilink::v1::AuditCheckpoint> published_checkpoints = {});

}  // namespace equilink::audit

#endif  // EQUILINK_SERVER_AUDIT_AUDIT_VERIFIER_H_
