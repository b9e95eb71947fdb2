#ifndef EQUILINK_SERVER_BACKUP_PRIVATE_FILE_H_
#define EQUILINK_SERVER_BACKUP_PRIVATE_FILE_H_

// File operations for backups, which hold pseudonymised health data: every
// file is created mode 0600 (never readable by others, even briefly), every
// directory 0700, and a file only appears under its final name once complete
// and fsynced (temporary name, fsync, rename, fsync of the directory).
//
// Errors name the path and what failed, never file content.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace equilink::backup {

// Creates `dir` with mode 0700 when it does not exist (missing parents too,
// also 0700). An existing directory is used as it is. FailedPrecondition when
// `dir` exists but is not a directory.
absl::Status MakePrivateDirectory(const std::string& dir);

// Creates an empty file at `path` with mode 0600. AlreadyExists when `path`
// exists.
absl::Status CreatePrivateFile(const std::string& path);

// Copies `from` into a new file `to` (mode 0600) and fsyncs it. AlreadyExists
// when `to` exists; on any other failure `to` is removed again.
absl::Status CopyToPrivateFile(const std::string& from, const std::string& to);

// Writes `contents` to `path` through a temporary file and a rename, mode
// 0600, replacing any file already there.
absl::Status WritePrivateFileAtomically(const std::string& path,
                                        absl::string_view contents);

// fsyncs the file at `path`.
absl::Status SyncFile(const std::string& path);

// Renames `from` to `to` (replacing `to`) and fsyncs `to`'s directory, so the
// new name survives a crash.
absl::Status RenameDurably(const std::string& from, const std::string& to);

// Removes `path` if it exists; OK when it does not.
absl::Status RemoveIfExists(const std::string& path);

// Removes the files it was given when destroyed, unless Keep() was called:
// what a backup or restore wrote before failing is not left behind looking
// like a finished file.
class RemoveOnFailure {
 public:
  RemoveOnFailure() = default;
  ~RemoveOnFailure();
  RemoveOnFailure(const RemoveOnFailure&) = delete;
  RemoveOnFailure& operator=(const RemoveOnFailure&) = delete;

  // `path` and the -journal, -wal and -shm files SQLite may have left beside
  // it.
  void Add(const std::string& path);
  void Keep() { paths_.clear(); }

 private:
  std::vector<std::string> paths_;
};

// The lowercase hex SHA-256 of the file's content, and its size in bytes.
struct FileDigest {
  std::string sha256_hex;
  uint64_t bytes = 0;
};
absl::StatusOr<FileDigest> DigestFile(const std::string& path);

// The whole of a small text file; InvalidArgument when it is over
// `max_bytes`, NotFound when it does not exist.
absl::StatusOr<std::string> ReadSmallFile(const std::string& path,
                                          size_t max_bytes);

}  // namespace equilink::backup

#endif  // EQUILINK_SERVER_BACKUP_PRIVATE_FILE_H_
