#ifndef EQUILINK_SERVER_GOVERNANCE_AGREEMENT_LIFECYCLE_H_
#define EQUILINK_SERVER_GOVERNANCE_AGREEMENT_LIFECYCLE_H_

// The life of one agreement version, as an append-only list of
// AgreementEvents:
//
//   DRAFT --approve x2--> APPROVED --activate--> ACTIVE --suspend--> SUSPENDED
//                                                  |  <--resume------'   |
//                                                  +--> EXPIRED <--------+
//   any status but EXPIRED or TERMINATED --terminate--> TERMINATED
//
// Approval is four-eyes: two different governance principals, neither the
// author. The first approval is recorded and leaves the version a DRAFT; the
// second makes it APPROVED. A version is immutable: every event carries the
// version hash, and a transition is refused if the content no longer matches
// the hash earlier events were made against. A changed agreement is a new
// version (CheckSuccessorVersion).
//
// Errors name the rule: "four-eyes: ..." for approvals, "lifecycle rule L<n>:
// ..." otherwise:
//   L1 the action is not allowed from the current status
//   L2 only a governance principal may change an agreement's status
//   L3 only a valid agreement may be approved or activated
//   L4 nothing past its expiry date may become active; expiry needs the date
//      to have passed
//   L5 suspending or terminating needs a reason
//   L6 the history belongs to this exact version (immutability)
//   L7 a new version follows the one it supersedes: same id, next number,
//      the previous version's hash
//
// Everything here is a pure function of its arguments and thread-compatible.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "equilink/v1/agreement.pb.h"

namespace equilink::governance {

// Who asks for a transition. `principal` identifies a person or the
// scheduler, never an organisation alone, because four-eyes needs two people.
struct Actor {
  std::string principal;
  bool has_governance_role = false;
};

struct TransitionRequest {
  v1::AgreementAction action = v1::AGREEMENT_ACTION_UNSPECIFIED;
  Actor actor;
  absl::Time time;
  // Agreement dates are civil dates in this zone (Europe/London in
  // production); `time` is read in it to decide expiry.
  absl::TimeZone agreement_time_zone = absl::UTCTimeZone();
  std::string reason;
};

// The status the history leaves the version in: DRAFT when it is empty.
v1::AgreementStatus StatusAfter(absl::Span<const v1::AgreementEvent> history);

// Checks `request` against `agreement` and its `history` (oldest first) and
// returns the event to append; its to_status is the new status. The caller
// persists the event; nothing here changes state. FailedPrecondition for a
// transition the status does not allow, PermissionDenied for the actor rules
// (L2, four-eyes), InvalidArgument for a missing reason or an invalid
// agreement, DataLoss when the history is for other content (L6).
absl::StatusOr<v1::AgreementEvent> ApplyTransition(
    const v1::Agreement& agreement,
    absl::Span<const v1::AgreementEvent> history,
    const TransitionRequest& request);

// The status as of `day`: EXPIRED for an ACTIVE or SUSPENDED agreement whose
// expiry date has passed, otherwise agreement.status(). The scheduled job
// records the expiry with ApplyTransition(AGREEMENT_ACTION_EXPIRE); the checks
// use this so an overdue expiry job never lets data through.
v1::AgreementStatus EffectiveStatus(const v1::Agreement& agreement,
                                    absl::CivilDay day);

// OK when `next` may supersede `previous`: same agreement id, version one
// higher, supersedes_hash equal to previous's version hash. InvalidArgument
// naming rule L7 otherwise.
absl::Status CheckSuccessorVersion(const v1::Agreement& previous,
                                   const v1::Agreement& next);

}  // namespace equilink::governance

#endif  // EQUILINK_SERVER_GOVERNANCE_AGREEMENT_LIFECYCLE_H_
