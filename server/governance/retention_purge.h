#ifndef EQUILINK_SERVER_GOVERNANCE_RETENTION_PURGE_H_
#define EQUILINK_SERVER_GOVERNANCE_RETENTION_PURGE_H_

// Retention: a batch's records (and its quarantined records) are removed once
// the retention period of the agreement version that admitted the batch,
// counted from the batch's receipt, has passed. The batch row stays, so a
// re-sent batch is still answered "already stored" rather than stored again.
// Batches admitted before agreements were enforced (no agreement recorded)
// are kept: their retention is unknown, and deleting on a guess is worse
// than keeping.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "equilink/v1/audit.pb.h"
#include "equilink/v1/governance.pb.h"
#include "server/audit/audit_log.h"
#include "server/governance/agreement_registry.h"
#include "server/store/store.h"

namespace equilink::governance {

// An ISO 8601 duration of whole years, months, weeks and days: "P7Y", "P18M",
// "P90D", "P1Y6M", "P2W". Time parts (PT...) are refused: retention is
// counted in days.
struct RetentionPeriod {
  int years = 0;
  int months = 0;
  int days = 0;
};
absl::StatusOr<RetentionPeriod> ParseRetentionPeriod(absl::string_view iso);

// When a batch received at `received` reaches the end of `period`, counted
// in calendar terms in the agreements' time zone (received 31 Jan + P1M is
// the end of February's overflow, i.e. 2 or 3 March, as civil-time
// normalisation gives).
absl::Time RetentionEnds(absl::Time received, const RetentionPeriod& period,
                         absl::TimeZone zone);

// Removes (or, on a dry run, only counts) the records of every batch whose
// retention has ended at `now`. The report counts records and quarantined
// records together and names the agreements whose retention decided.
// DataLoss when an admitting agreement fails its hash check; InvalidArgument
// naming the agreement when its retention period cannot be parsed (nothing is
// removed then). Batches whose agreement version is not in the registry are
// kept and logged.
absl::StatusOr<v1::PurgeReport> PurgeExpiredRecords(
    store::Store& store, AgreementRegistry& agreements, absl::Time now,
    bool dry_run);

// PurgeExpiredRecords with the audit entry ("retention.purge") both callers
// need: the governance service's handler and the gateway's periodic job. The
// intended purge is counted and audited first, then carried out, so a failed
// append removes nothing and a crash after it over-reports, never
// under-reports.
absl::StatusOr<v1::PurgeReport> PurgeExpiredRecordsAudited(
    store::Store& store, AgreementRegistry& agreements, audit::AuditLog& audit,
    const v1::AuditPrincipal& principal, absl::Time now, bool dry_run);

}  // namespace equilink::governance

#endif  // EQUILINK_SERVER_GOVERNANCE_RETENTION_PURGE_H_
