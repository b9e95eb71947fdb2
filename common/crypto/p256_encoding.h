#ifndef EQUILINK_COMMON_CRYPTO_P256_ENCODING_H_
#define EQUILINK_COMMON_CRYPTO_P256_ENCODING_H_

// RFC 9497 section 4.3 wire forms for the P256-SHA256 group: an element is a
// compressed SEC1 point (33 bytes), a scalar is 32 big-endian bytes. Every
// element and scalar that arrives from a peer goes through the Deserialize
// functions, which are the validation boundary: they never accept the
// identity, a point off the curve, or a scalar outside the group.
// Error messages describe the defect only, never the bytes.

#include <openssl/bn.h>
#include <openssl/ec.h>

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace equilink {

inline constexpr size_t kP256ElementBytes = 33;
inline constexpr size_t kP256ScalarBytes = 32;

// Writes the compressed encoding of `point` to out. Internal on failure,
// which includes `point` being the identity (it has no 33-byte form).
absl::Status SerializeP256Element(const EC_GROUP* group, const EC_POINT* point,
                                  absl::Span<uint8_t> out, BN_CTX* ctx);

// Parses a 33-byte compressed point into `out`. InvalidArgument for any other
// length, a prefix other than 02/03, x >= p, an x with no point on the curve,
// or the identity.
absl::Status DeserializeP256Element(const EC_GROUP* group,
                                    absl::string_view bytes, EC_POINT* out,
                                    BN_CTX* ctx);

// Writes `scalar` as 32 big-endian bytes. REQUIRES: 0 <= scalar < order.
absl::Status SerializeP256Scalar(const BIGNUM* scalar, absl::Span<uint8_t> out);

// Parses 32 big-endian bytes into `out`, refusing a value >= the group order
// and, unless `allow_zero`, zero (keys and blinds must be non-zero; RFC
// 9497's DeserializeScalar alone admits zero). Sets BN_FLG_CONSTTIME on
// `out` because every scalar parsed here is secret.
absl::Status DeserializeP256Scalar(const EC_GROUP* group,
                                   absl::string_view bytes, bool allow_zero,
                                   BIGNUM* out);

}  // namespace equilink

#endif  // EQUILINK_COMMON_CRYPTO_P256_ENCODING_H_
