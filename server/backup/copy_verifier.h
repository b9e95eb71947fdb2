#ifndef EQUILINK_SERVER_BACKUP_COPY_VERIFIER_H_
#define EQUILINK_SERVER_BACKUP_COPY_VERIFIER_H_

// Checks copies of the gateway's databases before they are trusted: both by
// `backup` (the copies it just made) and by `restore` (the copies it is about
// to put in place).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/backup/gateway_databases.h"

namespace equilink::backup {

// What the checks established about a set of copies.
struct VerifiedCopies {
  int64_t store_schema_version = 0;
  uint64_t audit_last_sequence = 0;
  std::string audit_head_hash_hex;  // of the newest entry (genesis when empty)
  std::string audit_checkpoint_key_id;
  uint64_t audit_checkpoints_checked = 0;
};

// Runs PRAGMA integrity_check on every copy, reads the store copy's schema
// version, and verifies the audit copy's hash chain and every checkpoint
// signature with the project's audit verifier, against the public half of
// the Ed25519 key in `checkpoint_key_file` (the gateway's
// audit.checkpoint_signing_key_file). `copies` must hold the roles kStoreRole
// and kAuditRole.
//
// DataLoss naming the copy when integrity_check fails or the audit chain does
// not verify (with the first bad entry's sequence and what was wrong);
// FailedPrecondition when the store copy's schema is newer than this binary
// knows; errors naming the key file when it cannot be loaded.
absl::StatusOr<VerifiedCopies> VerifyCopies(
    const std::vector<DatabaseFile>& copies,
    const std::string& checkpoint_key_file);

}  // namespace equilink::backup

#endif  // EQUILINK_SERVER_BACKUP_COPY_VERIFIER_H_
