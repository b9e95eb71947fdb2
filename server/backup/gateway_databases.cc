#include "server/backup/gateway_databases.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace equilink::backup {

std::vector<DatabaseFile> GatewayDatabases(const v1::GatewayConfig& config) {
  return {
      DatabaseFile{kStoreRole, config.store().sqlite_path()},
      DatabaseFile{kAuditRole, config.audit().sqlite_path()},
  };
}

absl::Status CheckGatewayDatabases(const std::vector<DatabaseFile>& databases) {
  absl::flat_hash_set<std::string> roles;
  absl::flat_hash_set<std::string> paths;
  for (const DatabaseFile& database : databases) {
    if (database.path.empty() || database.path == ":memory:") {
      return absl::InvalidArgumentError(absl::StrCat(
          "the ", database.role, " database has no file to back up"));
    }
    if (!roles.insert(database.role).second ||
        !paths.insert(database.path).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("the ", database.role,
                       " database is listed twice or shares another's file"));
    }
  }
  if (!roles.contains(kStoreRole) || !roles.contains(kAuditRole)) {
    return absl::InvalidArgumentError(
        "a gateway backup needs both the store and the audit database");
  }
  return absl::OkStatus();
}

std::string BackupFileName(const std::string& role) {
  return absl::StrCat(role, ".db");
}

}  // namespace equilink::backup
