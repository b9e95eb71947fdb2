#ifndef EQUILINK_SERVER_BACKUP_GATEWAY_BACKUP_H_
#define EQUILINK_SERVER_BACKUP_GATEWAY_BACKUP_H_

// `equilink-gateway backup` and `restore` (docs/OPERATIONS.md).
//
// A backup copies every database the gateway keeps (gateway_databases.h)
// with SQLite's online backup API while the gateway keeps serving, each copy
// one consistent snapshot; checks the copies (copy_verifier.h); and ends with
// a manifest (backup_manifest.h). A restore checks the backup the same way
// before anything is put in place. Neither copies key files: the checkpoint
// signing key, release key and TLS keys are backed up apart, and a restore
// needs the signing key already in place to verify the audit log.
//
// Every file written is mode 0600 and appears under its final name only once
// complete; directories are created 0700. Errors name the file and the rule;
// nothing here logs or returns record content, tokens or keys.

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/backup/backup_manifest.h"
#include "server/backup/copy_verifier.h"
#include "server/backup/gateway_databases.h"
#include "server/backup/online_copy.h"

namespace equilink::backup {

struct BackupOptions {
  // GatewayDatabases(config): the live files, store first.
  std::vector<DatabaseFile> databases;
  // audit.checkpoint_signing_key_file: its public half verifies the audit
  // copy's checkpoints.
  std::string checkpoint_key_file;
  // Created 0700 when missing. Must not already hold a backup.
  std::string out_dir;
  OnlineCopyOptions copy;
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

struct BackupResult {
  BackupManifest manifest;
  std::string manifest_path;
  VerifiedCopies verified;
};

// Copies, verifies, and writes the manifest. AlreadyExists when `out_dir`
// already holds a manifest or a backup file; the errors of
// CopyDatabaseOnline and VerifyCopies otherwise. On failure no manifest is
// written and the copies made so far are removed.
absl::StatusOr<BackupResult> BackupGateway(const BackupOptions& options);

struct RestoreOptions {
  // GatewayDatabases(config): where the files go.
  std::vector<DatabaseFile> databases;
  std::string checkpoint_key_file;
  std::string from_dir;
  // Replace database files that exist. The gateway must be stopped.
  bool force = false;
};

struct RestoreResult {
  BackupManifest manifest;
  VerifiedCopies verified;
};

// Restores the backup in `from_dir` over the files in `databases`.
//
// In order, failing before anything is put in place:
//   1. FailedPrecondition naming the file when a database file (or its -wal,
//      -shm or -journal) exists and `force` is false;
//   2. NotFound / InvalidArgument when the manifest is missing or malformed,
//      or does not list exactly the configured databases;
//   3. DataLoss naming the backup file whose SHA-256 or size differs from the
//      manifest's;
//   4. the copies are made beside their destinations (temporary names, 0600)
//      and checked with VerifyCopies; DataLoss when the audit chain does not
//      verify or disagrees with the manifest's last sequence and head hash.
// Then each copy replaces its destination: with `force`, the old -wal, -shm
// and -journal are removed first, since SQLite would otherwise replay the old
// database's WAL into the restored file.
absl::StatusOr<RestoreResult> RestoreGateway(const RestoreOptions& options);

// One line for the operator: counts, versions and paths, never content.
std::string BackupSummary(const BackupResult& result);
std::string RestoreSummary(const RestoreResult& result,
                           const RestoreOptions& options);

}  // namespace equilink::backup

#endif  // EQUILINK_SERVER_BACKUP_GATEWAY_BACKUP_H_
