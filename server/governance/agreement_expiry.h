#ifndef EQUILINK_SERVER_GOVERNANCE_AGREEMENT_EXPIRY_H_
#define EQUILINK_SERVER_GOVERNANCE_AGREEMENT_EXPIRY_H_

// Expiry happens by itself: from the day after an agreement's expires_on no
// check lets data move under it (EffectiveStatus), whatever its stored status.
// This records that fact in the agreement's history too, so the history says
// when it ended and `equilink agreements list` shows EXPIRED, not ACTIVE.

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "equilink/v1/audit.pb.h"
#include "server/audit/audit_log.h"
#include "server/governance/agreement_registry.h"

namespace equilink::governance {

// The principal the gateway's own scheduled work acts as, in agreement
// histories (events) and audit entries.
inline constexpr char kGatewayPrincipal[] = "urn:equilink:gateway";

// Appends an EXPIRE event (rule L4: the date has passed) to every stored
// version whose stored status is ACTIVE or SUSPENDED and whose expiry date
// (Europe/London) is before `now`, each with an "agreement.expire" audit
// entry appended inside the registry's transaction: if the audit append
// fails, that event is rolled back and the error returned (the agreement
// still carries no data, because the checks use the date). Returns how many
// versions it expired. Thread-safe.
absl::StatusOr<int> RecordExpiredAgreements(AgreementRegistry& registry,
                                            audit::AuditLog& audit,
                                            const v1::AuditPrincipal& principal,
                                            absl::Time now);

}  // namespace equilink::governance

#endif  // EQUILINK_SERVER_GOVERNANCE_AGREEMENT_EXPIRY_H_
