#ifndef EQUILINK_SERVER_BACKUP_BACKUP_MANIFEST_H_
#define EQUILINK_SERVER_BACKUP_BACKUP_MANIFEST_H_

// The manifest a backup directory ends with: what each file is, its SHA-256,
// and what the verified copies held. Written last, so a directory without one
// is an unfinished backup. Plain text, one `key value...` line each, so an
// operator can read it and check a hash with sha256sum:
//
//   # equilink-gateway backup manifest
//   format 1
//   created 2026-05-04T10:15:00Z
//   store_schema_version 7
//   audit_last_sequence 1234
//   audit_head_hash 9f2c...        (hex of the newest entry's hash)
//   audit_checkpoint_key_id 3a7b...
//   file store store.db <sha256 hex> <bytes>
//   file audit audit.db <sha256 hex> <bytes>
//
// It holds no record content, identifier, token or key. It is not signed:
// the hashes catch damage and edits of a file alone, and the audit copy's
// signed checkpoints catch a rewritten audit log; someone able to rewrite
// both a store copy and the manifest is stopped only by the backup's
// protection (SECURITY.md).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace equilink::backup {

// The manifest's name inside a backup directory.
inline constexpr char kManifestFileName[] = "backup-manifest.txt";

struct ManifestFile {
  std::string role;       // "store", "audit": which of the gateway's databases
  std::string file_name;  // inside the backup directory; never a path
  std::string sha256_hex;
  uint64_t bytes = 0;
};

struct BackupManifest {
  absl::Time created;
  int64_t store_schema_version = 0;
  uint64_t audit_last_sequence = 0;
  std::string audit_head_hash_hex;
  std::string audit_checkpoint_key_id;
  std::vector<ManifestFile> files;

  // The entry for `role`, or null.
  const ManifestFile* FindRole(absl::string_view role) const;
};

std::string FormatManifest(const BackupManifest& manifest);

// Parses FormatManifest's output. InvalidArgument naming `source` (the
// manifest's path, for messages) and the line on any unknown key, malformed
// value, missing key, repeated role, or file name that is not a plain name
// inside the directory (so a crafted manifest cannot point a restore
// elsewhere).
absl::StatusOr<BackupManifest> ParseManifest(absl::string_view text,
                                             absl::string_view source);

}  // namespace equilink::backup

#endif  // EQUILINK_SERVER_BACKUP_BACKUP_MANIFEST_H_
