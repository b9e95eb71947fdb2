#ifndef EQUILINK_SERVER_STORE_SQLITE_ERROR_H_
#define EQUILINK_SERVER_STORE_SQLITE_ERROR_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

struct sqlite3;

namespace equilink::store::sqlite {

// Maps an SQLite result code to a canonical absl::Status:
//   BUSY, LOCKED                  -> kUnavailable (retryable)
//   CONSTRAINT, TOOBIG, MISMATCH  -> kInvalidArgument (the data broke the
//                                    schema; rolling back that data is enough)
//   FULL, NOMEM                   -> kResourceExhausted
//   CORRUPT, NOTADB               -> kDataLoss
//   anything else                 -> kInternal
// The message is "<context>: <SQLite's text>". SQLite's messages name tables
// and columns but never bound values, so no record content can leak; `context`
// must follow the same rule. `db` may be null (then only the generic text for
// `rc` is used). Returns OK for SQLITE_OK, SQLITE_ROW and SQLITE_DONE.
absl::Status SqliteStatus(int rc, sqlite3* db, absl::string_view context);

// True for statuses SqliteStatus produces for data that broke a constraint
// (kInvalidArgument); such an error is confined to the statement that hit it.
inline bool IsDataError(const absl::Status& status) {
  return status.code() == absl::StatusCode::kInvalidArgument;
}

}  // namespace equilink::store::sqlite

#endif  // EQUILINK_SERVER_STORE_SQLITE_ERROR_H_
