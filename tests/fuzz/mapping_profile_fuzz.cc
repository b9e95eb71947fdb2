// Fuzz target: bytes -> ParseMappingProfile (text format plus the profile's
// consistency rules), as `equilink validate|submit --profile` reads a
// charity's profile. Beyond not crashing: a refusal is InvalidArgument, and an
// accepted profile validates again and has a delimiter.

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "client/mapping/mapping_profile.h"
#include "common/status/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<equilink::v1::MappingProfile> profile =
      equilink::client::ParseMappingProfile(text);
  if (!profile.ok()) {
    EQ_CHECK(absl::IsInvalidArgument(profile.status()));
    return 0;
  }
  EQ_CHECK(equilink::client::ValidateMappingProfile(*profile).ok());
  (void)equilink::client::ProfileDelimiter(*profile);
  return 0;
}
