#ifndef EQUILINK_SERVER_GOVERNANCE_TRANSPARENCY_REGISTER_H_
#define EQUILINK_SERVER_GOVERNANCE_TRANSPARENCY_REGISTER_H_

// The transparency register (Caldicott principle 8, modelled on NHS England's
// DARS Data Uses Register): the public projection of every agreement in force,
// regenerated from the registry so it can never disagree with what the
// gateway enforces. It holds only what is meant for the public: no contacts,
// no DSPT or ICO details, and of the field whitelist only the item names.
//
// Pure functions of their arguments; thread-compatible.

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/types/span.h"
#include "equilink/v1/governance.pb.h"
#include "server/governance/agreement_registry.h"

namespace equilink::governance {

// One entry per agreement version whose EffectiveStatus on `today` is ACTIVE
// (an ACTIVE version past its expiry date is left out even before the
// scheduler records the expiry), in the order given. generated_on is `today`.
v1::TransparencyRegister BuildTransparencyRegister(
    absl::Span<const StoredAgreement> agreements, absl::CivilDay today);

// The entry for one agreement version, whatever its status.
v1::RegisterEntry RegisterEntryOf(const StoredAgreement& stored);

// RFC 4180 CSV: a header row of the RegisterEntry field names, then one row
// per entry; CRLF line ends; a field holding a comma, quote, CR or LF is
// quoted with quotes doubled; repeated fields are joined with "; ".
std::string RenderRegisterCsv(const v1::TransparencyRegister& reg);

// The protobuf JSON mapping with the proto field names (snake_case, as the
// CSV header) and every field printed, so a consumer sees empty fields
// rather than missing keys. Internal only if the message cannot be printed.
absl::StatusOr<std::string> RenderRegisterJson(
    const v1::TransparencyRegister& reg);

}  // namespace equilink::governance

#endif  // EQUILINK_SERVER_GOVERNANCE_TRANSPARENCY_REGISTER_H_
