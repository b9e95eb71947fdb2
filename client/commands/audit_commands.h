#ifndef EQUILINK_CLIENT_COMMANDS_AUDIT_COMMANDS_H_
#define EQUILINK_CLIENT_COMMANDS_AUDIT_COMMANDS_H_

// `equilink audit list` and `equilink audit verify`: the auditor's side of
// the tamper-evident log. The gateway ships its rows as stored and unverified
// (GovernanceService.ListAuditEntries); the verification runs here, so an
// auditor never has to take the gateway's word about its own log.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "client/commands/governance_connection.h"
#include "equilink/v1/audit.pb.h"
#include "server/audit/audit_reader.h"

namespace equilink::client {

// Every entry above `after_sequence` with the checkpoints that go with them,
// in the order the gateway stored them. gRPC errors as absl::Status.
absl::StatusOr<audit::StoredAuditLog> FetchAuditLog(
    const GatewayConnection& gateway, uint64_t after_sequence);

// One line per entry: sequence, time (UTC), organisation, role, person,
// action, decision, rule, agreement, reason.
std::string FormatAuditTable(absl::Span<const v1::AuditEntry> entries);

struct AuditVerifyOptions {
  GatewayConnection gateway;
  // A local copy of the audit database to verify instead of the gateway's
  // log.
  std::string audit_db;
  // The checkpoint public key (SubjectPublicKeyInfo PEM) obtained out of
  // band. Empty: ask the gateway (GetAuditKey), which proves less, because a
  // party that can rewrite its log can also hand out a new key.
  std::string public_key_path;
  // Checkpoints published earlier (JSON lines, checkpoint_export.h), checked
  // with the log's own.
  std::string checkpoints_path;
};

struct AuditVerifyResult {
  v1::AuditVerifyReport report;
  std::vector<std::string> warnings;  // for stderr
};

// Reads the log (from the gateway or `audit_db`), the key and the published
// checkpoints, and verifies them with VerifyAuditEntries. Tampering is in the
// report, not an error; errors are for a log, key or file that cannot be
// read.
absl::StatusOr<AuditVerifyResult> RunAuditVerify(
    const AuditVerifyOptions& options);

// "audit log verified: ..." or "audit log TAMPERED: entry N ...".
std::string FormatVerifyReport(const v1::AuditVerifyReport& report);

// The exit code `equilink audit verify` ends with: 0 when the log verified,
// 4 when it was tampered with.
inline int VerifyExitCode(const v1::AuditVerifyReport& report) {
  return report.ok() ? 0 : 4;
}

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_COMMANDS_AUDIT_COMMANDS_H_
