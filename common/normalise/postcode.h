#ifndef EQUILINK_COMMON_NORMALISE_POSTCODE_H_
#define EQUILINK_COMMON_NORMALISE_POSTCODE_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace equilink {

// The canonical form of a UK postcode: upper case, outward code, one space,
// inward code
// ("b152tt", " B15  2TT " -> "B15 2TT"), the form of the ONS postcode
// directory's `pcds` column. Returns nullopt when the input is not shaped like
// a UK postcode (A9 9AA, A99 9AA, AA9 9AA, AA99 9AA, A9A 9AA, AA9A 9AA). The
// result is an identifier: never log it.
std::optional<std::string> CanonicalPostcode(absl::string_view raw);

}  // namespace equilink

#endif  // EQUILINK_COMMON_NORMALISE_POSTCODE_H_
