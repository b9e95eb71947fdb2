#include "common/crypto/p256_encoding.h"

namespace equilink {

absl::Status SerializeP256Element(const EC_GROUP* group, const EC_POINT* point,
                                  absl::Span<uint8_t> out, BN_CTX* ctx) {
  if (out.size() != kP256ElementBytes ||
      EC_POINT_is_at_infinity(group, point) ||
      EC_POINT_point2oct(group, point, POINT_CONVERSION_COMPRESSED, out.data(),
                         out.size(), ctx) != kP256ElementBytes) {
    return absl::InternalError("cannot serialize P-256 element");
  }
  return absl::OkStatus();
}

absl::Status DeserializeP256Element(const EC_GROUP* group,
                                    absl::string_view bytes, EC_POINT* out,
                                    BN_CTX* ctx) {
  if (bytes.size() != kP256ElementBytes) {
    return absl::InvalidArgumentError(
        "P-256 element must be a 33-byte compressed point");
  }
  // oct2point would also take the uncompressed and hybrid forms if given
  // their lengths; the length check above and this prefix check keep the
  // wire form canonical.
  const uint8_t prefix = static_cast<uint8_t>(bytes[0]);
  if (prefix != 0x02 && prefix != 0x03) {
    return absl::InvalidArgumentError("P-256 element has a bad prefix");
  }
  // oct2point rejects x >= p and an x whose y^2 is not a square.
  if (!EC_POINT_oct2point(group, out,
                          reinterpret_cast<const uint8_t*>(bytes.data()),
                          bytes.size(), ctx)) {
    return absl::InvalidArgumentError("P-256 element is not on the curve");
  }
  if (EC_POINT_is_at_infinity(group, out)) {
    return absl::InvalidArgumentError("P-256 element is the identity");
  }
  return absl::OkStatus();
}

absl::Status SerializeP256Scalar(const BIGNUM* scalar,
                                 absl::Span<uint8_t> out) {
  if (out.size() != kP256ScalarBytes ||
      BN_bn2binpad(scalar, out.data(), static_cast<int>(out.size())) < 0) {
    return absl::InternalError("cannot serialize P-256 scalar");
  }
  return absl::OkStatus();
}

absl::Status DeserializeP256Scalar(const EC_GROUP* group,
                                   absl::string_view bytes, bool allow_zero,
                                   BIGNUM* out) {
  if (bytes.size() != kP256ScalarBytes) {
    return absl::InvalidArgumentError("P-256 scalar must be 32 bytes");
  }
  if (BN_bin2bn(reinterpret_cast<const uint8_t*>(bytes.data()),
                static_cast<int>(bytes.size()), out) == nullptr) {
    return absl::InternalError("cannot parse P-256 scalar");
  }
  BN_set_flags(out, BN_FLG_CONSTTIME);
  if (BN_cmp(out, EC_GROUP_get0_order(group)) >= 0) {
    BN_clear(out);
    return absl::InvalidArgumentError("P-256 scalar is not below the order");
  }
  if (!allow_zero && BN_is_zero(out)) {
    return absl::InvalidArgumentError("P-256 scalar is zero");
  }
  return absl::OkStatus();
}

}  // namespace equilink
