// CheckNhsNumber must never crash, must agree with IsValidNhsNumberDigits,
// and must return digits only for a valid number.

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "absl/strings/string_view.h"
#include "common/normalise/nhs_number.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view raw(reinterpret_cast<const char*>(data), size);
  const equilink::NhsNumberResult result = equilink::CheckNhsNumber(raw);
  const bool valid = result.check == equilink::NhsNumberCheck::kValid;
  if (valid != !result.digits.empty()) std::abort();
  if (valid && !equilink::IsValidNhsNumberDigits(result.digits)) std::abort();
  if (equilink::IsValidNhsNumberDigits(raw) && !valid) std::abort();
  return 0;
}
