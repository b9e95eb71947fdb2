#ifndef EQUILINK_SERVER_BACKUP_GATEWAY_DATABASES_H_
#define EQUILINK_SERVER_BACKUP_GATEWAY_DATABASES_H_

// Which SQLite files a gateway keeps, as its configuration names them.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "equilink/v1/gateway_config.pb.h"

namespace equilink::backup {

// The store: records, batches, agreements, opt-outs, linkage state, release
// ledger (server/store/schema.cc).
inline constexpr char kStoreRole[] = "store";
// The hash-chained audit log (server/audit/).
inline constexpr char kAuditRole[] = "audit";

struct DatabaseFile {
  std::string role;  // kStoreRole, kAuditRole
  std::string path;
};

// Every database file `config` names (after config::LoadGatewayConfig has
// applied defaults and resolved paths), the store first: a backup copies
// them in this order, so the audit copy is the later snapshot and holds the
// decision behind everything in the store copy.
std::vector<DatabaseFile> GatewayDatabases(const v1::GatewayConfig& config);

// InvalidArgument unless `databases` has one store and one audit file, each
// with a path, and no role twice.
absl::Status CheckGatewayDatabases(const std::vector<DatabaseFile>& databases);

// The file the backup directory keeps `role`'s copy in, e.g. "store.db".
std::string BackupFileName(const std::string& role);

}  // namespace equilink::backup

#endif  // EQUILINK_SERVER_BACKUP_GATEWAY_DATABASES_H_
