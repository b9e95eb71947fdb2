#include "common/normalise/address.h"

#include "common/normalise/date_of_birth.h"
#include "gtest/gtest.h"

namespace equilink {
namespace {

TEST(NormaliseAddressTest, ExpandsAbbreviations) {
  EXPECT_EQ(NormaliseAddress("12 High St"), "12 high street");
  EXPECT_EQ(NormaliseAddress("12a St John's Rd."), "12a saint johns road");
  EXPECT_EQ(NormaliseAddress("Flat 3, 45 Park Ave"), "flat 3 45 park avenue");
  EXPECT_EQ(NormaliseAddress("7 ACACIA GDNS"), "7 acacia gardens");
  EXPECT_EQ(NormaliseAddress("1 Mill Ln"), "1 mill lane");
  EXPECT_EQ(NormaliseAddress("  9   Elm   Dr  "), "9 elm drive");
  EXPECT_EQ(NormaliseAddress("Apt 2, 10 Crescent Cres"),
            "apartment 2 10 crescent crescent");
  EXPECT_EQ(NormaliseAddress("12 High Street"), "12 high street");
  EXPECT_EQ(NormaliseAddress("3 Rue Émile-Zola"), "3 rue emile zola");
  EXPECT_EQ(NormaliseAddress(""), "");
  EXPECT_EQ(NormaliseAddress(", ."), "");
}

TEST(DateOfBirthKeyTest, EightDigits) {
  EXPECT_EQ(DateOfBirthKey(absl::CivilDay(2014, 3, 5)), "20140305");
  EXPECT_EQ(DateOfBirthKey(absl::CivilDay(1999, 12, 31)), "19991231");
  EXPECT_EQ(DateOfBirthKey(absl::CivilDay(10000, 1, 1)), "");
  EXPECT_EQ(DateOfBirthKey(absl::CivilDay(0, 1, 1)), "");
}

TEST(NormaliseAddressTest, IntoReusedBufferMatches) {
  std::string out = "older and longer contents of a reused buffer";
  for (const char* raw : {"12a St John's Rd.", "Apt 2, 10 Crescent Cres",
                          "12 High Street", "St", "", "7 ACACIA GDNS"}) {
    NormaliseAddressInto(raw, &out);
    EXPECT_EQ(out, NormaliseAddress(raw)) << raw;
  }
}

}  // namespace
}  // namespace equilink
