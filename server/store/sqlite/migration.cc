#include "server/store/sqlite/migration.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "common/status/check.h"
#include "common/status/status_macros.h"
#include "server/store/sqlite/database.h"
#include "server/store/sqlite/transaction.h"

namespace equilink::store::sqlite {

absl::Status Migrate(Database* db, absl::Span<const Migration> steps) {
  EQ_CHECK(!steps.empty());
  for (size_t i = 0; i < steps.size(); ++i) {
    EQ_CHECK(steps[i].version == static_cast<int>(i) + 1);
  }
  const int latest = steps.back().version;
  // Read the version inside the write transaction so two processes opening
  // the same new file cannot both run the steps.
  EQ_ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(db));
  EQ_ASSIGN_OR_RETURN(const int64_t current,
                      db->QueryInt64("PRAGMA user_version"));
  if (current > latest) {
    return absl::FailedPreconditionError(
        absl::StrCat("database schema version ", current,
                     " is newer than this gateway supports (", latest, ")"));
  }
  if (current == latest) return transaction.Commit();
  for (const Migration& step : steps.subspan(current)) {
    absl::Status status = db->Execute(step.sql);
    if (!status.ok()) {
      return absl::Status(
          status.code(),
          absl::StrCat("schema step ", step.version, ": ", status.message()));
    }
  }
  EQ_RETURN_IF_ERROR(
      db->Execute(absl::StrCat("PRAGMA user_version=", latest).c_str()));
  return transaction.Commit();
}

}  // namespace equilink::store::sqlite
