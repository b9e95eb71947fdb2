#include "common/crypto/oprf_p256.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstdint>
#include <cstring>
#include <utility>

#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"

namespace equilink {
namespace {

// contextString = "OPRFV1-" || I2OSP(0x00, 1) || "-" || "P256-SHA256", and
// the DSTs built on it (RFC 9497 sections 3.1, 3.2.1 and 4.3). Spelled out
// because of the embedded zero byte.
constexpr char kHashToGroupDst[] = "HashToGroup-OPRFV1-\0-P256-SHA256";
constexpr char kDeriveKeyPairDst[] = "DeriveKeyPairOPRFV1-\0-P256-SHA256";
constexpr char kHashToScalarDst[] = "HashToScalar-OPRFV1-\0-P256-SHA256";
constexpr absl::string_view kFinalizeLabel = "Finalize";

constexpr absl::string_view Dst(const char* literal, size_t size) {
  return absl::string_view(literal, size - 1);
}

absl::Status OpenSslError(const char* what) {
  return absl::InternalError(absl::StrCat("OpenSSL failure in ", what));
}

absl::Status CheckInputLength(absl::string_view input) {
  if (input.size() > kOprfP256MaxInputBytes) {
    return absl::InvalidArgumentError("OPRF input longer than 65535 bytes");
  }
  return absl::OkStatus();
}

void AppendLength(std::string* out, size_t len) {
  out->push_back(static_cast<char>(len >> 8));
  out->push_back(static_cast<char>(len & 0xff));
}

// Hash(I2OSP(len(input), 2) || input || I2OSP(len(element), 2) || element ||
// "Finalize"), shared by Finalize and Evaluate.
std::string FinalizeHash(absl::string_view input, const uint8_t* element) {
  std::string hash_input;
  hash_input.reserve(2 + input.size() + 2 + kP256ElementBytes +
                     kFinalizeLabel.size());
  AppendLength(&hash_input, input.size());
  hash_input.append(input.data(), input.size());
  AppendLength(&hash_input, kP256ElementBytes);
  hash_input.append(reinterpret_cast<const char*>(element), kP256ElementBytes);
  hash_input.append(kFinalizeLabel.data(), kFinalizeLabel.size());
  std::string out(kOprfP256OutputBytes, '\0');
  SHA256(reinterpret_cast<const uint8_t*>(hash_input.data()), hash_input.size(),
         reinterpret_cast<uint8_t*>(out.data()));
  OPENSSL_cleanse(hash_input.data(), hash_input.size());
  return out;
}

// HashToGroup(input) with the identity check Blind and Evaluate require.
absl::Status HashToGroup(const P256HashToCurve& h2c, absl::string_view input,
                         EC_POINT* out, BN_CTX* ctx) {
  absl::Status s = CheckInputLength(input);
  if (s.ok()) {
    s = h2c.HashToCurve(input, OprfP256HashToGroupDst(), out, ctx);
  }
  if (s.ok() && EC_POINT_is_at_infinity(h2c.group(), out)) {
    s = absl::InvalidArgumentError("OPRF input hashes to the identity");
  }
  return s;
}

}  // namespace

absl::string_view OprfP256HashToGroupDst() {
  return Dst(kHashToGroupDst, sizeof(kHashToGroupDst));
}
absl::string_view OprfP256HashToScalarDst() {
  return Dst(kHashToScalarDst, sizeof(kHashToScalarDst));
}
absl::string_view OprfP256DeriveKeyPairDst() {
  return Dst(kDeriveKeyPairDst, sizeof(kDeriveKeyPairDst));
}

// ---------------------------------------------------------------- client

OprfP256Client::OprfP256Client(std::unique_ptr<P256HashToCurve> h2c,
                               BignumPtr order_minus_2)
    : h2c_(std::move(h2c)), order_minus_2_(std::move(order_minus_2)) {}

absl::StatusOr<std::unique_ptr<OprfP256Client>> OprfP256Client::Create() {
  absl::StatusOr<std::unique_ptr<P256HashToCurve>> h2c =
      P256HashToCurve::Create();
  if (!h2c.ok()) return h2c.status();
  BignumPtr order_minus_2(BN_dup((*h2c)->order()));
  if (order_minus_2 == nullptr || !BN_sub_word(order_minus_2.get(), 2) ||
      EC_GROUP_get_mont_data((*h2c)->group()) == nullptr) {
    return OpenSslError("OPRF client setup");
  }
  return absl::WrapUnique(
      new OprfP256Client(*std::move(h2c), std::move(order_minus_2)));
}

absl::StatusOr<OprfP256BlindedInput> OprfP256Client::Blind(
    absl::string_view input) const {
  BignumPtr blind(BN_new());
  if (blind == nullptr) return OpenSslError("Blind");
  BN_set_flags(blind.get(), BN_FLG_CONSTTIME);
  // RandomScalar: uniform in [1, n). A zero draw has probability 2^-256.
  do {
    if (!BN_priv_rand_range(blind.get(), h2c_->order())) {
      return OpenSslError("Blind");
    }
  } while (BN_is_zero(blind.get()));
  SecretBytes blind_bytes(kP256ScalarBytes);
  absl::Status s = SerializeP256Scalar(
      blind.get(), {blind_bytes.UnsafeMutableData(), blind_bytes.size()});
  if (!s.ok()) return s;
  return BlindWith(input, blind.get(), std::move(blind_bytes));
}

absl::StatusOr<OprfP256BlindedInput> OprfP256Client::BlindWithScalar(
    absl::string_view input, const SecretBytes& blind) const {
  BignumPtr scalar(BN_new());
  if (scalar == nullptr) return OpenSslError("Blind");
  absl::Status s =
      DeserializeP256Scalar(h2c_->group(), blind.UnsafeSecretView(),
                            /*allow_zero=*/false, scalar.get());
  if (!s.ok()) return s;
  return BlindWith(input, scalar.get(), SecretBytes(blind.UnsafeSecretView()));
}

absl::StatusOr<OprfP256BlindedInput> OprfP256Client::BlindWith(
    absl::string_view input, const BIGNUM* blind,
    SecretBytes blind_bytes) const {
  const EC_GROUP* group = h2c_->group();
  BnCtxPtr ctx(BN_CTX_new());
  EcPointPtr point(EC_POINT_new(group));
  if (ctx == nullptr || point == nullptr) return OpenSslError("Blind");
  absl::Status s = HashToGroup(*h2c_, input, point.get(), ctx.get());
  if (!s.ok()) return s;
  if (!EC_POINT_mul(group, point.get(), nullptr, point.get(), blind,
                    ctx.get())) {
    return OpenSslError("Blind");
  }
  OprfP256BlindedInput out{std::move(blind_bytes),
                           std::string(kP256ElementBytes, '\0')};
  s = SerializeP256Element(
      group, point.get(),
      {reinterpret_cast<uint8_t*>(out.blinded_element.data()),
       kP256ElementBytes},
      ctx.get());
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::string> OprfP256Client::Finalize(
    absl::string_view input, const SecretBytes& blind,
    absl::string_view evaluated_element) const {
  absl::Status s = CheckInputLength(input);
  if (!s.ok()) return s;
  const EC_GROUP* group = h2c_->group();
  BnCtxPtr ctx(BN_CTX_new());
  BignumPtr scalar(BN_new());
  BignumPtr inverse(BN_new());
  EcPointPtr point(EC_POINT_new(group));
  if (ctx == nullptr || scalar == nullptr || inverse == nullptr ||
      point == nullptr) {
    return OpenSslError("Finalize");
  }
  s = DeserializeP256Scalar(group, blind.UnsafeSecretView(),
                            /*allow_zero=*/false, scalar.get());
  if (s.ok()) {
    s = DeserializeP256Element(group, evaluated_element, point.get(),
                               ctx.get());
  }
  if (!s.ok()) return s;
  // 1/blind mod n by Fermat with a constant-time exponentiation: the blind
  // is what hides the identifier from the custodian.
  BN_set_flags(inverse.get(), BN_FLG_CONSTTIME);
  uint8_t unblinded[kP256ElementBytes];
  if (!BN_mod_exp_mont_consttime(inverse.get(), scalar.get(),
                                 order_minus_2_.get(), h2c_->order(), ctx.get(),
                                 EC_GROUP_get_mont_data(group)) ||
      !EC_POINT_mul(group, point.get(), nullptr, point.get(), inverse.get(),
                    ctx.get())) {
    return OpenSslError("Finalize");
  }
  s = SerializeP256Element(group, point.get(), unblinded, ctx.get());
  if (!s.ok()) return s;
  std::string out = FinalizeHash(input, unblinded);
  OPENSSL_cleanse(unblinded, sizeof(unblinded));
  return out;
}

absl::StatusOr<std::vector<std::string>> OprfP256Client::FinalizeBatch(
    absl::Span<const absl::string_view> inputs,
    absl::Span<const OprfP256BlindedInput> blinded,
    absl::Span<const absl::string_view> evaluated_elements) const {
  const size_t count = inputs.size();
  if (blinded.size() != count || evaluated_elements.size() != count) {
    return absl::InvalidArgumentError("FinalizeBatch spans differ in length");
  }
  std::vector<std::string> out;
  if (count == 0) return out;
  const EC_GROUP* group = h2c_->group();
  const BIGNUM* order = h2c_->order();
  BnCtxPtr ctx(BN_CTX_new());
  EcPointPtr point(EC_POINT_new(group));
  BignumPtr inverse(BN_new());
  BignumPtr scalar(BN_new());
  // prefix[i] = blind_0 * ... * blind_i mod n; all secret.
  std::vector<BignumPtr> prefix(count);
  if (ctx == nullptr || point == nullptr || inverse == nullptr ||
      scalar == nullptr) {
    return OpenSslError("Finalize");
  }
  for (size_t i = 0; i < count; ++i) {
    absl::Status s = CheckInputLength(inputs[i]);
    prefix[i].reset(BN_new());
    if (prefix[i] == nullptr) return OpenSslError("Finalize");
    BN_set_flags(prefix[i].get(), BN_FLG_CONSTTIME);
    if (s.ok()) {
      s = DeserializeP256Scalar(group, blinded[i].blind.UnsafeSecretView(),
                                /*allow_zero=*/false, scalar.get());
    }
    if (!s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("batch entry ", i, ": ", s.message()));
    }
    if (i == 0 ? !BN_copy(prefix[i].get(), scalar.get())
               : !BN_mod_mul(prefix[i].get(), prefix[i - 1].get(), scalar.get(),
                             order, ctx.get())) {
      return OpenSslError("Finalize");
    }
  }
  BN_set_flags(inverse.get(), BN_FLG_CONSTTIME);
  if (!BN_mod_exp_mont_consttime(inverse.get(), prefix[count - 1].get(),
                                 order_minus_2_.get(), order, ctx.get(),
                                 EC_GROUP_get_mont_data(group))) {
    return OpenSslError("Finalize");
  }
  // Walk back: inverse holds 1/(b_0...b_i); 1/b_i = inverse * prefix[i-1],
  // then inverse *= b_i leaves 1/(b_0...b_{i-1}).
  out.resize(count);
  uint8_t unblinded[kP256ElementBytes];
  for (size_t i = count; i-- > 0;) {
    absl::Status s = DeserializeP256Element(group, evaluated_elements[i],
                                            point.get(), ctx.get());
    if (!s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("batch entry ", i, ": ", s.message()));
    }
    BIGNUM* blind_inverse = prefix[i].get();  // prefix[i] is no longer needed
    const bool ok =
        (i == 0 ? BN_copy(blind_inverse, inverse.get()) != nullptr
                : BN_mod_mul(blind_inverse, inverse.get(), prefix[i - 1].get(),
                             order, ctx.get())) &&
        DeserializeP256Scalar(group, blinded[i].blind.UnsafeSecretView(),
                              /*allow_zero=*/false, scalar.get())
            .ok() &&
        BN_mod_mul(inverse.get(), inverse.get(), scalar.get(), order,
                   ctx.get()) &&
        EC_POINT_mul(group, point.get(), nullptr, point.get(), blind_inverse,
                     ctx.get());
    if (!ok) return OpenSslError("Finalize");
    s = SerializeP256Element(group, point.get(), unblinded, ctx.get());
    if (!s.ok()) return s;
    out[i] = FinalizeHash(inputs[i], unblinded);
  }
  OPENSSL_cleanse(unblinded, sizeof(unblinded));
  return out;
}

// ---------------------------------------------------------------- server

OprfP256Server::OprfP256Server(std::unique_ptr<P256HashToCurve> h2c,
                               BignumPtr key)
    : h2c_(std::move(h2c)), key_(std::move(key)) {}

absl::StatusOr<SecretBytes> OprfP256Server::DeriveKey(absl::string_view seed,
                                                      absl::string_view info) {
  if (seed.size() != kOprfP256SeedBytes) {
    return absl::InvalidArgumentError("OPRF seed must be 32 bytes");
  }
  if (info.size() > kOprfP256MaxInputBytes) {
    return absl::InvalidArgumentError("OPRF key info longer than 65535 bytes");
  }
  absl::StatusOr<std::unique_ptr<P256HashToCurve>> h2c =
      P256HashToCurve::Create();
  if (!h2c.ok()) return h2c.status();
  BnCtxPtr ctx(BN_CTX_new());
  BignumPtr key(BN_new());
  if (ctx == nullptr || key == nullptr) return OpenSslError("DeriveKeyPair");
  // deriveInput || I2OSP(counter, 1), with the counter byte rewritten in
  // place on each (astronomically unlikely) retry.
  SecretBytes derive_input(seed.size() + 2 + info.size() + 1);
  uint8_t* buf = derive_input.UnsafeMutableData();
  std::memcpy(buf, seed.data(), seed.size());
  buf[seed.size()] = static_cast<uint8_t>(info.size() >> 8);
  buf[seed.size() + 1] = static_cast<uint8_t>(info.size() & 0xff);
  if (!info.empty())
    std::memcpy(buf + seed.size() + 2, info.data(), info.size());
  for (int counter = 0; counter <= 255; ++counter) {
    buf[derive_input.size() - 1] = static_cast<uint8_t>(counter);
    absl::Status s =
        (*h2c)->HashToScalar(derive_input.UnsafeSecretView(),
                             OprfP256DeriveKeyPairDst(), key.get(), ctx.get());
    if (!s.ok()) return s;
    if (!BN_is_zero(key.get())) {
      SecretBytes out(kP256ScalarBytes);
      s = SerializeP256Scalar(key.get(), {out.UnsafeMutableData(), out.size()});
      if (!s.ok()) return s;
      return out;
    }
  }
  return absl::InternalError("DeriveKeyPair found no non-zero scalar");
}

absl::StatusOr<std::unique_ptr<OprfP256Server>> OprfP256Server::Create(
    const SecretBytes& private_key) {
  absl::StatusOr<std::unique_ptr<P256HashToCurve>> h2c =
      P256HashToCurve::Create();
  if (!h2c.ok()) return h2c.status();
  BignumPtr key(BN_new());
  if (key == nullptr) return OpenSslError("OPRF server setup");
  absl::Status s =
      DeserializeP256Scalar((*h2c)->group(), private_key.UnsafeSecretView(),
                            /*allow_zero=*/false, key.get());
  if (!s.ok()) return s;
  return absl::WrapUnique(new OprfP256Server(*std::move(h2c), std::move(key)));
}

absl::StatusOr<std::string> OprfP256Server::BlindEvaluate(
    absl::string_view blinded_element) const {
  absl::StatusOr<std::vector<std::string>> out =
      BlindEvaluateBatch({&blinded_element, 1});
  if (!out.ok()) return out.status();
  return std::move((*out)[0]);
}

absl::StatusOr<std::vector<std::string>> OprfP256Server::BlindEvaluateBatch(
    absl::Span<const absl::string_view> blinded_elements) const {
  const EC_GROUP* group = h2c_->group();
  BnCtxPtr ctx(BN_CTX_new());
  EcPointPtr point(EC_POINT_new(group));
  if (ctx == nullptr || point == nullptr) return OpenSslError("BlindEvaluate");
  std::vector<std::string> out;
  out.reserve(blinded_elements.size());
  for (size_t i = 0; i < blinded_elements.size(); ++i) {
    absl::Status s = DeserializeP256Element(group, blinded_elements[i],
                                            point.get(), ctx.get());
    if (!s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("blinded element ", i, ": ", s.message()));
    }
    if (!EC_POINT_mul(group, point.get(), nullptr, point.get(), key_.get(),
                      ctx.get())) {
      return OpenSslError("BlindEvaluate");
    }
    std::string& evaluated = out.emplace_back(kP256ElementBytes, '\0');
    s = SerializeP256Element(
        group, point.get(),
        {reinterpret_cast<uint8_t*>(evaluated.data()), kP256ElementBytes},
        ctx.get());
    if (!s.ok()) return s;
  }
  return out;
}

absl::StatusOr<std::string> OprfP256Server::Evaluate(
    absl::string_view input) const {
  const EC_GROUP* group = h2c_->group();
  BnCtxPtr ctx(BN_CTX_new());
  EcPointPtr point(EC_POINT_new(group));
  if (ctx == nullptr || point == nullptr) return OpenSslError("Evaluate");
  absl::Status s = HashToGroup(*h2c_, input, point.get(), ctx.get());
  if (!s.ok()) return s;
  uint8_t issued[kP256ElementBytes];
  if (!EC_POINT_mul(group, point.get(), nullptr, point.get(), key_.get(),
                    ctx.get())) {
    return OpenSslError("Evaluate");
  }
  s = SerializeP256Element(group, point.get(), issued, ctx.get());
  if (!s.ok()) return s;
  std::string out = FinalizeHash(input, issued);
  OPENSSL_cleanse(issued, sizeof(issued));
  return out;
}

}  // namespace equilink
