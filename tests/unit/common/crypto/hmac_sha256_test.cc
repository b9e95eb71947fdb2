#include "common/crypto/hmac_sha256.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace equilink {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;

std::string Mac(const std::string& key, absl::string_view message) {
  auto mac = HmacSha256::Create(SecretBytes(key));
  EXPECT_THAT(mac, IsOk());
  if (!mac.ok()) return "";
  return absl::BytesToHexString((*mac)->ComputeString(message));
}

struct Rfc4231Case {
  const char* name;
  std::string key;
  std::string data;
  const char* hex;
};

// RFC 4231 section 4, HMAC-SHA-256 outputs. Case 5 is omitted: it tests
// truncated output, which this API does not offer.
TEST(HmacSha256Test, Rfc4231Vectors) {
  const std::string key131(131, '\xaa');
  std::string key25;
  for (int i = 1; i <= 25; ++i) key25.push_back(static_cast<char>(i));
  const Rfc4231Case cases[] = {
      {"1", std::string(20, '\x0b'), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"2", "Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {"3", std::string(20, '\xaa'), std::string(50, '\xdd'),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {"4", key25, std::string(50, '\xcd'),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {"6", key131, "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {"7", key131,
       "This is a test using a larger than block-size key and a larger than "
       "block-size data. The key needs to be hashed before being used by the "
       "HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (const Rfc4231Case& c : cases) {
    EXPECT_EQ(Mac(c.key, c.data), c.hex) << "RFC 4231 test case " << c.name;
  }
}

TEST(HmacSha256Test, RepeatedComputeIsStable) {
  auto mac = HmacSha256::Create(SecretBytes(absl::string_view("Jefe")));
  ASSERT_THAT(mac, IsOk());
  const std::string first =
      (*mac)->ComputeString("what do ya want for nothing?");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*mac)->ComputeString("what do ya want for nothing?"), first);
  }
}

TEST(HmacSha256Test, PartsEqualConcatenation) {
  auto mac = HmacSha256::Create(SecretBytes(absl::string_view("k")));
  ASSERT_THAT(mac, IsOk());
  const std::string long_part(200, 'x');  // crosses block boundaries
  const absl::string_view parts[] = {"ab", "", long_part, "c"};
  uint8_t out[HmacSha256::kOutputBytes];
  (*mac)->ComputeParts(parts, out);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), sizeof(out)),
            (*mac)->ComputeString("ab" + long_part + "c"));
}

TEST(HmacSha256Test, EmptyMessageIsAllowed) {
  // HMAC-SHA256("key", "") from Python's hmac module.
  EXPECT_EQ(Mac("key", ""),
            "5d5d139563c95b5967b9bd9a8c9b233a9dedb45072794cd232dc1b74832607d0");
}

TEST(HmacSha256Test, EmptyKeyIsRejected) {
  EXPECT_THAT(HmacSha256::Create(SecretBytes()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace equilink
