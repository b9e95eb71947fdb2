#ifndef EQUILINK_SERVER_INGEST_BATCH_INGESTOR_H_
#define EQUILINK_SERVER_INGEST_BATCH_INGESTOR_H_

// The gateway's submission rules for one batch, independent of gRPC: check the
// envelope, validate every record again (the gateway never trusts the client),
// write the accepted records durably, and build the acknowledgement that may be
// sent only after that write.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "equilink/v1/audit.pb.h"
#include "equilink/v1/submission.pb.h"
#include "server/audit/audit_log.h"
#include "server/governance/agreement_cache.h"
#include "server/governance/optout_registry.h"
#include "server/governance/submission_policy.h"
#include "server/ingest/rate_limiter.h"
#include "server/metrics/gateway_metrics.h"
#include "server/store/store.h"

namespace equilink::ingest {

struct IngestOptions {
  uint32_t max_batch_records = 5000;
  // Linkage key ids this linkage domain uses. Tokens made under another key
  // cannot be linked, so such a batch is refused. Empty accepts any key id.
  std::vector<std::string> accepted_key_ids;
  // Called after a batch with records became durable (the linkage worker's
  // wake-up). May be empty. Must not block.
  std::function<void()> on_records_committed;
  // Counts every batch and record decision (not owned; null: not counted).
  metrics::GatewayCounters* metrics = nullptr;
};

// What enforces the data sharing agreements on every batch. None of the
// pointers is owned; all must outlive the ingestor; only `optouts` may be null
// (then an agreement that applies the opt-out at ingest refuses every batch,
// rule S10, because the list it needs is missing).
struct IngestGovernance {
  governance::AgreementCache* agreements = nullptr;
  const governance::LocalAuthorityLookup* local_authorities = nullptr;
  const governance::OptOutRegistry* optouts = nullptr;
  audit::AuditLog* audit = nullptr;
  RateLimiter* rate_limiter = nullptr;
  uint32_t review_grace_days = 30;
};

// True for 1-64 characters of [A-Za-z0-9._-]: the shape of submission, dataset
// and key ids.
bool IsWellFormedId(absl::string_view id);

class BatchIngestor {
 public:
  // `store` is not owned and must outlive the ingestor. Without `governance`
  // no agreement is checked and nothing is audited: only the end-to-end
  // benchmark builds such an ingestor (GatewayServer::StartOptions), to
  // measure what enforcement costs; no configuration can ask for it.
  BatchIngestor(store::Store* store, IngestOptions options,
                std::optional<IngestGovernance> governance = std::nullopt);

  // Processes one batch from `organisation_code` (already authenticated and
  // authorised). Returns the acknowledgement once the accepted records are
  // durable:
  //  - BATCH_ACCEPTED or BATCH_PARTIALLY_ACCEPTED with one RecordRejection per
  //  refused record;
  //  - BATCH_REJECTED with a reason when the batch as a whole breaks a rule
  //  (too many records,
  //    an unaccepted key id); nothing from it is stored, so a corrected re-send
  //    is possible;
  //  - the stored acknowledgement with already_stored set when this (submission
  //  id, sequence)
  //    was durable before.
  // InvalidArgument when the envelope cannot even be keyed (malformed
  // submission id); the store's error (e.g. Unavailable while closing) when the
  // write fails. Thread-safe.
  //
  // Under governance, in this order:
  //  1. the organisation's rate limit (S11): ResourceExhausted with a retry
  //     hint when the batch would wait more than about a second;
  //  2. the envelope checks above;
  //  3. the agreement checks on the whole batch (S2/S3/S4 an active agreement
  //     and flow for this organisation, dataset, purpose and day; S6 every
  //     populated field on the whitelist and of a permitted class; S11 the
  //     flow's batch limit; S10 the opt-out list, when the agreement applies
  //     it at ingest): BATCH_REJECTED with a reason that starts with the rule
  //     id, nothing stored;
  //  4. per record: validation (rejections as above), the national data
  //     opt-out (dropped, only counted), population scope S9 (quarantined:
  //     stored apart, in the same transaction, never in the linkage feed).
  // Every decision is appended to the audit log BEFORE the batch is
  // committed and acknowledged (rule S13): decide -> audit -> commit -> ack.
  // When the append fails the batch is refused with Unavailable and nothing
  // is stored. A crash between the append and the commit over-reports (an
  // entry for a batch never stored, re-audited when re-sent), never
  // under-reports.
  absl::StatusOr<v1::BatchAck> Ingest(absl::string_view organisation_code,
                                      const v1::SubmissionBatch& batch) const;

 private:
  // Ingest without the counting. `refused_by` is set to the rule that refused
  // the batch as a whole, when one did.
  absl::StatusOr<v1::BatchAck> Decide(absl::string_view organisation_code,
                                      const v1::SubmissionBatch& batch,
                                      std::string* refused_by) const;

  // The audit entry for a decision about `batch`; appended by Audit().
  absl::Status Audit(absl::string_view organisation_code,
                     const v1::SubmissionBatch& batch,
                     v1::AuditEntry entry) const;
  absl::Status AuditDeny(absl::string_view organisation_code,
                         const v1::SubmissionBatch& batch,
                         absl::string_view rule,
                         absl::string_view reason) const;

  store::Store* const store_;
  const IngestOptions options_;
  const std::optional<IngestGovernance> governance_;
};

}  // namespace equilink::ingest

#endif  // EQUILINK_SERVER_INGEST_BATCH_INGESTOR_H_
