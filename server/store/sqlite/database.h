#ifndef EQUILINK_SERVER_STORE_SQLITE_DATABASE_H_
#define EQUILINK_SERVER_STORE_SQLITE_DATABASE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/store/sqlite/statement.h"

struct sqlite3;

namespace equilink::store::sqlite {

// Names a cached statement by where it is written, as Chromium's
// SQL_FROM_HERE does: EQ_SQL_FROM_HERE.
struct StatementId {
  const char* file;
  int line;
};
#define EQ_SQL_FROM_HERE \
  (::equilink::store::sqlite::StatementId{__FILE__, __LINE__})

// One SQLite connection (RAII: closed with sqlite3_close_v2) with the house
// settings applied at open, and a cache of prepared statements.
//
// Not thread-safe: the connection is opened in SQLite's multi-thread mode
// (SQLITE_OPEN_NOMUTEX), so its owner serialises every use of it and of the
// statements it hands out.
class Database {
 public:
  struct Options {
    // A file path, or ":memory:" for a private in-memory database.
    std::string path;
    int busy_timeout_ms = 5000;
    // PRAGMA page_size; takes effect only when the file is created.
    int page_size = 4096;
    // PRAGMA cache_size; negative values are KiB (-65536 = 64 MiB).
    int cache_size = -65536;
    // PRAGMA wal_autocheckpoint, in pages. Larger than SQLite's 1000 because
    // each checkpoint ends in an fsync of the database file, and fewer,
    // bigger checkpoints measured faster under synchronous=FULL.
    int wal_autocheckpoint_pages = 10000;
    // A read connection: PRAGMA query_only, and the file-level settings
    // (page size, journal mode, checkpointing) are left to the writer.
    bool query_only = false;
  };

  // Opens (creating if needed) the database and sets journal_mode=WAL (a file
  // database must end up in WAL, else kFailedPrecondition),
  // synchronous=FULL, foreign_keys=ON and the options above.
  static absl::StatusOr<std::unique_ptr<Database>> Open(const Options& options);

  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more SQL statements that return no values the caller needs.
  // REQUIRES: `sql` holds no untrusted text (bind values with a Statement).
  absl::Status Execute(const char* sql);

  // The statement cached under `id`, prepared once (SQLITE_PREPARE_PERSISTENT)
  // from `sql` on first use and ready to bind. Using one id for two different
  // SQL texts is a programming error and aborts.
  absl::StatusOr<ScopedStatement> GetCachedStatement(StatementId id,
                                                     const char* sql);

  // A statement prepared for one use, owned by the caller.
  absl::StatusOr<std::unique_ptr<Statement>> GetUniqueStatement(
      absl::string_view sql);

  // Runs a query and returns the first column of its first row, e.g.
  // "PRAGMA user_version". kNotFound when it returns no row.
  absl::StatusOr<int64_t> QueryInt64(absl::string_view sql);
  absl::StatusOr<std::string> QueryText(absl::string_view sql);

  // True while an explicit transaction is open on this connection.
  bool InTransaction() const;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t Changes() const;
  // The rowid of the last row this connection inserted into a rowid table.
  int64_t LastInsertRowid() const;

  sqlite3* handle() const { return db_; }

 private:
  struct IdLess {
    bool operator()(const StatementId& a, const StatementId& b) const;
  };

  explicit Database(sqlite3* db) : db_(db) {}
  absl::Status Configure(const Options& options);

  // Declared before the cache so the statements are finalized first.
  sqlite3* const db_;
  std::map<StatementId, std::unique_ptr<Statement>, IdLess> cache_;
};

}  // namespace equilink::store::sqlite

#endif  // EQUILINK_SERVER_STORE_SQLITE_DATABASE_H_
