#ifndef EQUILINK_SERVER_GOVERNANCE_SUBMISSION_POLICY_H_
#define EQUILINK_SERVER_GOVERNANCE_SUBMISSION_POLICY_H_

// The agreement checks on a submission (governance.md, "On every
// submission"), as pure functions over agreements the caller has loaded:
//   S2  an ACTIVE agreement, in force today, with a submission flow from the
//       caller for this dataset
//   S3  the agreement's review is not overdue (beyond a grace period)
//   S4  the batch's purpose is one of the flow's purposes
//   S7  the batch's tokens were made under the agreement's pseudonym domain
//   S6  every populated field is on the whitelist and of a class the flow may
//       carry
//   S11 the batch is within the flow's record limit
//   S9  per record: age and geography inside the agreement's population
// Transport identity (S1), signatures (S5), value checks (S8) and the audit
// append (S13) belong to other layers.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/types/span.h"
#include "equilink/v1/agreement.pb.h"
#include "equilink/v1/record.pb.h"
#include "server/governance/policy_decision.h"

namespace equilink::governance {

struct SubmissionRequest {
  absl::string_view organisation_code;  // from the caller's certificate
  absl::string_view dataset_id;
  absl::string_view purpose_id;
  // The linkage key the batch's tokens were made under (S7): tokens from any
  // other key cannot be linked with the rest of the domain, and a provider on
  // a stale or foreign key must not pollute it.
  absl::string_view key_id;
  absl::CivilDay day;  // today, in the agreements' time zone
  // PseudonymisedRecord field names populated in any record of the batch
  // (PopulatedRecordFields).
  absl::Span<const std::string> populated_fields;
  uint64_t batch_size = 0;
  int review_grace_days =
      0;  // S3 lets a batch through this long after review_due
};

// Decides whether any of `agreements` lets the batch in. Agreements not
// ACTIVE on `day` only shape the reason. Allow cites the first agreement and
// flow that permits the batch; otherwise Deny names the rule that stopped the
// closest candidate.
PolicyDecision CheckSubmission(absl::Span<const v1::Agreement> agreements,
                               const SubmissionRequest& request);

// The names of the fields `record` populates (non-default scalars, non-empty
// repeated fields), in field-number order.
std::vector<std::string> PopulatedRecordFields(
    const v1::PseudonymisedRecord& record);

// Where an LSOA lies. The gateway implements it from the ONS lookup it ships
// (LSOA to local authority district); tests use a map. Implementations must be
// safe to call from several threads.
class LocalAuthorityLookup {
 public:
  virtual ~LocalAuthorityLookup() = default;
  // The local authority district code of `lsoa_code`, or nullopt when unknown.
  virtual std::optional<std::string> LocalAuthorityOf(
      absl::string_view lsoa_code) const = 0;
};

// S9 for one record of a batch already allowed under `agreement`: kAllow
// (rule only: no reason, no agreement id, since the batch's decision cites
// the agreement), or kQuarantine with a reason when the record's age or its
// LSOA's local authority is outside the population scope, or cannot be
// established. The age is the age at referral; a record with no referral (an
// ICS population register's entry) is aged on `day`, the day of submission,
// from its birth year-month, counting the birth month as complete so that
// no one is made older than they are.
PolicyDecision CheckRecordScope(const v1::Agreement& agreement,
                                const v1::PseudonymisedRecord& record,
                                const LocalAuthorityLookup& local_authorities,
                                absl::CivilDay day);

}  // namespace equilink::governance

#endif  // EQUILINK_SERVER_GOVERNANCE_SUBMISSION_POLICY_H_
