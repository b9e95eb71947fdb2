#ifndef EQUILINK_SERVER_STORE_SQLITE_MIGRATION_H_
#define EQUILINK_SERVER_STORE_SQLITE_MIGRATION_H_

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace equilink::store::sqlite {

class Database;

// One schema step: the SQL (any number of statements) that takes a database
// from version - 1 to `version`. Steps are never edited once released; a
// change is a new step.
struct Migration {
  int version;
  const char* sql;
};

// Brings `db` to the last step's version, recorded in PRAGMA user_version.
// All pending steps run in one BEGIN IMMEDIATE transaction, so a failure
// leaves the database at its old version. Idempotent: a database at the
// latest version is left alone. kFailedPrecondition when the database is
// newer than `steps` (written by a later gateway).
// REQUIRES: `steps` is non-empty and numbered 1, 2, 3, ... in order.
absl::Status Migrate(Database* db, absl::Span<const Migration> steps);

}  // namespace equilink::store::sqlite

#endif  // EQUILINK_SERVER_STORE_SQLITE_MIGRATION_H_
