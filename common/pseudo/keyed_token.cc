#include "common/pseudo/keyed_token.h"

#include "common/status/check.h"

namespace equilink {

void ComputeKeyedToken(const HmacSha256& subkey_mac,
                       absl::Span<const absl::string_view> fields,
                       uint8_t* out) {
  EQ_CHECK(fields.size() <= kMaxTokenFields);
  char prefixes[kMaxTokenFields][4];
  absl::string_view parts[2 * kMaxTokenFields];
  for (size_t i = 0; i < fields.size(); ++i) {
    EQ_CHECK(fields[i].size() <= 0xFFFFFFFFu);
    const auto len = static_cast<uint32_t>(fields[i].size());
    prefixes[i][0] = static_cast<char>(len >> 24);
    prefixes[i][1] = static_cast<char>(len >> 16);
    prefixes[i][2] = static_cast<char>(len >> 8);
    prefixes[i][3] = static_cast<char>(len);
    parts[2 * i] = absl::string_view(prefixes[i], 4);
    parts[2 * i + 1] = fields[i];
  }
  subkey_mac.ComputeParts(absl::MakeConstSpan(parts, 2 * fields.size()), out);
}

}  // namespace equilink
