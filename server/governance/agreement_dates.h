#ifndef EQUILINK_SERVER_GOVERNANCE_AGREEMENT_DATES_H_
#define EQUILINK_SERVER_GOVERNANCE_AGREEMENT_DATES_H_

// Agreement dates are civil dates written "YYYY-MM-DD". These helpers are
// shared by validation, the lifecycle and the checks so all of them read a
// date the same way.

#include <optional>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "equilink/v1/agreement.pb.h"

namespace equilink::governance {

// The day `text` names, or nullopt unless it is exactly a real "YYYY-MM-DD"
// (no "2026-02-30", no surrounding space).
std::optional<absl::CivilDay> ParseAgreementDate(absl::string_view text);

// True when `day` is within [effective_from, expires_on] of the agreement and
// [start_date, end_date] of the flow. An unparsable bound never matches, so a
// malformed agreement that slipped past validation authorises nothing.
bool FlowInForce(const v1::Agreement& agreement, const v1::Flow& flow,
                 absl::CivilDay day);

// True when the agreement's expiry date is before `day`. False for a missing
// or malformed date (validation rejects those).
bool PastExpiry(const v1::Agreement& agreement, absl::CivilDay day);

}  // namespace equilink::governance

#endif  // EQUILINK_SERVER_GOVERNANCE_AGREEMENT_DATES_H_
