#ifndef EQUILINK_SERVER_GOVERNANCE_POLICY_DECISION_H_
#define EQUILINK_SERVER_GOVERNANCE_POLICY_DECISION_H_

// The answer of a governance check (submission_policy.h, extract_policy.h):
// what to do, the governance.md rule that decided it, and a reason fit for the
// caller and the audit log (no identifiers, no record content).

#include <cstdint>
#include <string>

namespace equilink::governance {

enum class Verdict {
  kAllow,
  kDeny,        // REJECT a submission or BLOCK an extract
  kQuarantine,  // hold the record; do not release it to linkage
};

struct PolicyDecision {
  Verdict verdict = Verdict::kDeny;
  std::string rule;    // e.g. "S6", "E2"; for an allow, the last rule checked
  std::string reason;  // plain English

  // For an allow: the agreement version and flow that authorised the action,
  // which the audit entry cites (with the version's hash).
  std::string agreement_id;
  uint32_t agreement_version = 0;
  std::string flow_id;

  bool allowed() const { return verdict == Verdict::kAllow; }
};

}  // namespace equilink::governance

#endif  // EQUILINK_SERVER_GOVERNANCE_POLICY_DECISION_H_
