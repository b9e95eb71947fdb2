#include "common/normalise/nhs_number.h"

namespace equilink {

bool IsValidNhsNumberDigits(absl::string_view ten_digits) {
  if (ten_digits.size() != 10) return false;
  int sum = 0;
  for (size_t i = 0; i < 10; ++i) {
    const char c = ten_digits[i];
    if (c < '0' || c > '9') return false;
    // Weights 10 down to 2 on the first nine digits.
    if (i < 9) sum += (c - '0') * static_cast<int>(10 - i);
  }
  int check = 11 - sum % 11;
  if (check == 11) check = 0;
  if (check == 10) return false;  // no valid number has remainder 1
  return check == ten_digits[9] - '0';
}

NhsNumberResult CheckNhsNumber(absl::string_view raw) {
  NhsNumberResult result;
  char digits[10];
  size_t count = 0;
  bool any_content = false;
  bool bad_char = false;
  for (char c : raw) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
        c == '\f') {
      continue;
    }
    any_content = true;
    if (c == '-') continue;
    if (c < '0' || c > '9') {
      bad_char = true;
      break;
    }
    if (count == 10) {
      count = 11;  // too many; no need to keep counting
      break;
    }
    digits[count++] = c;
  }
  if (!any_content) {
    result.check = NhsNumberCheck::kAbsent;
    return result;
  }
  if (bad_char || count != 10) {
    result.check = NhsNumberCheck::kInvalidFormat;
    return result;
  }
  const absl::string_view ten(digits, 10);
  if (!IsValidNhsNumberDigits(ten)) {
    result.check = NhsNumberCheck::kInvalidChecksum;
    return result;
  }
  result.check = NhsNumberCheck::kValid;
  result.digits.assign(ten.data(), ten.size());
  return result;
}

NhsNumberResult ReadUncheckedNationalId(absl::string_view raw) {
  NhsNumberResult result;
  char digits[kMaxUncheckedNationalIdDigits];
  size_t count = 0;
  bool any_content = false;
  for (char c : raw) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
        c == '\f') {
      continue;
    }
    any_content = true;
    if (c == '-') continue;
    if (c < '0' || c > '9' || count == kMaxUncheckedNationalIdDigits) {
      result.check = NhsNumberCheck::kInvalidFormat;
      return result;
    }
    digits[count++] = c;
  }
  if (!any_content) {
    result.check = NhsNumberCheck::kAbsent;
    return result;
  }
  if (count == 0) {  // only hyphens
    result.check = NhsNumberCheck::kInvalidFormat;
    return result;
  }
  result.check = NhsNumberCheck::kUnchecked;
  result.digits.assign(digits, count);
  return result;
}

}  // namespace equilink
