#ifndef EQUILINK_SERVER_STORE_SQLITE_TRANSACTION_H_
#define EQUILINK_SERVER_STORE_SQLITE_TRANSACTION_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace equilink::store::sqlite {

class Database;

// A write transaction (BEGIN IMMEDIATE, so the write lock is taken up front
// and waits out busy_timeout there rather than failing at the first write).
// Rolled back on destruction unless Commit() succeeded. Move-only; the
// database must outlive it. Not thread-safe, like its Database.
class Transaction {
 public:
  // Begins a transaction on `db`. kUnavailable when another connection holds
  // the write lock beyond busy_timeout; kFailedPrecondition when `db` is in a
  // transaction already.
  static absl::StatusOr<Transaction> Begin(Database* db);

  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  // Makes the changes durable. On error the transaction is rolled back (SQLite
  // may leave it open after a failed COMMIT, e.g. SQLITE_BUSY; this does not).
  absl::Status Commit();
  // Discards the changes. A no-op when SQLite already rolled back on its own
  // after an error such as SQLITE_FULL.
  absl::Status Rollback();

  // True until Commit() or Rollback().
  bool is_open() const { return db_ != nullptr; }

 private:
  explicit Transaction(Database* db) : db_(db) {}

  Database* db_;  // null once finished
};

// A nested unit inside a Transaction (SAVEPOINT), so one part of a
// transaction can be undone without losing the rest. Rolled back to on
// destruction unless Release() succeeded. Same ownership rules as Transaction.
class Savepoint {
 public:
  // REQUIRES: `name` is a plain SQL identifier (not user input).
  static absl::StatusOr<Savepoint> Begin(Database* db, const char* name);

  Savepoint(Savepoint&& other) noexcept;
  Savepoint& operator=(Savepoint&&) = delete;
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  ~Savepoint();

  // Keeps the changes as part of the enclosing transaction.
  absl::Status Release();
  // Undoes the changes made since Begin and ends the savepoint.
  absl::Status Rollback();

 private:
  Savepoint(Database* db, const char* name) : db_(db), name_(name) {}

  Database* db_;  // null once finished
  const char* name_;
};

}  // namespace equilink::store::sqlite

#endif  // EQUILINK_SERVER_STORE_SQLITE_TRANSACTION_H_
