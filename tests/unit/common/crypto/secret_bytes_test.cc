#include "common/crypto/secret_bytes.h"

#include <type_traits>
#include <utility>

#include "gtest/gtest.h"

namespace equilink {
namespace {

static_assert(!std::is_copy_constructible_v<SecretBytes>);
static_assert(!std::is_copy_assignable_v<SecretBytes>);
static_assert(std::is_nothrow_move_constructible_v<SecretBytes>);
static_assert(!std::is_convertible_v<SecretBytes, std::string>);

TEST(SecretBytesTest, HoldsBytesIncludingZeros) {
  const std::string raw("a\0b\xff", 4);
  SecretBytes s(raw);
  EXPECT_EQ(s.size(), 4u);
  EXPECT_FALSE(s.empty());
  EXPECT_EQ(s.UnsafeSecretView(), raw);
}

TEST(SecretBytesTest, SizeConstructorIsZeroFilled) {
  SecretBytes s(size_t{32});
  ASSERT_EQ(s.size(), 32u);
  for (char c : s.UnsafeSecretView()) EXPECT_EQ(c, '\0');
  s.UnsafeMutableData()[0] = 7;
  EXPECT_EQ(s.UnsafeSecretView()[0], 7);
}

TEST(SecretBytesTest, DefaultIsEmpty) {
  SecretBytes s;
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.size(), 0u);
}

TEST(SecretBytesTest, MoveLeavesSourceEmpty) {
  SecretBytes a(absl::string_view("0123456789abcdef0123456789abcdef"));
  SecretBytes b(std::move(a));
  EXPECT_EQ(b.UnsafeSecretView(), "0123456789abcdef0123456789abcdef");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): tested on purpose

  SecretBytes c(absl::string_view("short"));
  c = std::move(b);
  EXPECT_EQ(c.UnsafeSecretView(), "0123456789abcdef0123456789abcdef");
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(SecretBytesTest, SelfMoveAssignmentKeepsValue) {
  SecretBytes a(absl::string_view("key"));
  SecretBytes& ref = a;
  a = std::move(ref);
  EXPECT_EQ(a.UnsafeSecretView(), "key");
}

TEST(SecretBytesTest, EqualityComparesContentAndSize) {
  EXPECT_TRUE(SecretBytes(absl::string_view("abc")) ==
              SecretBytes(absl::string_view("abc")));
  EXPECT_FALSE(SecretBytes(absl::string_view("abc")) ==
               SecretBytes(absl::string_view("abd")));
  EXPECT_FALSE(SecretBytes(absl::string_view("abc")) ==
               SecretBytes(absl::string_view("abcd")));
  EXPECT_TRUE(SecretBytes() == SecretBytes());
}

}  // namespace
}  // namespace equilink
