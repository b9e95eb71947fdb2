#ifndef EQUILINK_COMMON_NORMALISE_DATE_OF_BIRTH_H_
#define EQUILINK_COMMON_NORMALISE_DATE_OF_BIRTH_H_

#include <string>

#include "absl/time/civil_time.h"

namespace equilink {

// The canonical date-of-birth text used in tokens and the DOB Bloom encoding:
// eight ASCII digits "YYYYMMDD" (2014-03-05 -> "20140305"). Returns "" (treated
// as absent) for years outside 1-9999, which cannot be written in four digits.
std::string DateOfBirthKey(absl::CivilDay day);

}  // namespace equilink

#endif  // EQUILINK_COMMON_NORMALISE_DATE_OF_BIRTH_H_
