#include "common/normalise/postcode.h"

#include "gtest/gtest.h"

namespace equilink {
namespace {

TEST(CanonicalPostcodeTest, AllSixShapes) {
  EXPECT_EQ(CanonicalPostcode("m1 1aa"), "M1 1AA");      // A9 9AA
  EXPECT_EQ(CanonicalPostcode("M60 1NW"), "M60 1NW");    // A99 9AA
  EXPECT_EQ(CanonicalPostcode("CR2 6XH"), "CR2 6XH");    // AA9 9AA
  EXPECT_EQ(CanonicalPostcode("DN55 1PT"), "DN55 1PT");  // AA99 9AA
  EXPECT_EQ(CanonicalPostcode("W1A 1HQ"), "W1A 1HQ");    // A9A 9AA
  EXPECT_EQ(CanonicalPostcode("EC1A 1BB"), "EC1A 1BB");  // AA9A 9AA
}

TEST(CanonicalPostcodeTest, SpacingAndCase) {
  EXPECT_EQ(CanonicalPostcode("b152tt"), "B15 2TT");
  EXPECT_EQ(CanonicalPostcode(" B15  2TT "), "B15 2TT");
  EXPECT_EQ(CanonicalPostcode("B 1 5 2 T T"), "B15 2TT");
  EXPECT_EQ(CanonicalPostcode("\tsw1a1aa\r\n"), "SW1A 1AA");
}

TEST(CanonicalPostcodeTest, RejectsMalformed) {
  for (absl::string_view raw :
       {"", "   ", "B15", "2TT", "B15 2T", "B15 22T", "B15 TTT", "15B 2TT",
        "B15-2TT", "B15 2TT X", "BBB1 2TT", "B123 2TT", "EC1AB 1BB", "B1!5 2TT",
        "GIR 0AA",
        "B15\xC2\xA0"
        "2TT",
        "1234567", "ABCDEFG"}) {
    EXPECT_EQ(CanonicalPostcode(raw), std::nullopt) << raw;
  }
}

TEST(FreeTextPostcodeTest, KeepsLettersAndDigitsUpperCased) {
  EXPECT_EQ(FreeTextPostcode(" 4223"), "4223");
  EXPECT_EQ(FreeTextPostcode("2 6 1 5"), "2615");
  EXPECT_EQ(FreeTextPostcode("sw1a-1aa"), "SW1A1AA");
  EXPECT_EQ(FreeTextPostcode("D02 X285"), "D02X285");
  EXPECT_EQ(FreeTextPostcode("75008 Paris"), "75008PARIS");
  // Non-ASCII bytes are dropped like punctuation, not folded.
  EXPECT_EQ(FreeTextPostcode("12\xC2\xA0"
                             "34"),
            "1234");
  // No UK shape check: what CanonicalPostcode refuses is still a free-text
  // postcode.
  EXPECT_EQ(FreeTextPostcode("GIR 0AA"), "GIR0AA");
}

TEST(FreeTextPostcodeTest, LengthLimits) {
  EXPECT_EQ(FreeTextPostcode("12"), "12");
  EXPECT_EQ(FreeTextPostcode("1234567890"), "1234567890");
  for (absl::string_view raw :
       {"", "   ", "1", "- 1 -", "12345678901", "\xC3\xA9", "1234 5678 901"}) {
    EXPECT_EQ(FreeTextPostcode(raw), std::nullopt) << raw;
  }
}

}  // namespace
}  // namespace equilink
