#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "server/backup/gateway_backup.h"
#include "server/backup/private_file.h"

namespace equilink::backup {
namespace {

// A manifest is a few hundred bytes; anything far larger is not one.
constexpr size_t kMaxManifestBytes = 64 << 10;

// SQLite's companions of a database file: an old WAL left beside a restored
// file would be replayed into it.
constexpr const char* kCompanionSuffixes[] = {"-wal", "-shm", "-journal"};

std::string JoinPath(const std::string& dir, const std::string& name) {
  return (std::filesystem::path(dir) / name).string();
}

bool Exists(const std::string& path) {
  std::error_code error;
  return std::filesystem::exists(path, error);
}

absl::Status RefuseExistingFiles(const RestoreOptions& options) {
  if (options.force) return absl::OkStatus();
  for (const DatabaseFile& database : options.databases) {
    std::vector<std::string> paths = {database.path};
    for (const char* suffix : kCompanionSuffixes) {
      paths.push_back(absl::StrCat(database.path, suffix));
    }
    for (const std::string& path : paths) {
      if (Exists(path)) {
        return absl::FailedPreconditionError(
            absl::StrCat("restore: ", path,
                         " exists; stop the gateway and pass --force to "
                         "replace its ",
                         database.role, " database"));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<BackupManifest> ReadManifest(const RestoreOptions& options) {
  const std::string path = JoinPath(options.from_dir, kManifestFileName);
  absl::StatusOr<std::string> text = ReadSmallFile(path, kMaxManifestBytes);
  if (absl::IsNotFound(text.status())) {
    return absl::NotFoundError(absl::StrCat("restore: ", path,
                                            " not found: ", options.from_dir,
                                            " is not a finished backup"));
  }
  if (!text.ok()) return text.status();
  EQ_ASSIGN_OR_RETURN(BackupManifest manifest, ParseManifest(*text, path));
  for (const DatabaseFile& database : options.databases) {
    if (manifest.FindRole(database.role) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "restore: manifest ", path, " has no ", database.role, " database"));
    }
  }
  if (manifest.files.size() != options.databases.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("restore: manifest ", path,
                     " lists a database this gateway's configuration does not "
                     "name"));
  }
  return manifest;
}

absl::Status CheckDigest(const std::string& path, const ManifestFile& file) {
  EQ_ASSIGN_OR_RETURN(const FileDigest digest, DigestFile(path));
  if (digest.sha256_hex != file.sha256_hex || digest.bytes != file.bytes) {
    return absl::DataLossError(absl::StrCat(
        "restore: backup file ", path,
        " does not match the SHA-256 its manifest gives: it was altered or "
        "damaged; refusing to restore"));
  }
  return absl::OkStatus();
}

// The copies must be the state the manifest recorded at backup time, not
// merely a valid log: a valid but older audit file swapped in would verify.
absl::Status MatchManifest(const VerifiedCopies& verified,
                           const BackupManifest& manifest,
                           const std::string& from_dir) {
  if (verified.audit_last_sequence != manifest.audit_last_sequence ||
      verified.audit_head_hash_hex != manifest.audit_head_hash_hex ||
      verified.store_schema_version != manifest.store_schema_version) {
    return absl::DataLossError(absl::StrCat(
        "restore: the databases in ", from_dir,
        " verify but do not match their manifest (audit log ends at entry ",
        verified.audit_last_sequence, ", manifest says ",
        manifest.audit_last_sequence, "); refusing to restore"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RestoreResult> RestoreGateway(const RestoreOptions& options) {
  EQ_RETURN_IF_ERROR(CheckGatewayDatabases(options.databases));
  if (options.from_dir.empty()) {
    return absl::InvalidArgumentError("restore: no backup directory (--from)");
  }
  EQ_RETURN_IF_ERROR(RefuseExistingFiles(options));
  RestoreResult result;
  EQ_ASSIGN_OR_RETURN(result.manifest, ReadManifest(options));
  for (const ManifestFile& file : result.manifest.files) {
    EQ_RETURN_IF_ERROR(
        CheckDigest(JoinPath(options.from_dir, file.file_name), file));
  }

  // Staged beside the destinations, so the final step is a rename within one
  // file system, and checked there: what is verified is what goes in place.
  RemoveOnFailure cleanup;
  std::vector<DatabaseFile> staged;
  for (const DatabaseFile& database : options.databases) {
    const ManifestFile& file = *result.manifest.FindRole(database.role);
    const std::string source = JoinPath(options.from_dir, file.file_name);
    const std::string stage = absl::StrCat(database.path, ".restoring");
    EQ_RETURN_IF_ERROR(MakePrivateDirectory(
        std::filesystem::path(database.path).parent_path().string()));
    cleanup.Add(stage);
    EQ_RETURN_IF_ERROR(RemoveIfExists(stage));
    EQ_RETURN_IF_ERROR(CopyToPrivateFile(source, stage));
    EQ_RETURN_IF_ERROR(CheckDigest(stage, file));
    staged.push_back(DatabaseFile{database.role, stage});
  }
  EQ_ASSIGN_OR_RETURN(result.verified,
                      VerifyCopies(staged, options.checkpoint_key_file));
  EQ_RETURN_IF_ERROR(
      MatchManifest(result.verified, result.manifest, options.from_dir));

  for (size_t i = 0; i < staged.size(); ++i) {
    const std::string& destination = options.databases[i].path;
    for (const char* suffix : kCompanionSuffixes) {
      EQ_RETURN_IF_ERROR(RemoveIfExists(absl::StrCat(destination, suffix)));
    }
    EQ_RETURN_IF_ERROR(RenameDurably(staged[i].path, destination));
  }
  cleanup.Keep();
  return result;
}

std::string RestoreSummary(const RestoreResult& result,
                           const RestoreOptions& options) {
  return absl::StrCat("restore complete: ", result.manifest.files.size(),
                      " databases from ", options.from_dir,
                      " verified and in place (store schema ",
                      result.manifest.store_schema_version, ", audit log ",
                      result.manifest.audit_last_sequence, " entries and ",
                      result.verified.audit_checkpoints_checked,
                      " signed checkpoints verified); start the gateway");
}

}  // namespace equilink::backup
