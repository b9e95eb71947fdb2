#include "common/crypto/hash_to_curve.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace equilink {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;

// The RFC 9380 test messages (appendices J and K).
std::string Msg(int i) {
  switch (i) {
    case 0:
      return "";
    case 1:
      return "abc";
    case 2:
      return "abcdef0123456789";
    case 3:
      return "q128_" + std::string(128, 'q');
    default:
      return "a512_" + std::string(512, 'a');
  }
}

std::string Hex(absl::string_view bytes) {
  return absl::BytesToHexString(bytes);
}

// ---------------------------------------------------------------------------
// RFC 9380 appendix K.1: expand_message_xmd(SHA-256),
// DST = "QUUX-V01-CS02-with-expander-SHA256-128".

struct XmdVector {
  int msg;
  size_t len;
  const char* uniform_bytes;
};

constexpr XmdVector kK1[] = {
    {0, 0x20,
     "68a985b87eb6b46952128911f2a4412bbc302a9d759667f87f7a21d803f07235"},
    {1, 0x20,
     "d8ccab23b5985ccea865c6c97b6e5b8350e794e603b4b97902f53a8a0d605615"},
    {2, 0x20,
     "eff31487c770a893cfb36f912fbfcbff40d5661771ca4b2cb4eafe524333f5c1"},
    {3, 0x20,
     "b23a1d2b4d97b2ef7785562a7e8bac7eed54ed6e97e29aa51bfe3f12ddad1ff9"},
    {4, 0x20,
     "4623227bcc01293b8c130bf771da8c298dede7383243dc0993d2d94823958c4c"},
    {0, 0x80,
     "af84c27ccfd45d41914fdff5df25293e221afc53d8ad2ac06d5e3e29485dadbe"
     "e0d121587713a3e0dd4d5e69e93eb7cd4f5df4cd103e188cf60cb02edc3edf18"
     "eda8576c412b18ffb658e3dd6ec849469b979d444cf7b26911a08e63cf31f9dc"
     "c541708d3491184472c2c29bb749d4286b004ceb5ee6b9a7fa5b646c993f0ced"},
    {1, 0x80,
     "abba86a6129e366fc877aab32fc4ffc70120d8996c88aee2fe4b32d6c7b6437a"
     "647e6c3163d40b76a73cf6a5674ef1d890f95b664ee0afa5359a5c4e07985635"
     "bbecbac65d747d3d2da7ec2b8221b17b0ca9dc8a1ac1c07ea6a1e60583e2cb00"
     "058e77b7b72a298425cd1b941ad4ec65e8afc50303a22c0f99b0509b4c895f40"},
    {2, 0x80,
     "ef904a29bffc4cf9ee82832451c946ac3c8f8058ae97d8d629831a74c6572bd9"
     "ebd0df635cd1f208e2038e760c4994984ce73f0d55ea9f22af83ba4734569d4b"
     "c95e18350f740c07eef653cbb9f87910d833751825f0ebefa1abe5420bb52be1"
     "4cf489b37fe1a72f7de2d10be453b2c9d9eb20c7e3f6edc5a60629178d9478df"},
    {3, 0x80,
     "80be107d0884f0d881bb460322f0443d38bd222db8bd0b0a5312a6fedb49c1bb"
     "d88fd75d8b9a09486c60123dfa1d73c1cc3169761b17476d3c6b7cbbd727acd0"
     "e2c942f4dd96ae3da5de368d26b32286e32de7e5a8cb2949f866a0b80c58116b"
     "29fa7fabb3ea7d520ee603e0c25bcaf0b9a5e92ec6a1fe4e0391d1cdbce8c68a"},
    {4, 0x80,
     "546aff5444b5b79aa6148bd81728704c32decb73a3ba76e9e75885cad9def1d0"
     "6d6792f8a7d12794e90efed817d96920d728896a4510864370c207f99bd4a608"
     "ea121700ef01ed879745ee3e4ceef777eda6d9e5e38b90c86ea6fb0b36504ba4"
     "a45d22e86f6db5dd43d98a294bebb9125d5b794e9d2a81181066eb954966a487"},
};

// RFC 9380 appendix K.2: the same with a 255+-byte DST, which is first hashed
// (section 5.3.3).
constexpr XmdVector kK2[] = {
    {0, 0x20,
     "e8dc0c8b686b7ef2074086fbdd2f30e3f8bfbd3bdf177f73f04b97ce618a3ed3"},
    {1, 0x20,
     "52dbf4f36cf560fca57dedec2ad924ee9c266341d8f3d6afe5171733b16bbb12"},
    {2, 0x20,
     "35387dcf22618f3728e6c686490f8b431f76550b0b2c61cbc1ce7001536f4521"},
    {3, 0x20,
     "01b637612bb18e840028be900a833a74414140dde0c4754c198532c3a0ba42bc"},
    {4, 0x20,
     "20cce7033cabc5460743180be6fa8aac5a103f56d481cf369a8accc0c374431b"},
    {0, 0x80,
     "14604d85432c68b757e485c8894db3117992fc57e0e136f71ad987f789a0abc2"
     "87c47876978e2388a02af86b1e8d1342e5ce4f7aaa07a87321e691f6fba7e007"
     "2eecc1218aebb89fb14a0662322d5edbd873f0eb35260145cd4e64f748c5dfe6"
     "0567e126604bcab1a3ee2dc0778102ae8a5cfd1429ebc0fa6bf1a53c36f55dfc"},
    {1, 0x80,
     "1a30a5e36fbdb87077552b9d18b9f0aee16e80181d5b951d0471d55b66684914"
     "aef87dbb3626eaabf5ded8cd0686567e503853e5c84c259ba0efc37f71c839da"
     "2129fe81afdaec7fbdc0ccd4c794727a17c0d20ff0ea55e1389d6982d1241cb8"
     "d165762dbc39fb0cee4474d2cbbd468a835ae5b2f20e4f959f56ab24cd6fe267"},
    {2, 0x80,
     "d2ecef3635d2397f34a9f86438d772db19ffe9924e28a1caf6f1c8f15603d402"
     "8f40891044e5c7e39ebb9b31339979ff33a4249206f67d4a1e7c765410bcd249"
     "ad78d407e303675918f20f26ce6d7027ed3774512ef5b00d816e51bfcc96c353"
     "9601fa48ef1c07e494bdc37054ba96ecb9dbd666417e3de289d4f424f502a982"},
    {3, 0x80,
     "ed6e8c036df90111410431431a232d41a32c86e296c05d426e5f44e75b9a50d3"
     "35b2412bc6c91e0a6dc131de09c43110d9180d0a70f0d6289cb4e43b05f7ee5e"
     "9b3f42a1fad0f31bac6a625b3b5c50e3a83316783b649e5ecc9d3b1d9471cb50"
     "24b7ccf40d41d1751a04ca0356548bc6e703fca02ab521b505e8e45600508d32"},
    {4, 0x80,
     "78b53f2413f3c688f07732c10e5ced29a17c6a16f717179ffbe38d92d6c9ec29"
     "6502eb9889af83a1928cd162e845b0d3c5424e83280fed3d10cffb2f8431f14e"
     "7a23f4c68819d40617589e4c41169d0b56e0e3535be1fd71fbb08bb70c5b5ffe"
     "d953d6c14bf7618b35fc1f4c4b30538236b4b08c9fbf90462447a8ada60be495"},
};

TEST(ExpandMessageXmdTest, Rfc9380K1Sha256) {
  const std::string dst = "QUUX-V01-CS02-with-expander-SHA256-128";
  for (const XmdVector& v : kK1) {
    SCOPED_TRACE(absl::StrCat("msg ", v.msg, " len ", v.len));
    auto out = ExpandMessageXmdSha256(Msg(v.msg), dst, v.len);
    ASSERT_THAT(out, IsOk());
    EXPECT_EQ(Hex(*out), v.uniform_bytes);
  }
}

TEST(ExpandMessageXmdTest, Rfc9380K2Sha256LongDst) {
  const std::string dst = "QUUX-V01-CS02-with-expander-SHA256-128-long-DST-" +
                          std::string(208, '1');
  ASSERT_EQ(dst.size(), 256u);
  for (const XmdVector& v : kK2) {
    SCOPED_TRACE(absl::StrCat("msg ", v.msg, " len ", v.len));
    auto out = ExpandMessageXmdSha256(Msg(v.msg), dst, v.len);
    ASSERT_THAT(out, IsOk());
    EXPECT_EQ(Hex(*out), v.uniform_bytes);
  }
}

TEST(ExpandMessageXmdTest, RejectsLengthsOutsideTheRange) {
  EXPECT_THAT(ExpandMessageXmdSha256("m", "dst", 0),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ExpandMessageXmdSha256("m", "dst", 8160), IsOk());
  EXPECT_THAT(ExpandMessageXmdSha256("m", "dst", 8161),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ExpandMessageXmdSha256("m", "", 32),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ExpandMessageXmdTest, ShorterOutputIsNotAPrefixOfLonger) {
  // len_in_bytes is hashed into b_0, so a shorter request is a different
  // string, not a prefix: this guards against computing one and truncating.
  auto short_out = ExpandMessageXmdSha256("abc", "dst", 32);
  auto long_out = ExpandMessageXmdSha256("abc", "dst", 64);
  ASSERT_THAT(short_out, IsOk());
  ASSERT_THAT(long_out, IsOk());
  EXPECT_NE(*short_out, long_out->substr(0, 32));
}

// ---------------------------------------------------------------------------
// RFC 9380 appendix J.1.1: P256_XMD:SHA-256_SSWU_RO_.

struct RoVector {
  int msg;
  const char* px;
  const char* py;
  const char* u0;
  const char* u1;
  const char* q0x;
  const char* q0y;
  const char* q1x;
  const char* q1y;
};

constexpr RoVector kJ11[] = {
    {0, "2c15230b26dbc6fc9a37051158c95b79656e17a1a920b11394ca91c44247d3e4",
     "8a7a74985cc5c776cdfe4b1f19884970453912e9d31528c060be9ab5c43e8415",
     "ad5342c66a6dd0ff080df1da0ea1c04b96e0330dd89406465eeba11582515009",
     "8c0f1d43204bd6f6ea70ae8013070a1518b43873bcd850aafa0a9e220e2eea5a",
     "ab640a12220d3ff283510ff3f4b1953d09fad35795140b1c5d64f313967934d5",
     "dccb558863804a881d4fff3455716c836cef230e5209594ddd33d85c565b19b1",
     "51cce63c50d972a6e51c61334f0f4875c9ac1cd2d3238412f84e31da7d980ef5",
     "b45d1a36d00ad90e5ec7840a60a4de411917fbe7c82c3949a6e699e5a1b66aac"},
    {1, "0bb8b87485551aa43ed54f009230450b492fead5f1cc91658775dac4a3388a0f",
     "5c41b3d0731a27a7b14bc0bf0ccded2d8751f83493404c84a88e71ffd424212e",
     "afe47f2ea2b10465cc26ac403194dfb68b7f5ee865cda61e9f3e07a537220af1",
     "379a27833b0bfe6f7bdca08e1e83c760bf9a338ab335542704edcd69ce9e46e0",
     "5219ad0ddef3cc49b714145e91b2f7de6ce0a7a7dc7406c7726c7e373c58cb48",
     "7950144e52d30acbec7b624c203b1996c99617d0b61c2442354301b191d93ecf",
     "019b7cb4efcfeaf39f738fe638e31d375ad6837f58a852d032ff60c69ee3875f",
     "589a62d2b22357fed5449bc38065b760095ebe6aeac84b01156ee4252715446e"},
    {2, "65038ac8f2b1def042a5df0b33b1f4eca6bff7cb0f9c6c1526811864e544ed80",
     "cad44d40a656e7aff4002a8de287abc8ae0482b5ae825822bb870d6df9b56ca3",
     "0fad9d125a9477d55cf9357105b0eb3a5c4259809bf87180aa01d651f53d312c",
     "b68597377392cd3419d8fcc7d7660948c8403b19ea78bbca4b133c9d2196c0fb",
     "a17bdf2965eb88074bc01157e644ed409dac97cfcf0c61c998ed0fa45e79e4a2",
     "4f1bc80c70d411a3cc1d67aeae6e726f0f311639fee560c7f5a664554e3c9c2e",
     "7da48bb67225c1a17d452c983798113f47e438e4202219dd0715f8419b274d66",
     "b765696b2913e36db3016c47edb99e24b1da30e761a8a3215dc0ec4d8f96e6f9"},
    {3, "4be61ee205094282ba8a2042bcb48d88dfbb609301c49aa8b078533dc65a0b5d",
     "98f8df449a072c4721d241a3b1236d3caccba603f916ca680f4539d2bfb3c29e",
     "3bbc30446f39a7befad080f4d5f32ed116b9534626993d2cc5033f6f8d805919",
     "76bb02db019ca9d3c1e02f0c17f8baf617bbdae5c393a81d9ce11e3be1bf1d33",
     "c76aaa823aeadeb3f356909cb08f97eee46ecb157c1f56699b5efebddf0e6398",
     "776a6f45f528a0e8d289a4be12c4fab80762386ec644abf2bffb9b627e4352b1",
     "418ac3d85a5ccc4ea8dec14f750a3a9ec8b85176c95a7022f391826794eb5a75",
     "fd6604f69e9d9d2b74b072d14ea13050db72c932815523305cb9e807cc900aff"},
    {4, "457ae2981f70ca85d8e24c308b14db22f3e3862c5ea0f652ca38b5e49cd64bc5",
     "ecb9f0eadc9aeed232dabc53235368c1394c78de05dd96893eefa62b0f4757dc",
     "4ebc95a6e839b1ae3c63b847798e85cb3c12d3817ec6ebc10af6ee51adb29fec",
     "4e21af88e22ea80156aff790750121035b3eefaa96b425a8716e0d20b4e269ee",
     "d88b989ee9d1295df413d4456c5c850b8b2fb0f5402cc5c4c7e815412e926db8",
     "bb4a1edeff506cf16def96afff41b16fc74f6dbd55c2210e5b8f011ba32f4f40",
     "a281e34e628f3a4d2a53fa87ff973537d68ad4fbc28d3be5e8d9f6a2571c5a4b",
     "f6ed88a7aab56a488100e6f1174fa9810b47db13e86be999644922961206e184"},
};

// RFC 9380 appendix J.1.2: P256_XMD:SHA-256_SSWU_NU_ (Q0 = P).
struct NuVector {
  int msg;
  const char* px;
  const char* py;
  const char* u0;
};

constexpr NuVector kJ12[] = {
    {0, "f871caad25ea3b59c16cf87c1894902f7e7b2c822c3d3f73596c5ace8ddd14d1",
     "87b9ae23335bee057b99bac1e68588b18b5691af476234b8971bc4f011ddc99b",
     "b22d487045f80e9edcb0ecc8d4bf77833e2bf1f3a54004d7df1d57f4802d311f"},
    {1, "fc3f5d734e8dce41ddac49f47dd2b8a57257522a865c124ed02b92b5237befa4",
     "fe4d197ecf5a62645b9690599e1d80e82c500b22ac705a0b421fac7b47157866",
     "c7f96eadac763e176629b09ed0c11992225b3a5ae99479760601cbd69c221e58"},
    {2, "f164c6674a02207e414c257ce759d35eddc7f55be6d7f415e2cc177e5d8faa84",
     "3aa274881d30db70485368c0467e97da0e73c18c1d00f34775d012b6fcee7f97",
     "314e8585fa92068b3ea2c3bab452d4257b38be1c097d58a21890456c2929614d"},
    {3, "324532006312be4f162614076460315f7a54a6f85544da773dc659aca0311853",
     "8d8197374bcd52de2acfefc8a54fe2c8d8bebd2a39f16be9b710e4b1af6ef883",
     "752d8eaa38cd785a799a31d63d99c2ae4261823b4a367b133b2c6627f48858ab"},
    {4, "5c4bad52f81f39c8e8de1260e9a06d72b8b00a0829a8ea004a610b0691bea5d9",
     "c801e7c0782af1f74f24fc385a8555da0582032a3ce038de637ccdcb16f7ef7b",
     "0e1527840b9df2dfbef966678ff167140f2b27c4dccd884c25014dce0e41dfa3"},
};

std::string Uncompressed(const char* x, const char* y) {
  return absl::StrCat("04", x, y);
}

class P256HashToCurveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto h = P256HashToCurve::Create();
    ASSERT_THAT(h, IsOk());
    h2c_ = *std::move(h);
  }
  std::unique_ptr<P256HashToCurve> h2c_;
};

TEST_F(P256HashToCurveTest, Rfc9380J11HashToCurve) {
  const std::string dst = "QUUX-V01-CS02-with-P256_XMD:SHA-256_SSWU_RO_";
  for (const RoVector& v : kJ11) {
    SCOPED_TRACE(absl::StrCat("msg ", v.msg));
    auto u = h2c_->HashToFieldBytes(Msg(v.msg), dst, 2);
    ASSERT_THAT(u, IsOk());
    ASSERT_EQ(u->size(), 2u);
    EXPECT_EQ(Hex((*u)[0]), v.u0);
    EXPECT_EQ(Hex((*u)[1]), v.u1);
    auto q0 = h2c_->MapToCurveBytes((*u)[0]);
    auto q1 = h2c_->MapToCurveBytes((*u)[1]);
    ASSERT_THAT(q0, IsOk());
    ASSERT_THAT(q1, IsOk());
    EXPECT_EQ(Hex(*q0), Uncompressed(v.q0x, v.q0y));
    EXPECT_EQ(Hex(*q1), Uncompressed(v.q1x, v.q1y));
    auto p = h2c_->HashToCurveBytes(Msg(v.msg), dst);
    ASSERT_THAT(p, IsOk());
    EXPECT_EQ(Hex(*p), Uncompressed(v.px, v.py));
  }
}

TEST_F(P256HashToCurveTest, Rfc9380J12EncodeToCurve) {
  const std::string dst = "QUUX-V01-CS02-with-P256_XMD:SHA-256_SSWU_NU_";
  for (const NuVector& v : kJ12) {
    SCOPED_TRACE(absl::StrCat("msg ", v.msg));
    auto u = h2c_->HashToFieldBytes(Msg(v.msg), dst, 1);
    ASSERT_THAT(u, IsOk());
    ASSERT_EQ(u->size(), 1u);
    EXPECT_EQ(Hex((*u)[0]), v.u0);
    auto p = h2c_->EncodeToCurveBytes(Msg(v.msg), dst);
    ASSERT_THAT(p, IsOk());
    EXPECT_EQ(Hex(*p), Uncompressed(v.px, v.py));
  }
}

TEST_F(P256HashToCurveTest, MapToCurveRejectsNonFieldElements) {
  const std::string p_bytes = absl::HexStringToBytes(
      "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
  EXPECT_THAT(h2c_->MapToCurveBytes(p_bytes),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(h2c_->MapToCurveBytes(std::string(31, '\x01')),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(P256HashToCurveTest, MapsZeroToAPoint) {
  // u = 0 takes the exceptional tv2 == 0 branch of the map (step 7).
  EXPECT_THAT(h2c_->MapToCurveBytes(std::string(32, '\0')), IsOk());
}

TEST_F(P256HashToCurveTest, HashToScalarIsBelowTheOrder) {
  const std::string n = absl::HexStringToBytes(
      "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  for (int i = 0; i < 64; ++i) {
    auto s = h2c_->HashToScalarBytes(absl::StrCat("m", i), "dst");
    ASSERT_THAT(s, IsOk());
    ASSERT_EQ(s->size(), 32u);
    EXPECT_LT(*s, n);
  }
}

}  // namespace
}  // namespace equilink
