#include "server/store/sqlite/database.h"

#include <sqlite3.h>

#include <cstring>

#include "absl/memory/memory.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status/check.h"
#include "common/status/status_macros.h"
#include "server/store/sqlite/error.h"

namespace equilink::store::sqlite {

bool Database::IdLess::operator()(const StatementId& a,
                                  const StatementId& b) const {
  if (a.line != b.line) return a.line < b.line;
  if (a.file == b.file) return false;
  return std::strcmp(a.file, b.file) < 0;
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(
    const Options& options) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("open database: empty path");
  }
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  const int rc = sqlite3_open_v2(options.path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status status = SqliteStatus(rc, db, "open database");
    sqlite3_close_v2(db);  // a handle can exist even when open fails
    return status;
  }
  auto database = absl::WrapUnique(new Database(db));
  EQ_RETURN_IF_ERROR(database->Configure(options));
  return database;
}

absl::Status Database::Configure(const Options& options) {
  sqlite3_extended_result_codes(db_, 1);
  EQ_RETURN_IF_ERROR(
      SqliteStatus(sqlite3_busy_timeout(db_, options.busy_timeout_ms), db_,
                   "set busy timeout"));
  if (!options.query_only) {
    // page_size must precede journal_mode=WAL, which fixes the page size of
    // a new file.
    EQ_RETURN_IF_ERROR(
        Execute(absl::StrCat("PRAGMA page_size=", options.page_size).c_str()));
    EQ_ASSIGN_OR_RETURN(std::string mode, QueryText("PRAGMA journal_mode=WAL"));
    absl::AsciiStrToLower(&mode);
    // An in-memory database reports "memory"; WAL needs a file.
    const bool in_memory = mode == "memory";
    if (mode != "wal" && !in_memory) {
      return absl::FailedPreconditionError(
          absl::StrCat("open database: journal_mode is ", mode, ", want wal"));
    }
    EQ_RETURN_IF_ERROR(Execute(absl::StrCat("PRAGMA wal_autocheckpoint=",
                                            options.wal_autocheckpoint_pages)
                                   .c_str()));
  }
  EQ_RETURN_IF_ERROR(Execute("PRAGMA synchronous=FULL"));
  EQ_RETURN_IF_ERROR(Execute("PRAGMA foreign_keys=ON"));
  EQ_RETURN_IF_ERROR(
      Execute(absl::StrCat("PRAGMA cache_size=", options.cache_size).c_str()));
  if (options.query_only) EQ_RETURN_IF_ERROR(Execute("PRAGMA query_only=ON"));
  return absl::OkStatus();
}

Database::~Database() {
  cache_.clear();
  // close_v2 defers the close if a statement is somehow still alive, rather
  // than failing with SQLITE_BUSY and leaking the connection.
  sqlite3_close_v2(db_);
}

absl::Status Database::Execute(const char* sql) {
  return SqliteStatus(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr), db_,
                      "execute");
}

absl::StatusOr<ScopedStatement> Database::GetCachedStatement(StatementId id,
                                                             const char* sql) {
  auto it = cache_.find(id);
  if (it == cache_.end()) {
    EQ_ASSIGN_OR_RETURN(std::unique_ptr<Statement> statement,
                        Statement::Prepare(db_, sql, /*persistent=*/true));
    it = cache_.emplace(id, std::move(statement)).first;
  } else {
    EQ_CHECK(std::strcmp(it->second->sql(), sql) == 0);
  }
  return ScopedStatement(it->second.get());
}

absl::StatusOr<std::unique_ptr<Statement>> Database::GetUniqueStatement(
    absl::string_view sql) {
  return Statement::Prepare(db_, sql, /*persistent=*/false);
}

absl::StatusOr<int64_t> Database::QueryInt64(absl::string_view sql) {
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<Statement> statement,
                      GetUniqueStatement(sql));
  EQ_ASSIGN_OR_RETURN(bool row, statement->Step());
  if (!row) return absl::NotFoundError("query returned no row");
  return statement->ColumnInt64(0);
}

absl::StatusOr<std::string> Database::QueryText(absl::string_view sql) {
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<Statement> statement,
                      GetUniqueStatement(sql));
  EQ_ASSIGN_OR_RETURN(bool row, statement->Step());
  if (!row) return absl::NotFoundError("query returned no row");
  return statement->ColumnText(0);
}

bool Database::InTransaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

int64_t Database::Changes() const { return sqlite3_changes64(db_); }

int64_t Database::LastInsertRowid() const {
  return sqlite3_last_insert_rowid(db_);
}

}  // namespace equilink::store::sqlite
