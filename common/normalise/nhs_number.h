#ifndef EQUILINK_COMMON_NORMALISE_NHS_NUMBER_H_
#define EQUILINK_COMMON_NORMALISE_NHS_NUMBER_H_

// NHS number checks (NHS Data Dictionary: ten digits, the tenth a Modulus 11
// check digit).

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace equilink {

enum class NhsNumberCheck {
  kValid,            // ten digits and the check digit matches
  kAbsent,           // empty or only whitespace
  kInvalidFormat,    // not ten digits once spaces and hyphens are removed
  kInvalidChecksum,  // ten digits, check digit wrong (or the remainder is 10)
  // Digits of an identifier that has no check digit (a mapping profile's
  // NATIONAL_ID_CHECK_NONE): tokenised as given, so a typo is not caught.
  kUnchecked,
};

struct NhsNumberResult {
  NhsNumberCheck check = NhsNumberCheck::kAbsent;
  // The ten digits when check == kValid, the digits when kUnchecked, else
  // empty. This is an identifier: never log it.
  std::string digits;
};

// Classifies an NHS number as exported ("943 476 5919", "943-476-5919",
// "9434765919").
NhsNumberResult CheckNhsNumber(absl::string_view raw);

// The longest national identifier ReadUncheckedNationalId accepts.
inline constexpr size_t kMaxUncheckedNationalIdDigits = 20;

// Reads a national identifier that has no check digit (the FEBRL benchmark's
// soc_sec_id; docs/PSEUDONYMISATION.md, section 3.7): ASCII whitespace and
// hyphens are removed; kAbsent when nothing is left, kInvalidFormat when any
// other non-digit remains or there are more than
// kMaxUncheckedNationalIdDigits digits, else kUnchecked with the digits as
// given (leading zeros kept).
NhsNumberResult ReadUncheckedNationalId(absl::string_view raw);

// True when `ten_digits` is exactly ten ASCII digits with a correct Modulus 11
// check digit.
bool IsValidNhsNumberDigits(absl::string_view ten_digits);

}  // namespace equilink

#endif  // EQUILINK_COMMON_NORMALISE_NHS_NUMBER_H_
