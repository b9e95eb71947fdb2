#include "common/crypto/expand_message_xmd.h"

#include <string>

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

}  // namespace
}  // namespace equilink
