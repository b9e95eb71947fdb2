#include "common/normalise/date_of_birth.h"

#include "absl/strings/str_format.h"

namespace equilink {

std::string DateOfBirthKey(absl::CivilDay day) {
  if (day.year() < 1 || day.year() > 9999) return "";
  return absl::StrFormat("%04d%02d%02d", day.year(), day.month(), day.day());
}

}  // namespace equilink
