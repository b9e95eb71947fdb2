#include "server/governance/agreement_expiry.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "common/status/status_macros.h"
#include "server/governance/agreement_cache.h"
#include "server/governance/agreement_lifecycle.h"

namespace equilink::governance {

absl::StatusOr<int> RecordExpiredAgreements(AgreementRegistry& registry,
                                            audit::AuditLog& audit,
                                            const v1::AuditPrincipal& principal,
                                            absl::Time now) {
  const absl::TimeZone zone = AgreementTimeZone();
  const absl::CivilDay today = absl::ToCivilDay(now, zone);
  EQ_ASSIGN_OR_RETURN(std::vector<StoredAgreement> stored, registry.List());
  int expired = 0;
  for (const StoredAgreement& version : stored) {
    if (version.status != v1::AGREEMENT_ACTIVE &&
        version.status != v1::AGREEMENT_SUSPENDED) {
      continue;
    }
    if (EffectiveStatus(version.agreement, today) != v1::AGREEMENT_EXPIRED) {
      continue;
    }
    TransitionRequest request;
    request.action = v1::AGREEMENT_ACTION_EXPIRE;
    // Expiry is a fact of the calendar, not a governance decision (L2).
    request.actor = Actor{kGatewayPrincipal, /*has_governance_role=*/false};
    request.time = now;
    request.agreement_time_zone = zone;
    request.reason = "the agreement's expiry date has passed";
    // The audit entry cites the version's hash as 32 raw bytes.
    const std::string raw_hash = absl::HexStringToBytes(version.version_hash);
    EQ_RETURN_IF_ERROR(
        registry
            .Transition(
                version.agreement.agreement_id(), version.agreement.version(),
                request,
                [&](const v1::AgreementEvent&) -> absl::Status {
                  v1::AuditEntry entry;
                  *entry.mutable_principal() = principal;
                  entry.set_action("agreement.expire");
                  entry.set_decision(v1::AUDIT_ALLOW);
                  entry.set_rule_id("L4");
                  entry.set_reason("the agreement's expiry date has passed");
                  entry.set_agreement_id(version.agreement.agreement_id());
                  entry.set_agreement_version(version.agreement.version());
                  entry.set_agreement_version_hash(raw_hash);
                  return audit.Append(entry).status();
                })
            .status());
    ++expired;
  }
  return expired;
}

}  // namespace equilink::governance
