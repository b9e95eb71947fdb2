#include "server/store/sqlite/error.h"

#include <sqlite3.h>

#include "absl/strings/str_cat.h"

namespace equilink::store::sqlite {

absl::Status SqliteStatus(int rc, sqlite3* db, absl::string_view context) {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) {
    return absl::OkStatus();
  }
  // sqlite3_errmsg describes the most recent failure on the connection, which
  // is this one only when the connection's last code matches.
  const char* text = (db != nullptr && sqlite3_extended_errcode(db) == rc)
                         ? sqlite3_errmsg(db)
                         : sqlite3_errstr(rc);
  std::string message = absl::StrCat(context, ": ", text);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(message);
    case SQLITE_CONSTRAINT:
    case SQLITE_TOOBIG:
    case SQLITE_MISMATCH:
      return absl::InvalidArgumentError(message);
    case SQLITE_FULL:
    case SQLITE_NOMEM:
      return absl::ResourceExhaustedError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace equilink::store::sqlite
