#ifndef EQUILINK_COMMON_PSEUDO_KEYED_TOKEN_H_
#define EQUILINK_COMMON_PSEUDO_KEYED_TOKEN_H_

// Token input encoding (docs/PSEUDONYMISATION.md, "Tokens"): every field is
// written as a 4-byte big-endian length followed by its bytes, so no choice of
// field contents can make two different field lists encode the same way
// (("ab","c") and ("a","bc") differ), whatever bytes a local id holds.

#include <cstdint>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/crypto/hmac_sha256.h"

namespace equilink {

// At most this many fields per token; the longest token input has four.
inline constexpr size_t kMaxTokenFields = 8;

// Writes HMAC-SHA256(subkey, LP(fields[0]) || LP(fields[1]) || ...) to
// out[0..31], where LP(x) = uint32_be(len(x)) || x. No allocation.
// REQUIRES: fields.size() <= kMaxTokenFields; each field shorter than 4 GiB.
void ComputeKeyedToken(const HmacSha256& subkey_mac,
                       absl::Span<const absl::string_view> fields,
                       uint8_t* out);

}  // namespace equilink

#endif  // EQUILINK_COMMON_PSEUDO_KEYED_TOKEN_H_
