#ifndef EQUILINK_SERVER_BACKUP_ONLINE_COPY_H_
#define EQUILINK_SERVER_BACKUP_ONLINE_COPY_H_

// Copies a live SQLite database with SQLite's online backup API
// (sqlite3_backup_init / _step / _finish) while other processes keep writing
// to it, and checks a copy with PRAGMA integrity_check.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace equilink::backup {

struct OnlineCopyOptions {
  // Pages copied per sqlite3_backup_step. Modest steps keep each step's
  // burst of I/O short next to the gateway's own fsyncs.
  int pages_per_step = 64;
  // Sleep between steps, to leave the disk to the gateway on a busy host.
  absl::Duration step_pause = absl::ZeroDuration();
  // How long a step that finds the database busy or locked is retried
  // before the copy fails with kUnavailable.
  absl::Duration busy_deadline = absl::Seconds(60);
  // busy_timeout of the connection that reads the source.
  int busy_timeout_ms = 5000;
};

// Copies the database at `source` into a new file at `dest` (created 0600;
// AlreadyExists when it exists) and fsyncs it. The copy is one consistent
// snapshot: the source connection holds a single read transaction for the
// whole copy, so every step reads the same WAL snapshot and the gateway's
// commits neither restart the copy nor leak into it. While the copy runs the
// gateway's WAL cannot be checkpointed past that snapshot, so it grows by
// what is written meanwhile.
//
// NotFound when `source` does not exist (it is never created);
// kUnavailable when the database stays busy past busy_deadline; other SQLite
// errors as store/sqlite/error.h maps them. On failure `dest` is removed.
// Messages name the files, never content.
absl::Status CopyDatabaseOnline(const std::string& source,
                                const std::string& dest,
                                const OnlineCopyOptions& options);

// Runs PRAGMA integrity_check on the database at `path` (which must exist).
// DataLoss naming the file and SQLite's first finding when it is not "ok".
absl::Status CheckIntegrity(const std::string& path);

// PRAGMA user_version of the database at `path` (which must exist): the
// schema version the project's migrations left there.
absl::StatusOr<int64_t> ReadSchemaVersion(const std::string& path);

}  // namespace equilink::backup

#endif  // EQUILINK_SERVER_BACKUP_ONLINE_COPY_H_
