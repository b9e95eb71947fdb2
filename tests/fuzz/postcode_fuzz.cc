// CanonicalPostcode must never crash, and anything it returns must be a
// fixed point: canonical input gives the same canonical output.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "common/normalise/postcode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view raw(reinterpret_cast<const char*>(data), size);
  const std::optional<std::string> canonical = equilink::CanonicalPostcode(raw);
  if (!canonical.has_value()) return 0;
  if (canonical->size() < 6 || canonical->size() > 8) std::abort();
  if ((*canonical)[canonical->size() - 4] != ' ') std::abort();
  if (equilink::CanonicalPostcode(*canonical) != canonical) std::abort();
  return 0;
}
