#include "server/governance/agreement_lifecycle.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "server/governance/agreement_dates.h"
#include "server/governance/agreement_file.h"
#include "server/governance/agreement_validator.h"

namespace equilink::governance {
namespace {

absl::Status LifecycleError(absl::StatusCode code, absl::string_view rule,
                            absl::string_view what) {
  return absl::Status(code, absl::StrCat("lifecycle rule ", rule, ": ", what));
}

// The status an action moves to from `from`, or UNSPECIFIED when the action
// is not allowed there. Approval is handled separately (four-eyes).
v1::AgreementStatus Target(v1::AgreementAction action,
                           v1::AgreementStatus from) {
  switch (action) {
    case v1::AGREEMENT_ACTION_ACTIVATE:
      if (from == v1::AGREEMENT_APPROVED) return v1::AGREEMENT_ACTIVE;
      break;
    case v1::AGREEMENT_ACTION_SUSPEND:
      if (from == v1::AGREEMENT_ACTIVE) return v1::AGREEMENT_SUSPENDED;
      break;
    case v1::AGREEMENT_ACTION_RESUME:
      if (from == v1::AGREEMENT_SUSPENDED) return v1::AGREEMENT_ACTIVE;
      break;
    case v1::AGREEMENT_ACTION_EXPIRE:
      if (from == v1::AGREEMENT_ACTIVE || from == v1::AGREEMENT_SUSPENDED)
        return v1::AGREEMENT_EXPIRED;
      break;
    case v1::AGREEMENT_ACTION_TERMINATE:
      if (from != v1::AGREEMENT_EXPIRED && from != v1::AGREEMENT_TERMINATED)
        return v1::AGREEMENT_TERMINATED;
      break;
    default:
      break;
  }
  return v1::AGREEMENT_STATUS_UNSPECIFIED;
}

absl::Status CheckHistoryMatches(const v1::Agreement& agreement,
                                 absl::string_view hash,
                                 absl::Span<const v1::AgreementEvent> history) {
  for (const v1::AgreementEvent& event : history) {
    if (event.agreement_id() != agreement.agreement_id() ||
        event.version() != agreement.version() ||
        event.agreement_hash() != hash) {
      return LifecycleError(absl::StatusCode::kDataLoss, "L6",
                            "the agreement's content differs from the version "
                            "its history was recorded against");
    }
  }
  return absl::OkStatus();
}

// Four-eyes: two different governance principals, neither the author.
// Returns the status after this approval.
absl::StatusOr<v1::AgreementStatus> CheckApproval(
    const v1::Agreement& agreement,
    absl::Span<const v1::AgreementEvent> history, const Actor& actor) {
  if (actor.principal == agreement.author()) {
    return absl::PermissionDeniedError("four-eyes: approver is the author");
  }
  for (const v1::AgreementEvent& event : history) {
    if (event.action() == v1::AGREEMENT_ACTION_APPROVE &&
        event.principal() == actor.principal) {
      return absl::PermissionDeniedError(
          "four-eyes: second approval by the same principal");
    }
  }
  const bool first_approval_recorded =
      std::any_of(history.begin(), history.end(), [](const auto& event) {
        return event.action() == v1::AGREEMENT_ACTION_APPROVE;
      });
  return first_approval_recorded ? v1::AGREEMENT_APPROVED : v1::AGREEMENT_DRAFT;
}

absl::StatusOr<v1::AgreementStatus> NextStatus(
    const v1::Agreement& agreement,
    absl::Span<const v1::AgreementEvent> history,
    const TransitionRequest& request, v1::AgreementStatus from) {
  const v1::AgreementAction action = request.action;
  const absl::CivilDay day =
      absl::ToCivilDay(request.time, request.agreement_time_zone);
  if (action == v1::AGREEMENT_ACTION_APPROVE) {
    if (from != v1::AGREEMENT_DRAFT) {
      return LifecycleError(absl::StatusCode::kFailedPrecondition, "L1",
                            "only a draft can be approved");
    }
  } else if (Target(action, from) == v1::AGREEMENT_STATUS_UNSPECIFIED) {
    return LifecycleError(absl::StatusCode::kFailedPrecondition, "L1",
                          "the action is not allowed from the current status");
  }
  if (action == v1::AGREEMENT_ACTION_APPROVE ||
      action == v1::AGREEMENT_ACTION_ACTIVATE) {
    const absl::Status valid = ValidateAgreement(agreement);
    if (!valid.ok()) {
      return LifecycleError(
          absl::StatusCode::kInvalidArgument, "L3",
          absl::StrCat("only a valid agreement can be approved or activated (",
                       valid.message(), ")"));
    }
  }
  const bool past_expiry = PastExpiry(agreement, day);
  if ((action == v1::AGREEMENT_ACTION_ACTIVATE ||
       action == v1::AGREEMENT_ACTION_RESUME) &&
      past_expiry) {
    return LifecycleError(absl::StatusCode::kFailedPrecondition, "L4",
                          "the agreement is past its expiry date");
  }
  if (action == v1::AGREEMENT_ACTION_EXPIRE && !past_expiry) {
    return LifecycleError(absl::StatusCode::kFailedPrecondition, "L4",
                          "the agreement has not reached its expiry date");
  }
  if ((action == v1::AGREEMENT_ACTION_SUSPEND ||
       action == v1::AGREEMENT_ACTION_TERMINATE) &&
      request.reason.empty()) {
    return LifecycleError(absl::StatusCode::kInvalidArgument, "L5",
                          "suspending or terminating needs a reason");
  }
  if (action == v1::AGREEMENT_ACTION_APPROVE)
    return CheckApproval(agreement, history, request.actor);
  return Target(action, from);
}

}  // namespace

v1::AgreementStatus StatusAfter(absl::Span<const v1::AgreementEvent> history) {
  return history.empty() ? v1::AGREEMENT_DRAFT : history.back().to_status();
}

absl::StatusOr<v1::AgreementEvent> ApplyTransition(
    const v1::Agreement& agreement,
    absl::Span<const v1::AgreementEvent> history,
    const TransitionRequest& request) {
  const std::string hash = AgreementVersionHash(agreement);
  EQ_RETURN_IF_ERROR(CheckHistoryMatches(agreement, hash, history));
  // Expiry is a fact of the calendar, so the scheduler may record it without
  // a governance role; every other change is a governance decision.
  if (request.action != v1::AGREEMENT_ACTION_EXPIRE &&
      !request.actor.has_governance_role) {
    return LifecycleError(absl::StatusCode::kPermissionDenied, "L2",
                          "the principal does not hold the governance role");
  }
  if (request.actor.principal.empty()) {
    return LifecycleError(absl::StatusCode::kPermissionDenied, "L2",
                          "the principal is not identified");
  }
  const v1::AgreementStatus from = StatusAfter(history);
  EQ_ASSIGN_OR_RETURN(const v1::AgreementStatus to,
                      NextStatus(agreement, history, request, from));

  v1::AgreementEvent event;
  event.set_agreement_id(agreement.agreement_id());
  event.set_version(agreement.version());
  event.set_agreement_hash(hash);
  event.set_action(request.action);
  event.set_from_status(from);
  event.set_to_status(to);
  event.set_principal(request.actor.principal);
  const int64_t micros = absl::ToUnixMicros(request.time);
  event.mutable_time()->set_seconds(micros / 1000000);
  event.mutable_time()->set_nanos(static_cast<int32_t>(micros % 1000000) *
                                  1000);
  event.set_reason(request.reason);
  return event;
}

v1::AgreementStatus EffectiveStatus(const v1::Agreement& agreement,
                                    absl::CivilDay day) {
  const v1::AgreementStatus status = agreement.status();
  if ((status == v1::AGREEMENT_ACTIVE || status == v1::AGREEMENT_SUSPENDED) &&
      PastExpiry(agreement, day)) {
    return v1::AGREEMENT_EXPIRED;
  }
  return status;
}

absl::Status CheckSuccessorVersion(const v1::Agreement& previous,
                                   const v1::Agreement& next) {
  if (next.agreement_id() != previous.agreement_id() ||
      next.version() != previous.version() + 1) {
    return LifecycleError(absl::StatusCode::kInvalidArgument, "L7",
                          "a new version keeps the id and takes the next "
                          "version number");
  }
  if (next.supersedes_hash() != AgreementVersionHash(previous)) {
    return LifecycleError(absl::StatusCode::kInvalidArgument, "L7",
                          "a new version must name the hash of the version it "
                          "supersedes");
  }
  return absl::OkStatus();
}

}  // namespace equilink::governance
