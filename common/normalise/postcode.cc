#include "common/normalise/postcode.h"

namespace equilink {
namespace {

bool IsLetter(char c) { return c >= 'A' && c <= 'Z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The outward code shapes: A9, A99, AA9, AA99, A9A, AA9A.
bool IsOutwardCode(absl::string_view out) {
  switch (out.size()) {
    case 2:  // A9
      return IsLetter(out[0]) && IsDigit(out[1]);
    case 3:  // A99, AA9, A9A
      return IsLetter(out[0]) && ((IsDigit(out[1]) && IsDigit(out[2])) ||
                                  (IsLetter(out[1]) && IsDigit(out[2])) ||
                                  (IsDigit(out[1]) && IsLetter(out[2])));
    case 4:  // AA99, AA9A
      return IsLetter(out[0]) && IsLetter(out[1]) && IsDigit(out[2]) &&
             (IsDigit(out[3]) || IsLetter(out[3]));
    default:
      return false;
  }
}

}  // namespace

std::optional<std::string> CanonicalPostcode(absl::string_view raw) {
  // Longest valid postcode is 7 characters without spaces.
  char compact[7];
  size_t n = 0;
  for (char c : raw) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!IsLetter(c) && !IsDigit(c)) return std::nullopt;
    if (n == sizeof(compact)) return std::nullopt;
    compact[n++] = c;
  }
  if (n < 5) return std::nullopt;
  const absl::string_view all(compact, n);
  const absl::string_view outward = all.substr(0, n - 3);
  const absl::string_view inward = all.substr(n - 3);
  if (!IsOutwardCode(outward)) return std::nullopt;
  if (!IsDigit(inward[0]) || !IsLetter(inward[1]) || !IsLetter(inward[2])) {
    return std::nullopt;
  }
  std::string result;
  result.reserve(n + 1);
  result.append(outward.data(), outward.size());
  result.push_back(' ');
  result.append(inward.data(), inward.size());
  return result;
}

std::optional<std::string> FreeTextPostcode(absl::string_view raw) {
  char kept[kMaxFreeTextPostcodeChars];
  size_t n = 0;
  for (char c : raw) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!IsLetter(c) && !IsDigit(c)) continue;
    if (n == sizeof(kept)) return std::nullopt;
    kept[n++] = c;
  }
  if (n < kMinFreeTextPostcodeChars) return std::nullopt;
  return std::string(kept, n);
}

}  // namespace equilink
