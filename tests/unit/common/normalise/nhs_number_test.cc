#include "common/normalise/nhs_number.h"

#include "gtest/gtest.h"

namespace equilink {
namespace {

TEST(NhsNumberTest, KnownValidNumbers) {
  for (absl::string_view n :
       {"9434765919", "4010232137", "9434765870", "9000000009"}) {
    EXPECT_TRUE(IsValidNhsNumberDigits(n)) << n;
    const NhsNumberResult r = CheckNhsNumber(n);
    EXPECT_EQ(r.check, NhsNumberCheck::kValid) << n;
    EXPECT_EQ(r.digits, n);
  }
}

TEST(NhsNumberTest, CheckDigitZeroWhenRemainderIsZero) {
  // 4010232137: sum = 4*10+0+1*8+0+2*6+3*5+2*4+1*3+3*2 = 92, 92 % 11 = 4,
  // 11 - 4 = 7. And 9434765870 has sum 308 = 28 * 11, so 11 -> 0.
  EXPECT_TRUE(IsValidNhsNumberDigits("9434765870"));
  EXPECT_FALSE(IsValidNhsNumberDigits("9434765871"));
}

TEST(NhsNumberTest, AcceptsSpacesAndHyphens) {
  for (absl::string_view n : {"943 476 5919", "943-476-5919", " 9434765919 ",
                              "943 - 476 - 5919", "\t943 476 5919\r\n"}) {
    const NhsNumberResult r = CheckNhsNumber(n);
    EXPECT_EQ(r.check, NhsNumberCheck::kValid) << n;
    EXPECT_EQ(r.digits, "9434765919");
  }
}

TEST(NhsNumberTest, WrongCheckDigit) {
  const NhsNumberResult r = CheckNhsNumber("9434765918");
  EXPECT_EQ(r.check, NhsNumberCheck::kInvalidChecksum);
  EXPECT_TRUE(r.digits.empty());
  EXPECT_EQ(CheckNhsNumber("4010232138").check,
            NhsNumberCheck::kInvalidChecksum);
}

TEST(NhsNumberTest, RemainderTenIsNeverValid) {
  // 1000000010: sum = 10 + 2 = 12, 12 % 11 = 1, 11 - 1 = 10: no check digit
  // can make it valid.
  for (char d = '0'; d <= '9'; ++d) {
    std::string n = "100000001";
    n.push_back(d);
    EXPECT_FALSE(IsValidNhsNumberDigits(n)) << n;
    EXPECT_EQ(CheckNhsNumber(n).check, NhsNumberCheck::kInvalidChecksum);
  }
}

TEST(NhsNumberTest, Absent) {
  for (absl::string_view n : {"", " ", "\t \r\n"}) {
    EXPECT_EQ(CheckNhsNumber(n).check, NhsNumberCheck::kAbsent);
  }
}

TEST(NhsNumberTest, InvalidFormat) {
  for (absl::string_view n :
       {"943476591", "94347659190", "943476591X", "ABCDEFGHIJ", "-",
        "9434.765919", "９４３４７６５９１９", "943 476 5919 0",
        "+449434765919"}) {
    const NhsNumberResult r = CheckNhsNumber(n);
    EXPECT_EQ(r.check, NhsNumberCheck::kInvalidFormat) << n;
    EXPECT_TRUE(r.digits.empty());
  }
  EXPECT_FALSE(IsValidNhsNumberDigits("943 476 5919"));
  EXPECT_FALSE(IsValidNhsNumberDigits(""));
}

}  // namespace
}  // namespace equilink
