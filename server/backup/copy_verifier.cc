#include "server/backup/copy_verifier.h"

#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "server/audit/audit_reader.h"
#include "server/audit/audit_verifier.h"
#include "server/audit/checkpoint_signer.h"
#include "server/audit/entry_hash.h"
#include "server/backup/online_copy.h"
#include "server/store/schema.h"

namespace equilink::backup {
namespace {

// Prefixes `status` with the file it is about, for errors from layers (SQLite,
// the audit reader) whose messages do not always name it.
absl::Status AboutFile(const absl::Status& status, const std::string& path) {
  if (status.ok() || absl::StrContains(status.message(), path)) return status;
  return absl::Status(status.code(),
                      absl::StrCat(path, ": ", status.message()));
}

// REQUIRES: CheckGatewayDatabases(copies) is OK, so `role` is there.
std::string PathOf(const std::vector<DatabaseFile>& copies, const char* role) {
  for (const DatabaseFile& copy : copies) {
    if (copy.role == role) return copy.path;
  }
  return "";
}

// The public half of the gateway's signing key, which is all verification
// needs; the private key never leaves CheckpointSigner.
absl::StatusOr<std::unique_ptr<audit::CheckpointVerifier>> LoadVerifier(
    const std::string& key_file) {
  absl::StatusOr<std::unique_ptr<audit::CheckpointSigner>> signer =
      audit::CheckpointSigner::LoadFromFile(key_file);
  if (!signer.ok()) {
    return absl::Status(
        signer.status().code(),
        absl::StrCat("audit checkpoint signing key (needed to verify the "
                     "audit log's checkpoints): ",
                     signer.status().message()));
  }
  EQ_ASSIGN_OR_RETURN(const std::string pem, (*signer)->PublicKeyPem());
  return audit::CheckpointVerifier::FromPublicKeyPem(pem);
}

absl::Status VerifyAudit(const std::string& path, const std::string& key_file,
                         VerifiedCopies& verified) {
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<audit::CheckpointVerifier> verifier,
                      LoadVerifier(key_file));
  absl::StatusOr<audit::StoredAuditLog> stored =
      audit::ReadStoredAuditLog(path, 0, 0);
  if (!stored.ok()) return AboutFile(stored.status(), path);
  EQ_ASSIGN_OR_RETURN(const v1::AuditVerifyReport report,
                      audit::VerifyAuditEntries(
                          stored->entries, stored->checkpoints, *verifier));
  if (!report.ok()) {
    return absl::DataLossError(absl::StrCat(
        "audit log ", path,
        " does not verify: ", v1::AuditProblem_Name(report.problem()),
        " at entry ", report.problem_sequence(), ": ", report.detail()));
  }
  verified.audit_last_sequence = report.last_sequence();
  verified.audit_checkpoints_checked = report.checkpoints_checked();
  verified.audit_checkpoint_key_id = verifier->key_id();
  verified.audit_head_hash_hex = absl::BytesToHexString(
      stored->entries.empty() ? audit::GenesisHash()
                              : stored->entries.back().entry_hash());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<VerifiedCopies> VerifyCopies(
    const std::vector<DatabaseFile>& copies,
    const std::string& checkpoint_key_file) {
  EQ_RETURN_IF_ERROR(CheckGatewayDatabases(copies));
  for (const DatabaseFile& copy : copies) {
    EQ_RETURN_IF_ERROR(AboutFile(CheckIntegrity(copy.path), copy.path));
  }
  VerifiedCopies verified;
  const std::string store_path = PathOf(copies, kStoreRole);
  absl::StatusOr<int64_t> version = ReadSchemaVersion(store_path);
  if (!version.ok()) return AboutFile(version.status(), store_path);
  const int64_t known = store::StoreMigrations().back().version;
  if (*version > known) {
    return absl::FailedPreconditionError(absl::StrCat(
        "store ", store_path, " has schema version ", *version,
        "; this gateway knows versions up to ", known,
        " (restore with the gateway release that made the backup)"));
  }
  verified.store_schema_version = *version;
  EQ_RETURN_IF_ERROR(
      VerifyAudit(PathOf(copies, kAuditRole), checkpoint_key_file, verified));
  return verified;
}

}  // namespace equilink::backup
