#include "server/backup/online_copy.h"

#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status/status_macros.h"
#include "server/backup/private_file.h"
#include "server/store/sqlite/database.h"
#include "server/store/sqlite/error.h"
#include "server/store/sqlite/statement.h"

namespace equilink::backup {
namespace {

using store::sqlite::Database;
using store::sqlite::SqliteStatus;
using store::sqlite::Statement;

struct Sqlite3Closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Sqlite3Ptr = std::unique_ptr<sqlite3, Sqlite3Closer>;

// Database::Open creates a missing file; a backup or check must not.
absl::StatusOr<std::unique_ptr<Database>> OpenExisting(const std::string& path,
                                                       int busy_timeout_ms) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return absl::NotFoundError(absl::StrCat("database ", path, " not found"));
  }
  Database::Options options;
  options.path = path;
  options.query_only = true;
  options.busy_timeout_ms = busy_timeout_ms;
  return Database::Open(options);
}

bool IsBusy(int rc) {
  const int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

// Steps `backup` to the end. Returns the SQLite code that ended it
// (SQLITE_DONE on success).
int RunSteps(sqlite3_backup* backup, const OnlineCopyOptions& options) {
  const int pages = options.pages_per_step > 0 ? options.pages_per_step : 64;
  absl::Time busy_since = absl::InfiniteFuture();
  for (;;) {
    const int rc = sqlite3_backup_step(backup, pages);
    if (rc == SQLITE_DONE) return rc;
    if (rc == SQLITE_OK) {
      busy_since = absl::InfiniteFuture();
      if (options.step_pause > absl::ZeroDuration()) {
        absl::SleepFor(options.step_pause);
      }
      continue;
    }
    if (!IsBusy(rc)) return rc;
    const absl::Time now = absl::Now();
    if (busy_since == absl::InfiniteFuture()) busy_since = now;
    if (now - busy_since > options.busy_deadline) return rc;
    absl::SleepFor(absl::Milliseconds(20));
  }
}

absl::Status CopyInto(Database& source, const std::string& source_path,
                      const std::string& dest,
                      const OnlineCopyOptions& options) {
  sqlite3* raw = nullptr;
  const int open_rc = sqlite3_open_v2(
      dest.c_str(), &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
      nullptr);
  Sqlite3Ptr target(raw);
  if (open_rc != SQLITE_OK) {
    return SqliteStatus(open_rc, target.get(),
                        absl::StrCat("open backup copy ", dest));
  }
  sqlite3_backup* backup =
      sqlite3_backup_init(target.get(), "main", source.handle(), "main");
  if (backup == nullptr) {
    return SqliteStatus(sqlite3_errcode(target.get()), target.get(),
                        absl::StrCat("start backup of ", source_path));
  }
  const int step_rc = RunSteps(backup, options);
  // finish releases the destination's lock and reports a step's error too.
  const int finish_rc = sqlite3_backup_finish(backup);
  const std::string context = absl::StrCat("backup of ", source_path);
  if (step_rc != SQLITE_DONE) {
    if (IsBusy(step_rc)) {
      return absl::UnavailableError(
          absl::StrCat(context, ": the database stayed busy or locked for ",
                       absl::FormatDuration(options.busy_deadline)));
    }
    return SqliteStatus(step_rc, target.get(), context);
  }
  EQ_RETURN_IF_ERROR(SqliteStatus(finish_rc, target.get(), context));
  const int close_rc = sqlite3_close(target.release());
  return SqliteStatus(close_rc, nullptr,
                      absl::StrCat("close backup copy ", dest));
}

}  // namespace

absl::Status CopyDatabaseOnline(const std::string& source,
                                const std::string& dest,
                                const OnlineCopyOptions& options) {
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<Database> db,
                      OpenExisting(source, options.busy_timeout_ms));
  // One read transaction for the whole copy: each backup step then reads this
  // snapshot. Without it every step starts its own, and a commit by the
  // gateway (another process) in between makes SQLite restart the copy from
  // page 1, for ever under sustained load.
  EQ_RETURN_IF_ERROR(db->Execute("BEGIN"));
  EQ_RETURN_IF_ERROR(
      db->QueryInt64("SELECT count(*) FROM sqlite_schema").status());
  EQ_RETURN_IF_ERROR(CreatePrivateFile(dest));
  absl::Status status = CopyInto(*db, source, dest, options);
  if (status.ok()) status = SyncFile(dest);
  // A read-only transaction: ending it cannot fail in a way that matters.
  db->Execute("ROLLBACK").IgnoreError();
  if (!status.ok()) {
    RemoveIfExists(dest).IgnoreError();
    RemoveIfExists(absl::StrCat(dest, "-journal")).IgnoreError();
  }
  return status;
}

absl::Status CheckIntegrity(const std::string& path) {
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, OpenExisting(path, 5000));
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<Statement> check,
                      db->GetUniqueStatement("PRAGMA integrity_check"));
  EQ_ASSIGN_OR_RETURN(bool row, check->Step());
  if (!row) {
    return absl::DataLossError(
        absl::StrCat("integrity_check of ", path, " returned nothing"));
  }
  // SQLite's findings name pages, tables and indexes, never row content.
  const std::string first = check->ColumnText(0);
  if (first != "ok") {
    return absl::DataLossError(
        absl::StrCat("integrity_check of ", path, " failed: ", first));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ReadSchemaVersion(const std::string& path) {
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, OpenExisting(path, 5000));
  return db->QueryInt64("PRAGMA user_version");
}

}  // namespace equilink::backup
