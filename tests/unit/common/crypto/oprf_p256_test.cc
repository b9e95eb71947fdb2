#include "common/crypto/oprf_p256.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace equilink {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Bytes(absl::string_view hex) { return absl::HexStringToBytes(hex); }
std::string Hex(absl::string_view bytes) {
  return absl::BytesToHexString(bytes);
}

// RFC 9497 appendix A.3.1, P256-SHA256, OPRF mode.
constexpr char kSeed[] =
    "a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3";
constexpr char kKeyInfo[] = "74657374206b6579";
constexpr char kSkSm[] =
    "159749d750713afe245d2d39ccfaae8381c53ce92d098a9375ee70739c7ac0bf";

struct OprfVector {
  const char* input;
  const char* blind;
  const char* blinded_element;
  const char* evaluation_element;
  const char* output;
};

constexpr OprfVector kVectors[] = {
    // Test Vector 1, Batch Size 1
    {"00", "3338fa65ec36e0290022b48eb562889d89dbfa691d1cde91517fa222ed7ad364",
     "03723a1e5c09b8b9c18d1dcbca29e8007e95f14f4732d9346d490ffc195110368d",
     "030de02ffec47a1fd53efcdd1c6faf5bdc270912b8749e783c7ca75bb412958832",
     "a0b34de5fa4c5b6da07e72af73cc507cceeb48981b97b7285fc375345fe495dd"},
    // Test Vector 2, Batch Size 1
    {"5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
     "3338fa65ec36e0290022b48eb562889d89dbfa691d1cde91517fa222ed7ad364",
     "03cc1df781f1c2240a64d1c297b3f3d16262ef5d4cf102734882675c26231b0838",
     "03a0395fe3828f2476ffcd1f4fe540e5a8489322d398be3c4e5a869db7fcb7c52c",
     "c748ca6dd327f0ce85f4ae3a8cd6d4d5390bbb804c9e12dcf94f853fece3dcce"},
};

// The smallest x for which x^3 - 3x + b is not a square mod p, found with
// Euler's criterion independently of OpenSSL's point decoding: a compressed
// encoding of it names no point on the curve.
std::string OffCurveCompressedPoint() {
  BN_CTX* ctx = BN_CTX_new();
  EC_GROUP* group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  BIGNUM* p = BN_new();
  BIGNUM* a = BN_new();
  BIGNUM* b = BN_new();
  BIGNUM* x = BN_new();
  BIGNUM* rhs = BN_new();
  BIGNUM* t = BN_new();
  BIGNUM* e = BN_new();
  EC_GROUP_get_curve(group, p, a, b, ctx);
  BN_rshift1(e, p);  // (p - 1) / 2, as p is odd
  std::string out;
  for (unsigned long i = 1; i < 100 && out.empty(); ++i) {
    BN_set_word(x, i);
    BN_mod_sqr(rhs, x, p, ctx);
    BN_mod_add(rhs, rhs, a, p, ctx);
    BN_mod_mul(rhs, rhs, x, p, ctx);
    BN_mod_add(rhs, rhs, b, p, ctx);
    BN_mod_exp(t, rhs, e, p, ctx);
    if (!BN_is_one(t)) {
      out.assign(33, '\0');
      out[0] = '\x02';
      BN_bn2binpad(x, reinterpret_cast<uint8_t*>(out.data()) + 1, 32);
    }
  }
  for (BIGNUM* bn : {p, a, b, x, rhs, t, e}) BN_free(bn);
  EC_GROUP_free(group);
  BN_CTX_free(ctx);
  return out;
}

class OprfP256Test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto client = OprfP256Client::Create();
    ASSERT_THAT(client, IsOk());
    client_ = *std::move(client);
    auto server = OprfP256Server::Create(SecretBytes(Bytes(kSkSm)));
    ASSERT_THAT(server, IsOk());
    server_ = *std::move(server);
  }

  std::unique_ptr<OprfP256Client> client_;
  std::unique_ptr<OprfP256Server> server_;
};

TEST(OprfP256DstTest, DstsEndInTheContextString) {
  const std::string context("OPRFV1-\0-P256-SHA256", 20);
  EXPECT_EQ(OprfP256HashToGroupDst(), "HashToGroup-" + context);
  EXPECT_EQ(OprfP256HashToScalarDst(), "HashToScalar-" + context);
  EXPECT_EQ(OprfP256DeriveKeyPairDst(), "DeriveKeyPair" + context);
}

TEST_F(OprfP256Test, Rfc9497DeriveKeyPair) {
  auto key = OprfP256Server::DeriveKey(Bytes(kSeed), Bytes(kKeyInfo));
  ASSERT_THAT(key, IsOk());
  EXPECT_EQ(Hex(key->UnsafeSecretView()), kSkSm);
}

TEST_F(OprfP256Test, Rfc9497VectorsThroughTheProtocol) {
  for (const OprfVector& v : kVectors) {
    SCOPED_TRACE(v.input);
    const std::string input = Bytes(v.input);
    auto blinded = client_->BlindWithScalar(input, SecretBytes(Bytes(v.blind)));
    ASSERT_THAT(blinded, IsOk());
    EXPECT_EQ(Hex(blinded->blinded_element), v.blinded_element);
    EXPECT_EQ(Hex(blinded->blind.UnsafeSecretView()), v.blind);

    auto evaluated = server_->BlindEvaluate(blinded->blinded_element);
    ASSERT_THAT(evaluated, IsOk());
    EXPECT_EQ(Hex(*evaluated), v.evaluation_element);

    auto output = client_->Finalize(input, blinded->blind, *evaluated);
    ASSERT_THAT(output, IsOk());
    EXPECT_EQ(Hex(*output), v.output);

    auto direct = server_->Evaluate(input);
    ASSERT_THAT(direct, IsOk());
    EXPECT_EQ(Hex(*direct), v.output);
  }
}

TEST_F(OprfP256Test, Rfc9497VectorsFromTheirOwnElements) {
  // Each step checked against the published values alone, so a fault in one
  // step cannot be masked by a compensating fault in the step before.
  for (const OprfVector& v : kVectors) {
    SCOPED_TRACE(v.input);
    auto evaluated = server_->BlindEvaluate(Bytes(v.blinded_element));
    ASSERT_THAT(evaluated, IsOk());
    EXPECT_EQ(Hex(*evaluated), v.evaluation_element);
    auto output = client_->Finalize(Bytes(v.input), SecretBytes(Bytes(v.blind)),
                                    Bytes(v.evaluation_element));
    ASSERT_THAT(output, IsOk());
    EXPECT_EQ(Hex(*output), v.output);
  }
}

TEST_F(OprfP256Test, BatchedBlindEvaluateMatchesTheVectors) {
  // OPRF mode publishes no batch vector, so batch both single vectors.
  const std::vector<std::string> elements = {
      Bytes(kVectors[0].blinded_element), Bytes(kVectors[1].blinded_element)};
  const std::vector<absl::string_view> views(elements.begin(), elements.end());
  auto evaluated = server_->BlindEvaluateBatch(views);
  ASSERT_THAT(evaluated, IsOk());
  ASSERT_EQ(evaluated->size(), 2u);
  EXPECT_EQ(Hex((*evaluated)[0]), kVectors[0].evaluation_element);
  EXPECT_EQ(Hex((*evaluated)[1]), kVectors[1].evaluation_element);
}

TEST_F(OprfP256Test, FinalizeBatchMatchesTheVectors) {
  std::vector<std::string> inputs;
  std::vector<std::string> evaluated;
  std::vector<OprfP256BlindedInput> blinded;
  for (const OprfVector& v : kVectors) {
    inputs.push_back(Bytes(v.input));
    evaluated.push_back(Bytes(v.evaluation_element));
    blinded.push_back({SecretBytes(Bytes(v.blind)), Bytes(v.blinded_element)});
  }
  const std::vector<absl::string_view> input_views(inputs.begin(),
                                                   inputs.end());
  const std::vector<absl::string_view> evaluated_views(evaluated.begin(),
                                                       evaluated.end());
  auto outputs = client_->FinalizeBatch(input_views, blinded, evaluated_views);
  ASSERT_THAT(outputs, IsOk());
  ASSERT_EQ(outputs->size(), 2u);
  EXPECT_EQ(Hex((*outputs)[0]), kVectors[0].output);
  EXPECT_EQ(Hex((*outputs)[1]), kVectors[1].output);
}

TEST_F(OprfP256Test, FinalizeBatchWithRandomBlindsEqualsEvaluate) {
  constexpr int kCount = 17;
  std::vector<std::string> inputs;
  std::vector<OprfP256BlindedInput> blinded;
  for (int i = 0; i < kCount; ++i) {
    inputs.push_back(absl::StrCat("input-", i));
    auto b = client_->Blind(inputs.back());
    ASSERT_THAT(b, IsOk());
    blinded.push_back(*std::move(b));
  }
  std::vector<absl::string_view> element_views;
  for (const OprfP256BlindedInput& b : blinded) {
    element_views.push_back(b.blinded_element);
  }
  auto evaluated = server_->BlindEvaluateBatch(element_views);
  ASSERT_THAT(evaluated, IsOk());
  const std::vector<absl::string_view> input_views(inputs.begin(),
                                                   inputs.end());
  const std::vector<absl::string_view> evaluated_views(evaluated->begin(),
                                                       evaluated->end());
  auto outputs = client_->FinalizeBatch(input_views, blinded, evaluated_views);
  ASSERT_THAT(outputs, IsOk());
  ASSERT_EQ(outputs->size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    auto direct = server_->Evaluate(inputs[i]);
    ASSERT_THAT(direct, IsOk());
    EXPECT_EQ((*outputs)[i], *direct) << i;
  }
}

TEST_F(OprfP256Test, FinalizeBatchRefusals) {
  std::vector<OprfP256BlindedInput> blinded;
  blinded.push_back({SecretBytes(Bytes(kVectors[0].blind)), ""});
  blinded.push_back({SecretBytes(Bytes(kVectors[1].blind)), ""});
  const std::string good = Bytes(kVectors[0].evaluation_element);
  const std::string off_curve = OffCurveCompressedPoint();
  const std::vector<absl::string_view> inputs = {"a", "b"};
  const std::vector<absl::string_view> bad_element = {good, off_curve};
  EXPECT_THAT(
      client_->FinalizeBatch(inputs, blinded, bad_element),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("batch entry 1")));
  const std::vector<absl::string_view> one = {good};
  EXPECT_THAT(client_->FinalizeBatch(inputs, blinded, one),
              StatusIs(absl::StatusCode::kInvalidArgument));
  blinded[0].blind = SecretBytes(std::string(32, '\0'));
  const std::vector<absl::string_view> both = {good, good};
  EXPECT_THAT(
      client_->FinalizeBatch(inputs, blinded, both),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("batch entry 0")));
  auto empty = client_->FinalizeBatch({}, {}, {});
  ASSERT_THAT(empty, IsOk());
  EXPECT_TRUE(empty->empty());
}

TEST(OprfP256BatchTest, Rfc9497VoprfBatchVectorElements) {
  // RFC 9497 A.3.2 (VOPRF mode) Test Vector 3, Batch Size 2. VOPRF's
  // evaluated elements are skS * blindedElement exactly as in OPRF mode (the
  // mode changes only the DSTs and adds a proof, which is not checked here),
  // so this is the published batch check of the element arithmetic.
  auto server = OprfP256Server::Create(SecretBytes(Bytes(
      "ca5d94c8807817669a51b196c34c1b7f8442fde4334a7121ae4736364312fca6")));
  ASSERT_THAT(server, IsOk());
  const std::vector<std::string> elements = {
      Bytes("02dd05901038bb31a6fae01828fd8d0e49e35a486b5c5d4b4994013648c01277"
            "da"),
      Bytes("03462e9ae64cae5b83ba98a6b360d942266389ac369b923eb3d557213b1922f8"
            "ab")};
  const std::vector<absl::string_view> views(elements.begin(), elements.end());
  auto evaluated = (*server)->BlindEvaluateBatch(views);
  ASSERT_THAT(evaluated, IsOk());
  ASSERT_EQ(evaluated->size(), 2u);
  EXPECT_EQ(Hex((*evaluated)[0]),
            "0209f33cab60cf8fe69239b0afbcfcd261af4c1c5632624f2e9ba29b90ae83e4"
            "a2");
  EXPECT_EQ(Hex((*evaluated)[1]),
            "02bb24f4d838414aef052a8f044a6771230ca69c0a5677540fff738dd31bb697"
            "71");
}

TEST_F(OprfP256Test, RandomBlindRoundTripEqualsDirectEvaluation) {
  const std::string input = "9434765919";
  auto direct = server_->Evaluate(input);
  ASSERT_THAT(direct, IsOk());
  for (int i = 0; i < 8; ++i) {
    auto blinded = client_->Blind(input);
    ASSERT_THAT(blinded, IsOk());
    ASSERT_EQ(blinded->blind.size(), kP256ScalarBytes);
    ASSERT_EQ(blinded->blinded_element.size(), kP256ElementBytes);
    auto evaluated = server_->BlindEvaluate(blinded->blinded_element);
    ASSERT_THAT(evaluated, IsOk());
    auto output = client_->Finalize(input, blinded->blind, *evaluated);
    ASSERT_THAT(output, IsOk());
    EXPECT_EQ(*output, *direct);
  }
}

TEST_F(OprfP256Test, SharedClientAndServerAcrossThreads) {
  // The key service shares one server between request threads and the client
  // one client between worker threads; each call must use only its own
  // scratch state.
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::string> expected;
  for (int i = 0; i < kThreads * kPerThread; ++i) {
    auto direct = server_->Evaluate(absl::StrCat("input-", i));
    ASSERT_THAT(direct, IsOk());
    expected.push_back(*direct);
  }
  std::vector<std::string> got(expected.size());
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int j = 0; j < kPerThread; ++j) {
        const int i = t * kPerThread + j;
        const std::string input = absl::StrCat("input-", i);
        auto blinded = client_->Blind(input);
        if (!blinded.ok()) continue;
        auto evaluated = server_->BlindEvaluate(blinded->blinded_element);
        if (!evaluated.ok()) continue;
        auto output = client_->Finalize(input, blinded->blind, *evaluated);
        if (output.ok()) got[i] = *output;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(got, expected);
}

TEST_F(OprfP256Test, FreshBlindsHideTheInput) {
  auto a = client_->Blind("9434765919");
  auto b = client_->Blind("9434765919");
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_NE(a->blinded_element, b->blinded_element);
  EXPECT_FALSE(a->blind == b->blind);
}

TEST_F(OprfP256Test, EmptyAndMaximalInputs) {
  for (const std::string& input :
       {std::string(), std::string(kOprfP256MaxInputBytes, 'x')}) {
    auto blinded = client_->Blind(input);
    ASSERT_THAT(blinded, IsOk());
    auto evaluated = server_->BlindEvaluate(blinded->blinded_element);
    ASSERT_THAT(evaluated, IsOk());
    auto output = client_->Finalize(input, blinded->blind, *evaluated);
    auto direct = server_->Evaluate(input);
    ASSERT_THAT(output, IsOk());
    ASSERT_THAT(direct, IsOk());
    EXPECT_EQ(*output, *direct);
  }
}

TEST_F(OprfP256Test, RejectsOverlongInputs) {
  const std::string input(kOprfP256MaxInputBytes + 1, 'x');
  EXPECT_THAT(client_->Blind(input),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(server_->Evaluate(input),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(client_->Finalize(input, SecretBytes(Bytes(kVectors[0].blind)),
                                Bytes(kVectors[0].evaluation_element)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(OprfP256Test, DeserializeElementRefusesBadEncodings) {
  const std::string valid = Bytes(kVectors[0].blinded_element);
  const std::string off_curve = OffCurveCompressedPoint();
  ASSERT_EQ(off_curve.size(), 33u);
  std::string bad_prefix = valid;
  bad_prefix[0] = '\x04';
  const std::string x_equal_p = Bytes(
      "02ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
  const std::string cases[] = {
      std::string(1, '\0'),   // SEC1 encoding of the identity
      std::string(33, '\0'),  // no such point, and no valid prefix
      off_curve,
      x_equal_p,
      bad_prefix,
      valid.substr(0, 32),
      valid + "x",
      std::string(),
  };
  for (const std::string& element : cases) {
    SCOPED_TRACE(Hex(element));
    EXPECT_THAT(server_->BlindEvaluate(element),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(client_->Finalize(
                    "input", SecretBytes(Bytes(kVectors[0].blind)), element),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

TEST_F(OprfP256Test, DeserializeElementRefusesUncompressedForm) {
  // The same point as a valid element, uncompressed: valid SEC1, but not the
  // RFC 9497 wire form.
  auto h2c = P256HashToCurve::Create();
  ASSERT_THAT(h2c, IsOk());
  auto uncompressed = (*h2c)->HashToCurveBytes("x", "dst");
  ASSERT_THAT(uncompressed, IsOk());
  EXPECT_THAT(server_->BlindEvaluate(*uncompressed),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(OprfP256Test, BatchIsAllOrNothingAndNamesTheIndexOnly) {
  const std::string good = Bytes(kVectors[0].blinded_element);
  const std::string bad = OffCurveCompressedPoint();
  const std::vector<absl::string_view> views = {good, good, bad, good};
  auto evaluated = server_->BlindEvaluateBatch(views);
  EXPECT_THAT(evaluated, StatusIs(absl::StatusCode::kInvalidArgument,
                                  HasSubstr("blinded element 2")));
  EXPECT_THAT(std::string(evaluated.status().message()),
              Not(HasSubstr(Hex(bad))));
  auto empty = server_->BlindEvaluateBatch({});
  ASSERT_THAT(empty, IsOk());
  EXPECT_TRUE(empty->empty());
}

TEST_F(OprfP256Test, ScalarsMustBeNonZeroAndBelowTheOrder) {
  const std::string order =
      Bytes("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  const std::string order_minus_1 =
      Bytes("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550");
  const std::string bad_keys[] = {std::string(32, '\0'), order,
                                  std::string(32, '\xff'), std::string(31, 1),
                                  std::string(33, 1)};
  for (const std::string& key : bad_keys) {
    SCOPED_TRACE(Hex(key));
    EXPECT_THAT(OprfP256Server::Create(SecretBytes(key)),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(client_->BlindWithScalar("input", SecretBytes(key)),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(client_->Finalize("input", SecretBytes(key),
                                  Bytes(kVectors[0].evaluation_element)),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
  EXPECT_THAT(OprfP256Server::Create(SecretBytes(order_minus_1)), IsOk());
}

TEST_F(OprfP256Test, DeriveKeyChecksSeedAndInfoLengths) {
  EXPECT_THAT(OprfP256Server::DeriveKey(std::string(31, 'a'), "info"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(OprfP256Server::DeriveKey(std::string(33, 'a'), "info"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      OprfP256Server::DeriveKey(std::string(32, 'a'), std::string(65536, 'i')),
      StatusIs(absl::StatusCode::kInvalidArgument));
  auto a = OprfP256Server::DeriveKey(std::string(32, 'a'), "key-1");
  auto b = OprfP256Server::DeriveKey(std::string(32, 'a'), "key-2");
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_FALSE(*a == *b);
}

TEST_F(OprfP256Test, ErrorsNeverCarryTheInputOrSecrets) {
  const std::string nhs = "9434765919";
  const std::string long_input = nhs + std::string(kOprfP256MaxInputBytes, '7');
  const std::string blind = Bytes(kVectors[0].blind);
  std::vector<absl::Status> errors = {
      client_->Blind(long_input).status(),
      server_->Evaluate(long_input).status(),
      client_->Finalize(nhs, SecretBytes(blind), "garbage").status(),
      client_
          ->Finalize(nhs, SecretBytes(std::string(32, '\xff')),
                     Bytes(kVectors[0].evaluation_element))
          .status(),
      OprfP256Server::Create(SecretBytes(std::string(32, '\xff'))).status(),
  };
  for (const absl::Status& s : errors) {
    ASSERT_FALSE(s.ok());
    const std::string message(s.message());
    EXPECT_THAT(message, Not(HasSubstr(nhs)));
    EXPECT_THAT(message, Not(HasSubstr("garbage")));
    EXPECT_THAT(message, Not(HasSubstr(Hex(blind))));
    EXPECT_THAT(message, Not(HasSubstr("ffffffff")));
  }
}

}  // namespace
}  // namespace equilink
