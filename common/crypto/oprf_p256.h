#ifndef EQUILINK_COMMON_CRYPTO_OPRF_P256_H_
#define EQUILINK_COMMON_CRYPTO_OPRF_P256_H_

// RFC 9497 oblivious PRF, OPRF mode (0x00), suite P256-SHA256. The client
// blinds an identifier, the key custodian multiplies the blinded point by its
// key without learning the identifier, and the client unblinds and hashes the
// result into a 32-byte output equal to Evaluate(key, identifier).
//
//   client:    blinded = client->Blind(input)            -> send element
//   custodian: evaluated = server->BlindEvaluate(element) -> send back
//   client:    output = client->Finalize(input, blinded.blind, evaluated)
//
// Both classes are immutable after Create(); every method is const and
// thread-safe (each call uses its own BN_CTX). Status messages never contain
// an input, an element or a scalar.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/crypto/hash_to_curve.h"
#include "common/crypto/openssl_ptr.h"
#include "common/crypto/p256_encoding.h"
#include "common/crypto/secret_bytes.h"

namespace equilink {

inline constexpr size_t kOprfP256OutputBytes = 32;
inline constexpr size_t kOprfP256SeedBytes = 32;
// Inputs and key infos are length-prefixed with two bytes in the protocol.
inline constexpr size_t kOprfP256MaxInputBytes = 65535;

// The suite's domain-separation tags (RFC 9497 sections 3.1, 3.2.1, 4.3),
// each ending in contextString = "OPRFV1-" || 0x00 || "-P256-SHA256".
// HashToScalar is not used by OPRF mode itself; it is here for callers that
// need the suite's HashToScalar (P256HashToCurve::HashToScalar with this DST),
// such as a later VOPRF proof.
absl::string_view OprfP256HashToGroupDst();
absl::string_view OprfP256HashToScalarDst();
absl::string_view OprfP256DeriveKeyPairDst();

// What Blind() returns. The blind is needed once, by Finalize(), and should be
// dropped afterwards; the element goes to the key custodian.
struct OprfP256BlindedInput {
  SecretBytes blind;            // 32-byte scalar in [1, n)
  std::string blinded_element;  // 33-byte compressed point
};

class OprfP256Client {
 public:
  // Internal only if OpenSSL cannot set up P-256.
  static absl::StatusOr<std::unique_ptr<OprfP256Client>> Create();

  OprfP256Client(const OprfP256Client&) = delete;
  OprfP256Client& operator=(const OprfP256Client&) = delete;

  // Blind(input) with a fresh random blind from OpenSSL's private DRBG.
  // InvalidArgument if the input is longer than kOprfP256MaxInputBytes or
  // (with negligible probability) hashes to the identity.
  absl::StatusOr<OprfP256BlindedInput> Blind(absl::string_view input) const;

  // Blind with a caller-chosen blind: for test vectors and deterministic
  // tests only. InvalidArgument if `blind` is not a 32-byte scalar in [1, n).
  absl::StatusOr<OprfP256BlindedInput> BlindWithScalar(
      absl::string_view input, const SecretBytes& blind) const;

  // Unblinds the custodian's element and returns the 32-byte PRF output.
  // InvalidArgument if the element does not deserialize (wrong length, not on
  // the curve, the identity) or the blind is not a valid scalar.
  absl::StatusOr<std::string> Finalize(
      absl::string_view input, const SecretBytes& blind,
      absl::string_view evaluated_element) const;

  // Finalize for a batch: output[i] = Finalize(inputs[i], blinded[i].blind,
  // evaluated_elements[i]), with one constant-time inversion for the whole
  // batch (Montgomery's trick) instead of one per element. All or nothing:
  // InvalidArgument if the three spans differ in length, or naming the index
  // of an entry whose input, blind or element is invalid.
  absl::StatusOr<std::vector<std::string>> FinalizeBatch(
      absl::Span<const absl::string_view> inputs,
      absl::Span<const OprfP256BlindedInput> blinded,
      absl::Span<const absl::string_view> evaluated_elements) const;

 private:
  OprfP256Client(std::unique_ptr<P256HashToCurve> h2c, BignumPtr order_minus_2);

  absl::StatusOr<OprfP256BlindedInput> BlindWith(absl::string_view input,
                                                 const BIGNUM* blind,
                                                 SecretBytes blind_bytes) const;

  const std::unique_ptr<P256HashToCurve> h2c_;
  const BignumPtr order_minus_2_;  // Fermat exponent for the unblinding
};

class OprfP256Server {
 public:
  // RFC 9497 DeriveKeyPair: the 32-byte private key derived from a 32-byte
  // seed and a public key-info string (e.g. a key id). InvalidArgument for a
  // seed of another length or an info longer than 65535 bytes.
  static absl::StatusOr<SecretBytes> DeriveKey(absl::string_view seed,
                                               absl::string_view info);

  // Takes a 32-byte private key (from DeriveKey or random). The key is copied
  // into a BIGNUM flagged constant-time and cleared on destruction.
  // InvalidArgument if it is not a scalar in [1, n).
  static absl::StatusOr<std::unique_ptr<OprfP256Server>> Create(
      const SecretBytes& private_key);

  OprfP256Server(const OprfP256Server&) = delete;
  OprfP256Server& operator=(const OprfP256Server&) = delete;

  // evaluatedElement = key * blindedElement. InvalidArgument if the element
  // does not deserialize.
  absl::StatusOr<std::string> BlindEvaluate(
      absl::string_view blinded_element) const;

  // BlindEvaluate over a batch with one BN_CTX and one pair of points. All or
  // nothing: InvalidArgument naming the first bad element's index.
  absl::StatusOr<std::vector<std::string>> BlindEvaluateBatch(
      absl::Span<const absl::string_view> blinded_elements) const;

  // The PRF evaluated directly on the input (RFC 9497 Evaluate): what the
  // client's Finalize returns for the same input. Same errors as Blind.
  absl::StatusOr<std::string> Evaluate(absl::string_view input) const;

 private:
  OprfP256Server(std::unique_ptr<P256HashToCurve> h2c, BignumPtr key);

  const std::unique_ptr<P256HashToCurve> h2c_;
  const BignumPtr key_;
};

}  // namespace equilink

#endif  // EQUILINK_COMMON_CRYPTO_OPRF_P256_H_
