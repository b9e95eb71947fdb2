#ifndef EQUILINK_COMMON_CRYPTO_HMAC_SHA256_H_
#define EQUILINK_COMMON_CRYPTO_HMAC_SHA256_H_

// HMAC-SHA256 (RFC 2104) for the pseudonymisation hot path. A record needs
// about fifty evaluations, so the key schedule is done once: Create() hashes
// the ipad and opad blocks and keeps the two SHA-256 midstates; each Compute()
// copies them and hashes only the message and the inner digest, two
// compression calls for a short message, without allocating.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/crypto/secret_bytes.h"

namespace equilink {

class HmacSha256 {
 public:
  static constexpr size_t kOutputBytes = 32;

  // Precomputes the keyed states. `key` may be any non-empty length (longer
  // than 64 bytes is hashed first, as RFC 2104 says); an empty key is
  // InvalidArgument because it can only be a caller's bug here. The key bytes
  // are not retained, only the two midstates, which are cleansed on
  // destruction.
  static absl::StatusOr<std::unique_ptr<HmacSha256>> Create(
      const SecretBytes& key);

  ~HmacSha256();
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  // Writes HMAC-SHA256(key, message) to out[0..31]. Thread-safe (const, the
  // midstates are only read).
  void Compute(absl::string_view message, uint8_t* out) const;

  // HMAC over the concatenation of `parts`, without building it.
  void ComputeParts(absl::Span<const absl::string_view> parts,
                    uint8_t* out) const;

  // Convenience for cold paths (subkey derivation, tests): the 32-byte MAC as
  // a string.
  std::string ComputeString(absl::string_view message) const;

 private:
  struct States;
  explicit HmacSha256(std::unique_ptr<States> states);

  const std::unique_ptr<States> states_;
};

}  // namespace equilink

#endif  // EQUILINK_COMMON_CRYPTO_HMAC_SHA256_H_
