// EC_POINT_set_Jprojective_coordinates_GFp is deprecated in OpenSSL 3, but it
// is the only way to hand OpenSSL a point without inverting its Z coordinate
// in slow BIGNUM arithmetic first (see MapToCurve). Suppress the warning in
// this file only.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "common/crypto/hash_to_curve.h"

#include <openssl/crypto.h>
#include <openssl/obj_mac.h>

#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"

namespace equilink {
namespace {

// L = ceil((ceil(log2(p)) + k) / 8) with k = 128 for both p and n of P-256.
constexpr size_t kL = 48;

absl::Status OpenSslError(const char* what) {
  return absl::InternalError(absl::StrCat("OpenSSL failure in ", what));
}

// out = take_a ? a : b, with the choice hidden in a byte mask rather than a
// branch, because it depends on the (secret) message. REQUIRES: a, b < 2^256.
bool CtSelect(BIGNUM* out, const BIGNUM* a, const BIGNUM* b, bool take_a) {
  uint8_t ab[32];
  uint8_t bb[32];
  if (BN_bn2binpad(a, ab, sizeof(ab)) < 0) return false;
  if (BN_bn2binpad(b, bb, sizeof(bb)) < 0) return false;
  const uint8_t mask = static_cast<uint8_t>(-static_cast<int>(take_a));
  for (size_t i = 0; i < sizeof(ab); ++i) {
    ab[i] = static_cast<uint8_t>((ab[i] & mask) | (bb[i] & ~mask));
  }
  const bool ok = BN_bin2bn(ab, sizeof(ab), out) != nullptr;
  OPENSSL_cleanse(ab, sizeof(ab));
  OPENSSL_cleanse(bb, sizeof(bb));
  return ok;
}

bool CtEqual(const BIGNUM* a, const BIGNUM* b, bool* equal) {
  uint8_t ab[32];
  uint8_t bb[32];
  if (BN_bn2binpad(a, ab, sizeof(ab)) < 0) return false;
  if (BN_bn2binpad(b, bb, sizeof(bb)) < 0) return false;
  *equal = CRYPTO_memcmp(ab, bb, sizeof(ab)) == 0;
  OPENSSL_cleanse(ab, sizeof(ab));
  OPENSSL_cleanse(bb, sizeof(bb));
  return true;
}

// Scoped BN_CTX_start/BN_CTX_end.
class CtxFrame {
 public:
  explicit CtxFrame(BN_CTX* ctx) : ctx_(ctx) { BN_CTX_start(ctx_); }
  ~CtxFrame() { BN_CTX_end(ctx_); }
  CtxFrame(const CtxFrame&) = delete;
  CtxFrame& operator=(const CtxFrame&) = delete;
  BIGNUM* Get() { return BN_CTX_get(ctx_); }

 private:
  BN_CTX* ctx_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<P256HashToCurve>> P256HashToCurve::Create() {
  auto h = absl::WrapUnique(new P256HashToCurve());
  h->group_.reset(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  BnCtxPtr ctx(BN_CTX_new());
  if (h->group_ == nullptr || ctx == nullptr)
    return OpenSslError("P-256 group");
  h->order_ = EC_GROUP_get0_order(h->group_.get());
  for (BignumPtr* bn : {&h->p_, &h->a_, &h->b_, &h->z_, &h->c1_, &h->c2_}) {
    bn->reset(BN_new());
    if (*bn == nullptr) return OpenSslError("P-256 constants");
  }
  BignumPtr ten(BN_new());
  h->mont_p_.reset(BN_MONT_CTX_new());
  if (ten == nullptr || h->mont_p_ == nullptr || h->order_ == nullptr ||
      !EC_GROUP_get_curve(h->group_.get(), h->p_.get(), h->a_.get(),
                          h->b_.get(), ctx.get()) ||
      !BN_copy(h->z_.get(), h->p_.get()) || !BN_sub_word(h->z_.get(), 10) ||
      !BN_copy(h->c1_.get(), h->p_.get()) || !BN_sub_word(h->c1_.get(), 3) ||
      !BN_rshift(h->c1_.get(), h->c1_.get(), 2) ||
      !BN_set_word(ten.get(), 10) ||
      BN_mod_sqrt(h->c2_.get(), ten.get(), h->p_.get(), ctx.get()) == nullptr ||
      !BN_MONT_CTX_set(h->mont_p_.get(), h->p_.get(), ctx.get())) {
    return OpenSslError("P-256 constants");
  }
  return h;
}

bool P256HashToCurve::SqrtRatio(const BIGNUM* u, const BIGNUM* v, BIGNUM* y,
                                bool* is_square, BN_CTX* ctx) const {
  CtxFrame frame(ctx);
  BIGNUM* tv1 = frame.Get();
  BIGNUM* tv2 = frame.Get();
  BIGNUM* tv3 = frame.Get();
  BIGNUM* y1 = frame.Get();
  BIGNUM* y2 = frame.Get();
  if (y2 == nullptr) return false;
  const BIGNUM* p = p_.get();
  return BN_mod_sqr(tv1, v, p, ctx) && BN_mod_mul(tv2, u, v, p, ctx) &&
         BN_mod_mul(tv1, tv1, tv2, p, ctx) &&
         BN_mod_exp_mont_consttime(y1, tv1, c1_.get(), p, ctx, mont_p_.get()) &&
         BN_mod_mul(y1, y1, tv2, p, ctx) &&
         BN_mod_mul(y2, y1, c2_.get(), p, ctx) && BN_mod_sqr(tv3, y1, p, ctx) &&
         BN_mod_mul(tv3, tv3, v, p, ctx) && CtEqual(tv3, u, is_square) &&
         CtSelect(y, y1, y2, *is_square);
}

absl::Status P256HashToCurve::MapToCurve(const BIGNUM* u, EC_POINT* out,
                                         BN_CTX* ctx) const {
  CtxFrame frame(ctx);
  BIGNUM* tv1 = frame.Get();
  BIGNUM* tv2 = frame.Get();
  BIGNUM* tv3 = frame.Get();
  BIGNUM* tv4 = frame.Get();
  BIGNUM* tv5 = frame.Get();
  BIGNUM* tv6 = frame.Get();
  BIGNUM* x = frame.Get();
  BIGNUM* y = frame.Get();
  BIGNUM* y1 = frame.Get();
  BIGNUM* neg = frame.Get();
  if (neg == nullptr) return OpenSslError("map_to_curve");
  const BIGNUM* p = p_.get();
  bool is_gx1_square = false;
  // Step numbers are those of RFC 9380 appendix F.2.
  const bool ok =
      BN_mod_sqr(tv1, u, p, ctx) &&                         // 1
      BN_mod_mul(tv1, z_.get(), tv1, p, ctx) &&             // 2
      BN_mod_sqr(tv2, tv1, p, ctx) &&                       // 3
      BN_mod_add_quick(tv2, tv2, tv1, p) &&                 // 4
      BN_mod_add_quick(tv3, tv2, BN_value_one(), p) &&      // 5
      BN_mod_mul(tv3, b_.get(), tv3, p, ctx) &&             // 6
      BN_sub(neg, p, tv2) &&                                // 7: -tv2, or Z
      CtSelect(tv4, neg, z_.get(), !BN_is_zero(tv2)) &&     //    if tv2 == 0
      BN_mod_mul(tv4, a_.get(), tv4, p, ctx) &&             // 8
      BN_mod_sqr(tv2, tv3, p, ctx) &&                       // 9
      BN_mod_sqr(tv6, tv4, p, ctx) &&                       // 10
      BN_mod_mul(tv5, a_.get(), tv6, p, ctx) &&             // 11
      BN_mod_add_quick(tv2, tv2, tv5, p) &&                 // 12
      BN_mod_mul(tv2, tv2, tv3, p, ctx) &&                  // 13
      BN_mod_mul(tv6, tv6, tv4, p, ctx) &&                  // 14
      BN_mod_mul(tv5, b_.get(), tv6, p, ctx) &&             // 15
      BN_mod_add_quick(tv2, tv2, tv5, p) &&                 // 16
      BN_mod_mul(x, tv1, tv3, p, ctx) &&                    // 17
      SqrtRatio(tv2, tv6, y1, &is_gx1_square, ctx) &&       // 18
      BN_mod_mul(y, tv1, u, p, ctx) &&                      // 19
      BN_mod_mul(y, y, y1, p, ctx) &&                       // 20
      CtSelect(x, tv3, x, is_gx1_square) &&                 // 21
      CtSelect(y, y1, y, is_gx1_square) &&                  // 22
      BN_sub(neg, p, y) &&                                  // 23-24: y has
      CtSelect(y, y, neg, BN_is_odd(u) == BN_is_odd(y)) &&  // u's sign
      // 25, x / tv4, without an inversion: the Jacobian point (x * tv4,
      // y * tv4^3, tv4) is the affine (x / tv4, y), and OpenSSL's own field
      // code does one inversion when the point is finally encoded.
      BN_mod_mul(x, x, tv4, p, ctx) && BN_mod_sqr(tv5, tv4, p, ctx) &&
      BN_mod_mul(tv5, tv5, tv4, p, ctx) && BN_mod_mul(y, y, tv5, p, ctx) &&
      EC_POINT_set_Jprojective_coordinates_GFp(group_.get(), out, x, y, tv4,
                                               ctx);
  if (!ok) return OpenSslError("map_to_curve");
  return absl::OkStatus();
}

absl::Status P256HashToCurve::HashToField(absl::string_view msg,
                                          absl::string_view dst,
                                          absl::Span<BIGNUM* const> out,
                                          BN_CTX* ctx) const {
  uint8_t uniform[2 * kL];
  if (out.empty() || out.size() > 2) {
    return absl::InvalidArgumentError("hash_to_field: count must be 1 or 2");
  }
  const size_t len = out.size() * kL;
  absl::Status s =
      ExpandMessageXmdSha256(msg, dst, absl::MakeSpan(uniform, len));
  if (!s.ok()) return s;
  CtxFrame frame(ctx);
  BIGNUM* t = frame.Get();
  bool ok = t != nullptr;
  for (size_t i = 0; ok && i < out.size(); ++i) {
    ok = BN_bin2bn(uniform + i * kL, kL, t) != nullptr &&
         BN_nnmod(out[i], t, p_.get(), ctx);
  }
  OPENSSL_cleanse(uniform, sizeof(uniform));
  if (!ok) return OpenSslError("hash_to_field");
  return absl::OkStatus();
}

absl::Status P256HashToCurve::HashToScalar(absl::string_view msg,
                                           absl::string_view dst, BIGNUM* out,
                                           BN_CTX* ctx) const {
  uint8_t uniform[kL];
  absl::Status s = ExpandMessageXmdSha256(msg, dst, absl::MakeSpan(uniform));
  if (!s.ok()) return s;
  CtxFrame frame(ctx);
  BIGNUM* t = frame.Get();
  const bool ok = t != nullptr && BN_bin2bn(uniform, kL, t) != nullptr &&
                  BN_nnmod(out, t, order_, ctx);
  OPENSSL_cleanse(uniform, sizeof(uniform));
  if (!ok) return OpenSslError("hash_to_scalar");
  return absl::OkStatus();
}

absl::Status P256HashToCurve::HashToCurve(absl::string_view msg,
                                          absl::string_view dst, EC_POINT* out,
                                          BN_CTX* ctx) const {
  CtxFrame frame(ctx);
  BIGNUM* u0 = frame.Get();
  BIGNUM* u1 = frame.Get();
  EcPointPtr q1(EC_POINT_new(group_.get()));
  if (u1 == nullptr || q1 == nullptr) return OpenSslError("hash_to_curve");
  BIGNUM* const u[] = {u0, u1};
  absl::Status s = HashToField(msg, dst, u, ctx);
  if (s.ok()) s = MapToCurve(u0, out, ctx);
  if (s.ok()) s = MapToCurve(u1, q1.get(), ctx);
  if (!s.ok()) return s;
  if (!EC_POINT_add(group_.get(), out, out, q1.get(), ctx)) {
    return OpenSslError("hash_to_curve");
  }
  return absl::OkStatus();
}

absl::Status P256HashToCurve::EncodeToCurve(absl::string_view msg,
                                            absl::string_view dst,
                                            EC_POINT* out, BN_CTX* ctx) const {
  CtxFrame frame(ctx);
  BIGNUM* u = frame.Get();
  if (u == nullptr) return OpenSslError("encode_to_curve");
  absl::Status s = HashToField(msg, dst, {&u, 1}, ctx);
  if (!s.ok()) return s;
  return MapToCurve(u, out, ctx);
}

namespace {

absl::StatusOr<std::string> PointBytes(const EC_GROUP* group,
                                       const EC_POINT* point, BN_CTX* ctx) {
  std::string out(P256HashToCurve::kUncompressedPointBytes, '\0');
  if (EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED,
                         reinterpret_cast<uint8_t*>(out.data()), out.size(),
                         ctx) != out.size()) {
    return OpenSslError("point encoding");
  }
  return out;
}

absl::StatusOr<std::string> ScalarBytes(const BIGNUM* bn) {
  std::string out(P256HashToCurve::kFieldBytes, '\0');
  if (BN_bn2binpad(bn, reinterpret_cast<uint8_t*>(out.data()),
                   static_cast<int>(out.size())) < 0) {
    return OpenSslError("scalar encoding");
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> P256HashToCurve::HashToCurveBytes(
    absl::string_view msg, absl::string_view dst) const {
  BnCtxPtr ctx(BN_CTX_new());
  EcPointPtr point(EC_POINT_new(group_.get()));
  if (ctx == nullptr || point == nullptr) return OpenSslError("hash_to_curve");
  absl::Status s = HashToCurve(msg, dst, point.get(), ctx.get());
  if (!s.ok()) return s;
  return PointBytes(group_.get(), point.get(), ctx.get());
}

absl::StatusOr<std::string> P256HashToCurve::EncodeToCurveBytes(
    absl::string_view msg, absl::string_view dst) const {
  BnCtxPtr ctx(BN_CTX_new());
  EcPointPtr point(EC_POINT_new(group_.get()));
  if (ctx == nullptr || point == nullptr) {
    return OpenSslError("encode_to_curve");
  }
  absl::Status s = EncodeToCurve(msg, dst, point.get(), ctx.get());
  if (!s.ok()) return s;
  return PointBytes(group_.get(), point.get(), ctx.get());
}

absl::StatusOr<std::vector<std::string>> P256HashToCurve::HashToFieldBytes(
    absl::string_view msg, absl::string_view dst, size_t count) const {
  BnCtxPtr ctx(BN_CTX_new());
  BignumPtr u0(BN_new());
  BignumPtr u1(BN_new());
  if (ctx == nullptr || u0 == nullptr || u1 == nullptr) {
    return OpenSslError("hash_to_field");
  }
  if (count == 0 || count > 2) {
    return absl::InvalidArgumentError("hash_to_field: count must be 1 or 2");
  }
  BIGNUM* const u[] = {u0.get(), u1.get()};
  absl::Status s =
      HashToField(msg, dst, absl::MakeConstSpan(u, count), ctx.get());
  if (!s.ok()) return s;
  std::vector<std::string> out;
  for (size_t i = 0; i < count; ++i) {
    absl::StatusOr<std::string> bytes = ScalarBytes(u[i]);
    if (!bytes.ok()) return bytes.status();
    out.push_back(*std::move(bytes));
  }
  return out;
}

absl::StatusOr<std::string> P256HashToCurve::MapToCurveBytes(
    absl::string_view u) const {
  BnCtxPtr ctx(BN_CTX_new());
  BignumPtr bn(BN_bin2bn(reinterpret_cast<const uint8_t*>(u.data()),
                         static_cast<int>(u.size()), nullptr));
  EcPointPtr point(EC_POINT_new(group_.get()));
  if (ctx == nullptr || bn == nullptr || point == nullptr) {
    return OpenSslError("map_to_curve");
  }
  if (u.size() != kFieldBytes || BN_cmp(bn.get(), p_.get()) >= 0) {
    return absl::InvalidArgumentError("map_to_curve: not a field element");
  }
  absl::Status s = MapToCurve(bn.get(), point.get(), ctx.get());
  if (!s.ok()) return s;
  return PointBytes(group_.get(), point.get(), ctx.get());
}

absl::StatusOr<std::string> P256HashToCurve::HashToScalarBytes(
    absl::string_view msg, absl::string_view dst) const {
  BnCtxPtr ctx(BN_CTX_new());
  BignumPtr scalar(BN_new());
  if (ctx == nullptr || scalar == nullptr) {
    return OpenSslError("hash_to_scalar");
  }
  absl::Status s = HashToScalar(msg, dst, scalar.get(), ctx.get());
  if (!s.ok()) return s;
  return ScalarBytes(scalar.get());
}

}  // namespace equilink
