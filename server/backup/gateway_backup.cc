#include "server/backup/gateway_backup.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "server/backup/private_file.h"

namespace equilink::backup {
namespace {

std::string JoinPath(const std::string& dir, const std::string& name) {
  return (std::filesystem::path(dir) / name).string();
}

bool Exists(const std::string& path) {
  std::error_code error;
  return std::filesystem::exists(path, error);
}

// An earlier backup into the same directory is never overwritten: an
// operator who reuses a directory by mistake keeps the older backup.
absl::Status CheckDirectoryIsFree(const BackupOptions& options) {
  std::vector<std::string> names = {kManifestFileName};
  for (const DatabaseFile& database : options.databases) {
    names.push_back(BackupFileName(database.role));
  }
  for (const std::string& name : names) {
    const std::string path = JoinPath(options.out_dir, name);
    if (Exists(path)) {
      return absl::AlreadyExistsError(
          absl::StrCat("backup directory ", options.out_dir, " already holds ",
                       name, "; back up into a new directory"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<BackupResult> BackupGateway(const BackupOptions& options) {
  EQ_RETURN_IF_ERROR(CheckGatewayDatabases(options.databases));
  if (options.out_dir.empty()) {
    return absl::InvalidArgumentError("backup: no output directory (--out)");
  }
  EQ_RETURN_IF_ERROR(MakePrivateDirectory(options.out_dir));
  EQ_RETURN_IF_ERROR(CheckDirectoryIsFree(options));

  // Copied in the order given (store first), each to a temporary name.
  RemoveOnFailure cleanup;
  std::vector<DatabaseFile> partials;
  for (const DatabaseFile& database : options.databases) {
    const std::string partial =
        JoinPath(options.out_dir,
                 absl::StrCat(BackupFileName(database.role), ".partial"));
    cleanup.Add(partial);
    // Left by an interrupted backup: it was never renamed, so it is ours.
    EQ_RETURN_IF_ERROR(RemoveIfExists(partial));
    EQ_RETURN_IF_ERROR(RemoveIfExists(absl::StrCat(partial, "-journal")));
    EQ_RETURN_IF_ERROR(
        CopyDatabaseOnline(database.path, partial, options.copy));
    partials.push_back(DatabaseFile{database.role, partial});
  }

  BackupResult result;
  EQ_ASSIGN_OR_RETURN(result.verified,
                      VerifyCopies(partials, options.checkpoint_key_file));
  BackupManifest& manifest = result.manifest;
  manifest.created = options.clock();
  manifest.store_schema_version = result.verified.store_schema_version;
  manifest.audit_last_sequence = result.verified.audit_last_sequence;
  manifest.audit_head_hash_hex = result.verified.audit_head_hash_hex;
  manifest.audit_checkpoint_key_id = result.verified.audit_checkpoint_key_id;
  // Hashed after verification, which opened the copies: what is hashed is
  // exactly what stays on disk.
  for (const DatabaseFile& partial : partials) {
    ManifestFile file;
    file.role = partial.role;
    file.file_name = BackupFileName(partial.role);
    EQ_ASSIGN_OR_RETURN(const FileDigest digest, DigestFile(partial.path));
    file.sha256_hex = digest.sha256_hex;
    file.bytes = digest.bytes;
    const std::string final_path = JoinPath(options.out_dir, file.file_name);
    cleanup.Add(final_path);
    EQ_RETURN_IF_ERROR(RenameDurably(partial.path, final_path));
    manifest.files.push_back(std::move(file));
  }
  result.manifest_path = JoinPath(options.out_dir, kManifestFileName);
  EQ_RETURN_IF_ERROR(WritePrivateFileAtomically(result.manifest_path,
                                                FormatManifest(manifest)));
  cleanup.Keep();
  return result;
}

std::string BackupSummary(const BackupResult& result) {
  return absl::StrCat("backup complete: ", result.manifest.files.size(),
                      " databases copied and verified (store schema ",
                      result.manifest.store_schema_version, ", audit log ",
                      result.manifest.audit_last_sequence, " entries and ",
                      result.verified.audit_checkpoints_checked,
                      " signed checkpoints verified); manifest ",
                      result.manifest_path);
}

}  // namespace equilink::backup
