#include "server/audit/audit_reader.h"

#include <filesystem>
#include <limits>
#include <memory>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "server/audit/audit_schema.h"
#include "server/store/sqlite/database.h"

namespace equilink::audit {
namespace {

using store::sqlite::Database;
using store::sqlite::Statement;

absl::StatusOr<std::unique_ptr<Database>> OpenForReading(
    const std::string& path) {
  std::error_code error;
  // Database::Open would create a missing file; reading must not.
  if (!std::filesystem::is_regular_file(path, error)) {
    return absl::NotFoundError(absl::StrCat("audit log ", path, " not found"));
  }
  Database::Options options;
  options.path = path;
  options.query_only = true;
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(options));
  EQ_ASSIGN_OR_RETURN(const int64_t version,
                      db->QueryInt64("PRAGMA user_version"));
  if (version != AuditSchemaVersion()) {
    return absl::FailedPreconditionError(
        absl::StrCat("audit log ", path, " has schema version ", version,
                     "; this reader reads version ", AuditSchemaVersion()));
  }
  return db;
}

absl::Status ReadEntries(Database* db, uint64_t after_sequence, uint64_t limit,
                         StoredAuditLog* out) {
  EQ_ASSIGN_OR_RETURN(
      std::unique_ptr<Statement> select,
      db->GetUniqueStatement(absl::StrCat(
          "SELECT ", kEntryColumns,
          " FROM audit_entry WHERE sequence > ?1 ORDER BY rowid LIMIT ?2")));
  EQ_RETURN_IF_ERROR(
      select->BindInt64(0, static_cast<int64_t>(after_sequence)));
  // SQLite reads a negative LIMIT as "no limit".
  EQ_RETURN_IF_ERROR(
      select->BindInt64(1, limit == 0 ? -1 : static_cast<int64_t>(limit)));
  while (true) {
    EQ_ASSIGN_OR_RETURN(const bool row, select->Step());
    if (!row) return absl::OkStatus();
    out->entries.push_back(EntryFromRow(*select));
  }
}

absl::Status ReadCheckpoints(Database* db, uint64_t after_sequence,
                             uint64_t up_to_sequence, StoredAuditLog* out) {
  EQ_ASSIGN_OR_RETURN(
      std::unique_ptr<Statement> select,
      db->GetUniqueStatement(absl::StrCat(
          "SELECT ", kCheckpointColumns,
          " FROM audit_checkpoint WHERE sequence > ?1 AND sequence <= ?2 "
          "ORDER BY rowid")));
  EQ_RETURN_IF_ERROR(
      select->BindInt64(0, static_cast<int64_t>(after_sequence)));
  EQ_RETURN_IF_ERROR(
      select->BindInt64(1, static_cast<int64_t>(up_to_sequence)));
  EQ_ASSIGN_OR_RETURN(out->checkpoints, ReadCheckpointRows(select.get()));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<StoredAuditLog> ReadStoredAuditLog(
    const std::string& database_path, uint64_t after_sequence, uint64_t limit) {
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<Database> db,
                      OpenForReading(database_path));
  // One read transaction, so entries and checkpoints come from the same
  // snapshot even while the gateway appends.
  EQ_RETURN_IF_ERROR(db->Execute("BEGIN"));
  StoredAuditLog log;
  absl::Status status = ReadEntries(db.get(), after_sequence, limit, &log);
  if (status.ok()) {
    const bool reached_end = limit == 0 || log.entries.size() < limit;
    const uint64_t up_to =
        reached_end || log.entries.empty()
            ? static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
            : log.entries.back().sequence();
    status = ReadCheckpoints(db.get(), after_sequence, up_to, &log);
  }
  const absl::Status ended = db->Execute("COMMIT");
  EQ_RETURN_IF_ERROR(status);
  EQ_RETURN_IF_ERROR(ended);
  return log;
}

}  // namespace equilink::audit
