#include "common/normalise/nhs_number.h"

#include <utility>
#include <vector>

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

TEST(UncheckedNationalIdTest, DigitsAsGiven) {
  for (const auto& [raw, digits] :
       std::vector<std::pair<absl::string_view, absl::string_view>>{
           {" 5304218", "5304218"},
           {"530 4218", "5304218"},
           {"530-42-18", "5304218"},
           {"0012", "0012"},  // leading zeros are part of the identifier
           {"9434765910", "9434765910"},  // no Modulus 11 check
           {"7", "7"},
           {"12345678901234567890", "12345678901234567890"}}) {
    const NhsNumberResult r = ReadUncheckedNationalId(raw);
    EXPECT_EQ(r.check, NhsNumberCheck::kUnchecked) << raw;
    EXPECT_EQ(r.digits, digits);
  }
}

TEST(UncheckedNationalIdTest, AbsentAndInvalid) {
  EXPECT_EQ(ReadUncheckedNationalId("").check, NhsNumberCheck::kAbsent);
  EXPECT_EQ(ReadUncheckedNationalId(" \t ").check, NhsNumberCheck::kAbsent);
  for (absl::string_view raw :
       {"-", "12a4", "12.4", "123456789012345678901", "\xEF\xBC\x91"}) {
    const NhsNumberResult r = ReadUncheckedNationalId(raw);
    EXPECT_EQ(r.check, NhsNumberCheck::kInvalidFormat) << raw;
    EXPECT_TRUE(r.digits.empty());
  }
}

}  // namespace
}  // namespace equilink
