#include "common/normalise/date_of_birth.h"

namespace equilink {

std::string DateOfBirthKey(absl::CivilDay day) {
  if (day.year() < 1 || day.year() > 9999) return "";
  // Written by hand rather than with StrFormat, which cost as much as a
  // whole HMAC evaluation on the per-record path.
  const auto digit = [](long value) { return static_cast<char>('0' + value); };
  const long year = day.year();
  const int month = day.month();
  const int dom = day.day();
  const char key[8] = {digit(year / 1000),    digit(year / 100 % 10),
                       digit(year / 10 % 10), digit(year % 10),
                       digit(month / 10),     digit(month % 10),
                       digit(dom / 10),       digit(dom % 10)};
  return std::string(key, sizeof(key));
}

}  // namespace equilink
