#include "client/csv/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace equilink::client {
namespace {

TEST(Utf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ASCII, longer than eight bytes"));
  EXPECT_TRUE(IsValidUtf8("Zo\xC3\xAB Bront\xC3\xAB"));        // ë
  EXPECT_TRUE(IsValidUtf8("\xE2\x80\x99quoted\xE2\x80\x99"));  // ’
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80"));                // emoji
  EXPECT_TRUE(IsValidUtf8("\xEF\xBB\xBF"));                    // BOM itself
}

TEST(Utf8Test, RejectsMalformedText) {
  EXPECT_FALSE(IsValidUtf8("caf\xE9"));           // Windows-1252 é
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\x80 continuation first"));
  EXPECT_FALSE(IsValidUtf8(std::string("12345678\xFF", 9)));
}

}  // namespace
}  // namespace equilink::client
