// Name normalisation must never crash, and its output must stay inside the
// documented alphabet whatever bytes a CSV cell holds.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "common/normalise/address.h"
#include "common/normalise/name.h"
#include "common/normalise/text_fold.h"

namespace {

// [a-z0-9] words separated by single spaces, no space at either end.
bool IsWords(const std::string& s, bool digits) {
  if (s.empty()) return true;
  if (s.front() == ' ' || s.back() == ' ') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == ' ') {
      if (s[i - 1] == ' ') return false;
    } else if (!((c >= 'a' && c <= 'z') || (digits && c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view raw(reinterpret_cast<const char*>(data), size);
  const std::string words = equilink::NormaliseNameWords(raw);
  if (!IsWords(words, false)) std::abort();
  const std::string forename = equilink::NormaliseForename(raw);
  if (forename.find(' ') != std::string::npos) std::abort();
  if (!words.empty() && forename.empty()) std::abort();
  const std::string surname = equilink::NormaliseSurname(raw);
  if (surname.find(' ') != std::string::npos) std::abort();
  if (!IsWords(equilink::FoldToAsciiWords(raw, {.keep_digits = true}), true)) {
    std::abort();
  }
  if (!IsWords(equilink::NormaliseAddress(raw), true)) std::abort();
  const equilink::SplitName split = equilink::SplitFullName(raw);
  (void)equilink::NormaliseForename(split.forename);
  (void)equilink::NormaliseSurname(split.surname);
  return 0;
}
