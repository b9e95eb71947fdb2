#ifndef EQUILINK_SERVER_GOVERNANCE_FLOW_RESOLVER_H_
#define EQUILINK_SERVER_GOVERNANCE_FLOW_RESOLVER_H_

// Shared by the submission and extract checks: which flows of which agreements
// could authorise an action, and when none can, the most specific reason why.
// The narrowing runs from the broadest condition (any agreement names this
// organisation on a flow in this direction) to the narrowest (purpose), so a
// denial names the first condition no agreement met: a caller told "suspended"
// learns more than one told "no flow".

#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/types/span.h"
#include "equilink/v1/agreement.pb.h"
#include "server/governance/policy_decision.h"

namespace equilink::governance {

struct FlowQuery {
  v1::FlowDirection direction = v1::FLOW_DIRECTION_UNSPECIFIED;
  // The sender for a submission, the receiver for an extract.
  absl::string_view organisation;
  absl::string_view dataset_id;  // empty: any dataset
  absl::string_view purpose_id;
  absl::CivilDay day;
  int review_grace_days = 0;
  // Rule ids to report: agreement status, dates and dataset; an overdue
  // review; a purpose not on the flow.
  absl::string_view agreement_rule;
  absl::string_view review_rule;
  absl::string_view purpose_rule;
};

struct FlowMatch {
  const v1::Agreement* agreement;  // points into the caller's span
  const v1::Flow* flow;
};

// The flows meeting every condition of `query`, in agreement then flow order.
// When there are none, `*denial` says why. The pointers live as long as
// `agreements`.
std::vector<FlowMatch> ResolveFlows(absl::Span<const v1::Agreement> agreements,
                                    const FlowQuery& query,
                                    PolicyDecision* denial);

// Allow(allow_rule) citing the first flow of ResolveFlows(agreements, query)
// that `check` passes (returns nullopt for). Otherwise the resolver's denial
// or, when flows matched but `check` failed them all, the failure of the flow
// that came closest: the one whose failing rule comes latest in
// `rules_in_check_order` (the order `check` applies its rules), the first
// such flow on a tie. So an agreement with an aggregate flow and a record-level
// flow tells a record-level request with an off-whitelist field about the
// field (E4), not that the aggregate flow is less identifying (E3).
PolicyDecision DecideOnFlows(
    absl::Span<const v1::Agreement> agreements, const FlowQuery& query,
    absl::string_view allow_rule,
    absl::Span<const absl::string_view> rules_in_check_order,
    absl::FunctionRef<std::optional<PolicyDecision>(const FlowMatch&)> check);

// The data item on `agreement`'s whitelist for `field`, or null.
const v1::DataItem* FindDataItem(const v1::Agreement& agreement,
                                 absl::string_view field);

// A PolicyDecision with verdict kDeny.
PolicyDecision Deny(absl::string_view rule, absl::string_view reason);

// A PolicyDecision with verdict kAllow citing `match`.
PolicyDecision Allow(absl::string_view rule, const FlowMatch& match);

}  // namespace equilink::governance

#endif  // EQUILINK_SERVER_GOVERNANCE_FLOW_RESOLVER_H_
