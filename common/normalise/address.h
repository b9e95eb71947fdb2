#ifndef EQUILINK_COMMON_NORMALISE_ADDRESS_H_
#define EQUILINK_COMMON_NORMALISE_ADDRESS_H_

#include <string>

#include "absl/strings/string_view.h"

namespace equilink {

// The canonical form of an address line (house number and street), used only
// for the address Bloom encoding (docs/PSEUDONYMISATION.md, "Address"):
// FoldToAsciiWords with digits kept, then each word replaced by its expansion
// when it is a common abbreviation (rd -> road, ave/av -> avenue, ln -> lane,
// dr -> drive, cl -> close, ct -> court, cres/cresc -> crescent, gdns ->
// gardens, gr/grv -> grove, pl -> place, sq -> square, ter/terr -> terrace,
// pk -> park, hse -> house, apt -> apartment, flt -> flat, blvd -> boulevard,
// wy -> way, mt -> mount, hts -> heights, est -> estate, pde -> parade, wk ->
// walk, yd -> yard, bldgs -> buildings); "st" becomes "street" when it is the
// last word and "saint" otherwise ("12 St Johns Rd" -> "12 saint johns road").
// Returns "" when nothing is left. The result is an identifier: never log it.
std::string NormaliseAddress(absl::string_view raw);

// The same, replacing *out and reusing its capacity (the per-record hot path).
void NormaliseAddressInto(absl::string_view raw, std::string* out);

}  // namespace equilink

#endif  // EQUILINK_COMMON_NORMALISE_ADDRESS_H_
