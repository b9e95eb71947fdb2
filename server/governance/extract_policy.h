#ifndef EQUILINK_SERVER_GOVERNANCE_EXTRACT_POLICY_H_
#define EQUILINK_SERVER_GOVERNANCE_EXTRACT_POLICY_H_

// The agreement checks on an extract (governance.md, "On every extract"), as
// a pure function over agreements the caller has loaded:
//   E2 an ACTIVE agreement, in force today, with an extract flow to the
//      consumer for this purpose; a requested indicator is one the purpose
//      permits
//   E3 the output is no more identifying than the flow allows
//   E4 every requested field is on the whitelist and of a class that may be
//      released at the requested level
// Role checks (E1) come before this; opt-outs, disclosure control, retention
// and the release manifest (E5-E11) are applied to the data afterwards.

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/types/span.h"
#include "equilink/v1/agreement.pb.h"
#include "equilink/v1/extract.pb.h"
#include "server/governance/policy_decision.h"

namespace equilink::governance {

struct ExtractRequest {
  absl::string_view consumer_organisation;  // from the caller's certificate
  absl::string_view purpose_id;
  absl::string_view dataset_id;    // empty: not tied to one dataset
  absl::string_view indicator_id;  // empty: not an indicator extract
  absl::CivilDay day;
  v1::Identifiability level = v1::IDENTIFIABILITY_UNSPECIFIED;
  absl::Span<const std::string> fields;  // PseudonymisedRecord field names
};

// Allow citing the first agreement and flow that permits the extract, or Deny
// (a BLOCK) naming the E rule that stopped the closest candidate.
PolicyDecision CheckExtract(absl::Span<const v1::Agreement> agreements,
                            const ExtractRequest& request);

// CheckExtract for a Pull of records: `request`'s purpose, dataset,
// identifiability and fields, asked by `consumer` on `day`. One place for the
// extract service and its fuzz target.
PolicyDecision CheckPullExtract(absl::Span<const v1::Agreement> agreements,
                                absl::string_view consumer,
                                const v1::PullRequest& request,
                                absl::CivilDay day);

}  // namespace equilink::governance

#endif  // EQUILINK_SERVER_GOVERNANCE_EXTRACT_POLICY_H_
