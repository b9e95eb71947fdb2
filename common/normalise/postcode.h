#ifndef EQUILINK_COMMON_NORMALISE_POSTCODE_H_
#define EQUILINK_COMMON_NORMALISE_POSTCODE_H_

#include <cstddef>
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

// The shortest and longest free-text postcode (FreeTextPostcode).
inline constexpr size_t kMinFreeTextPostcodeChars = 2;
inline constexpr size_t kMaxFreeTextPostcodeChars = 10;

// A postcode of any country, for a mapping profile whose postcode_format is
// POSTCODE_FORMAT_FREE_TEXT (docs/PSEUDONYMISATION.md, section 3.5): ASCII
// letters upper-cased and kept, ASCII digits kept, every other byte (spaces,
// hyphens, punctuation, non-ASCII) dropped. Returns nullopt unless 2 to 10
// characters remain. " 2615" -> "2615", "sw1a-1aa" -> "SW1A1AA". No shape is
// checked, and the result has no space. An identifier: never log it.
std::optional<std::string> FreeTextPostcode(absl::string_view raw);

}  // namespace equilink

#endif  // EQUILINK_COMMON_NORMALISE_POSTCODE_H_
