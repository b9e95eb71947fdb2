#ifndef EQUILINK_SERVER_STORE_SQLITE_STATEMENT_H_
#define EQUILINK_SERVER_STORE_SQLITE_STATEMENT_H_

#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

struct sqlite3;
struct sqlite3_stmt;

namespace equilink::store::sqlite {

// One prepared SQLite statement (RAII: finalized on destruction). Parameter
// and column indices are 0-based, as in Chromium's sql::Statement.
//
template <typename T>
concept TemporaryString = std::same_as<std::remove_cvref_t<T>, std::string> &&
    !std::is_lvalue_reference_v<T>;

// Text and blob bindings are NOT copied (SQLITE_STATIC), so binding costs no
// allocation. REQUIRES: bound bytes stay valid until the statement is Reset()
// or the parameter is bound again.
//
// Not thread-safe: use from one thread at a time, like its connection.
class Statement {
 public:
  // Compiles `sql` (one statement) on `db`, which must outlive the result.
  // `persistent` passes SQLITE_PREPARE_PERSISTENT, for statements kept in a
  // cache. Errors from SQLite are mapped with SqliteStatus.
  static absl::StatusOr<std::unique_ptr<Statement>> Prepare(
      sqlite3* db, absl::string_view sql, bool persistent);

  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  absl::Status BindNull(int index);
  absl::Status BindInt64(int index, int64_t value);
  absl::Status BindDouble(int index, double value);
  absl::Status BindText(int index, absl::string_view value);
  absl::Status BindBlob(int index, absl::string_view value);
  // A temporary string would be gone before the statement runs (ASan found
  // one in the retention purge): bind a named one.
  template <typename String>
  requires TemporaryString<String> absl::Status BindText(int index,
                                                         String&& value)
  = delete;
  template <typename String>
  requires TemporaryString<String> absl::Status BindBlob(int index,
                                                         String&& value)
  = delete;

  // Runs to the next row: true when a row is available through Column*,
  // false when the statement is done.
  absl::StatusOr<bool> Step();
  // Steps a statement that returns no rows; kInternal if it returns one.
  absl::Status Run();

  // Column accessors for the current row. REQUIRES: Step() returned true.
  int ColumnCount() const;
  bool ColumnIsNull(int index) const;
  int64_t ColumnInt64(int index) const;
  double ColumnDouble(int index) const;
  std::string ColumnText(int index) const;
  std::string ColumnBlob(int index) const;

  // Makes the statement ready to run again. With `clear_bindings` every
  // parameter becomes NULL; without it the bindings are kept, so a loop can
  // rebind only the parameters that change.
  void Reset(bool clear_bindings = true);

  // The SQL text the statement was prepared from.
  const char* sql() const;

 private:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  absl::Status BindResult(int rc, int index);

  sqlite3_stmt* const stmt_;
};

// A statement borrowed from a Database's cache. It is reset and its bindings
// cleared when the borrow ends, so a half-stepped read never holds its WAL
// snapshot open and no dangling pointer stays bound. Move-only.
class ScopedStatement {
 public:
  explicit ScopedStatement(Statement* statement) : statement_(statement) {}
  ScopedStatement(ScopedStatement&& other) noexcept
      : statement_(other.statement_) {
    other.statement_ = nullptr;
  }
  ScopedStatement& operator=(ScopedStatement&&) = delete;
  ScopedStatement(const ScopedStatement&) = delete;
  ScopedStatement& operator=(const ScopedStatement&) = delete;
  ~ScopedStatement() {
    if (statement_ != nullptr) statement_->Reset(/*clear_bindings=*/true);
  }

  Statement* operator->() const { return statement_; }
  Statement& operator*() const { return *statement_; }

 private:
  Statement* statement_;
};

}  // namespace equilink::store::sqlite

#endif  // EQUILINK_SERVER_STORE_SQLITE_STATEMENT_H_
