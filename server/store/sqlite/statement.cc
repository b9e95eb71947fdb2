#include "server/store/sqlite/statement.h"

#include <sqlite3.h>

#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"
#include "server/store/sqlite/error.h"

namespace equilink::store::sqlite {
namespace {

// sqlite3_bind_{text,blob} bind NULL for a null pointer, so an empty
// string_view (whose data() may be null) points here instead.
constexpr char kEmpty[] = "";

const char* DataOrEmpty(absl::string_view value) {
  return value.data() != nullptr ? value.data() : kEmpty;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Statement>> Statement::Prepare(
    sqlite3* db, absl::string_view sql, bool persistent) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(
      db, sql.data(), static_cast<int>(sql.size()),
      persistent ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return SqliteStatus(rc, db, "prepare statement");
  }
  if (stmt == nullptr) {
    return absl::InvalidArgumentError("prepare statement: no SQL statement");
  }
  return absl::WrapUnique(new Statement(stmt));
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

absl::Status Statement::BindResult(int rc, int index) {
  if (rc == SQLITE_OK) return absl::OkStatus();
  return SqliteStatus(rc, sqlite3_db_handle(stmt_),
                      absl::StrCat("bind parameter ", index));
}

absl::Status Statement::BindNull(int index) {
  return BindResult(sqlite3_bind_null(stmt_, index + 1), index);
}

absl::Status Statement::BindInt64(int index, int64_t value) {
  return BindResult(sqlite3_bind_int64(stmt_, index + 1, value), index);
}

absl::Status Statement::BindDouble(int index, double value) {
  return BindResult(sqlite3_bind_double(stmt_, index + 1, value), index);
}

absl::Status Statement::BindText(int index, absl::string_view value) {
  return BindResult(
      sqlite3_bind_text64(stmt_, index + 1, DataOrEmpty(value), value.size(),
                          SQLITE_STATIC, SQLITE_UTF8),
      index);
}

absl::Status Statement::BindBlob(int index, absl::string_view value) {
  return BindResult(sqlite3_bind_blob64(stmt_, index + 1, DataOrEmpty(value),
                                        value.size(), SQLITE_STATIC),
                    index);
}

absl::StatusOr<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteStatus(rc, sqlite3_db_handle(stmt_), "step");
}

absl::Status Statement::Run() {
  absl::StatusOr<bool> row = Step();
  if (!row.ok()) return row.status();
  if (*row) return absl::InternalError("run: statement returned a row");
  return absl::OkStatus();
}

int Statement::ColumnCount() const { return sqlite3_column_count(stmt_); }

bool Statement::ColumnIsNull(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

int64_t Statement::ColumnInt64(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

double Statement::ColumnDouble(int index) const {
  return sqlite3_column_double(stmt_, index);
}

std::string Statement::ColumnText(int index) const {
  const auto* text =
      reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  if (text == nullptr) return std::string();
  return std::string(text, sqlite3_column_bytes(stmt_, index));
}

std::string Statement::ColumnBlob(int index) const {
  const auto* blob =
      static_cast<const char*>(sqlite3_column_blob(stmt_, index));
  if (blob == nullptr) return std::string();
  return std::string(blob, sqlite3_column_bytes(stmt_, index));
}

void Statement::Reset(bool clear_bindings) {
  // The result of sqlite3_reset repeats the last Step's error, which the
  // caller has already seen.
  sqlite3_reset(stmt_);
  if (clear_bindings) sqlite3_clear_bindings(stmt_);
}

const char* Statement::sql() const { return sqlite3_sql(stmt_); }

}  // namespace equilink::store::sqlite
