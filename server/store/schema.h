#ifndef EQUILINK_SERVER_STORE_SCHEMA_H_
#define EQUILINK_SERVER_STORE_SCHEMA_H_

#include "absl/types/span.h"
#include "server/store/sqlite/migration.h"

namespace equilink::store {

// The SQLite store's schema as an ordered list of steps for
// sqlite::Migrate(). Later areas (linkage, framework) append steps; released
// steps are never edited.
absl::Span<const sqlite::Migration> StoreMigrations();

}  // namespace equilink::store

#endif  // EQUILINK_SERVER_STORE_SCHEMA_H_
