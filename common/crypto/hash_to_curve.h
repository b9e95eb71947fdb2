#ifndef EQUILINK_COMMON_CRYPTO_HASH_TO_CURVE_H_
#define EQUILINK_COMMON_CRYPTO_HASH_TO_CURVE_H_

// RFC 9380 hashing to NIST P-256: the suites P256_XMD:SHA-256_SSWU_RO_
// (HashToCurve) and P256_XMD:SHA-256_SSWU_NU_ (EncodeToCurve), plus
// hash_to_field into the group order, which RFC 9497 uses as HashToScalar. The
// OPRF in oprf_p256.h is the only intended caller of the point-level API; the
// byte-level methods exist for test vectors and tools.
//
// The message is usually an identifier, so everything derived from it is
// treated as secret: the map takes its square root with a constant-time
// exponentiation, needs no inversion (it returns Jacobian coordinates),
// selects results with byte masks rather than branches, and cleanses its
// temporaries. OpenSSL's BIGNUM multiply and reduce are not guaranteed
// constant-time, so this is hardening, not a proof.

#include <openssl/bn.h>
#include <openssl/ec.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/crypto/expand_message_xmd.h"
#include "common/crypto/openssl_ptr.h"

namespace equilink {

// Holds P-256 and the map's constants. Immutable after Create(); every method
// is const and thread-safe provided each thread passes its own BN_CTX.
class P256HashToCurve {
 public:
  static constexpr size_t kFieldBytes = 32;
  static constexpr size_t kUncompressedPointBytes = 65;

  // Internal if OpenSSL cannot build the group or the constants (out of
  // memory, or a build without P-256).
  static absl::StatusOr<std::unique_ptr<P256HashToCurve>> Create();

  P256HashToCurve(const P256HashToCurve&) = delete;
  P256HashToCurve& operator=(const P256HashToCurve&) = delete;

  const EC_GROUP* group() const { return group_.get(); }
  const BIGNUM* order() const { return order_; }

  // hash_to_curve (random-oracle encoding): two field elements, two maps, one
  // point addition. P-256's cofactor is 1, so clear_cofactor is the identity.
  // `out` must belong to group(). Errors only from expand_message_xmd's
  // limits or an OpenSSL failure.
  absl::Status HashToCurve(absl::string_view msg, absl::string_view dst,
                           EC_POINT* out, BN_CTX* ctx) const;

  // encode_to_curve (nonuniform encoding): one field element, one map.
  absl::Status EncodeToCurve(absl::string_view msg, absl::string_view dst,
                             EC_POINT* out, BN_CTX* ctx) const;

  // hash_to_field with modulus the group order n, count 1 and L = 48: RFC
  // 9497's HashToScalar for P256-SHA256 (the caller supplies the DST).
  absl::Status HashToScalar(absl::string_view msg, absl::string_view dst,
                            BIGNUM* out, BN_CTX* ctx) const;

  // hash_to_field over the base field: `out.size()` elements (1 or 2).
  absl::Status HashToField(absl::string_view msg, absl::string_view dst,
                           absl::Span<BIGNUM* const> out, BN_CTX* ctx) const;

  // map_to_curve_simple_swu for P-256 (Z = -10), straight-line form of RFC
  // 9380 appendix F.2. REQUIRES: 0 <= u < p.
  absl::Status MapToCurve(const BIGNUM* u, EC_POINT* out, BN_CTX* ctx) const;

  // Byte-level forms for test vectors: points as uncompressed SEC1 (65
  // bytes), field elements as 32 big-endian bytes.
  absl::StatusOr<std::string> HashToCurveBytes(absl::string_view msg,
                                               absl::string_view dst) const;
  absl::StatusOr<std::string> EncodeToCurveBytes(absl::string_view msg,
                                                 absl::string_view dst) const;
  absl::StatusOr<std::vector<std::string>> HashToFieldBytes(
      absl::string_view msg, absl::string_view dst, size_t count) const;
  absl::StatusOr<std::string> MapToCurveBytes(absl::string_view u) const;
  absl::StatusOr<std::string> HashToScalarBytes(absl::string_view msg,
                                                absl::string_view dst) const;

 private:
  P256HashToCurve() = default;

  // sqrt_ratio for q = 3 (mod 4) (RFC 9380 appendix F.2.1.2).
  bool SqrtRatio(const BIGNUM* u, const BIGNUM* v, BIGNUM* y, bool* is_square,
                 BN_CTX* ctx) const;

  EcGroupPtr group_;
  const BIGNUM* order_ = nullptr;  // owned by group_
  BignumPtr p_;
  BignumPtr a_;
  BignumPtr b_;
  BignumPtr z_;   // -10 mod p
  BignumPtr c1_;  // (p - 3) / 4
  BignumPtr c2_;  // sqrt(-Z) = sqrt(10) mod p
  BnMontCtxPtr mont_p_;
};

}  // namespace equilink

#endif  // EQUILINK_COMMON_CRYPTO_HASH_TO_CURVE_H_
