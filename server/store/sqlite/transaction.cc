#include "server/store/sqlite/transaction.h"

#include "absl/strings/str_cat.h"
#include "server/store/sqlite/database.h"

namespace equilink::store::sqlite {

absl::StatusOr<Transaction> Transaction::Begin(Database* db) {
  if (db->InTransaction()) {
    return absl::FailedPreconditionError("begin: a transaction is open");
  }
  absl::Status status = db->Execute("BEGIN IMMEDIATE");
  if (!status.ok()) return status;
  return Transaction(db);
}

Transaction::Transaction(Transaction&& other) noexcept : db_(other.db_) {
  other.db_ = nullptr;
}

Transaction::~Transaction() {
  // A failed rollback leaves nothing more to do: SQLite rolls back on close.
  if (db_ != nullptr) Rollback().IgnoreError();
}

absl::Status Transaction::Commit() {
  if (db_ == nullptr) return absl::FailedPreconditionError("commit: not open");
  absl::Status status = db_->Execute("COMMIT");
  if (!status.ok()) {
    Rollback().IgnoreError();
    return status;
  }
  db_ = nullptr;
  return absl::OkStatus();
}

absl::Status Transaction::Rollback() {
  if (db_ == nullptr)
    return absl::FailedPreconditionError("rollback: not open");
  Database* db = db_;
  db_ = nullptr;
  if (!db->InTransaction()) return absl::OkStatus();
  return db->Execute("ROLLBACK");
}

absl::StatusOr<Savepoint> Savepoint::Begin(Database* db, const char* name) {
  absl::Status status = db->Execute(absl::StrCat("SAVEPOINT ", name).c_str());
  if (!status.ok()) return status;
  return Savepoint(db, name);
}

Savepoint::Savepoint(Savepoint&& other) noexcept
    : db_(other.db_), name_(other.name_) {
  other.db_ = nullptr;
}

Savepoint::~Savepoint() {
  if (db_ != nullptr) Rollback().IgnoreError();
}

absl::Status Savepoint::Release() {
  if (db_ == nullptr) return absl::FailedPreconditionError("release: not open");
  absl::Status status = db_->Execute(absl::StrCat("RELEASE ", name_).c_str());
  if (!status.ok()) return status;  // still open: the destructor rolls back
  db_ = nullptr;
  return absl::OkStatus();
}

absl::Status Savepoint::Rollback() {
  if (db_ == nullptr)
    return absl::FailedPreconditionError("rollback: not open");
  Database* db = db_;
  db_ = nullptr;
  // After an error that rolled back the whole transaction the savepoint is
  // gone; the enclosing Transaction reports that.
  if (!db->InTransaction()) return absl::OkStatus();
  absl::Status status = db->Execute(
      absl::StrCat("ROLLBACK TO ", name_, "; RELEASE ", name_).c_str());
  return status;
}

}  // namespace equilink::store::sqlite
