#include "common/pseudo/bloom_encoder.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace equilink {
namespace {

using ::testing::ElementsAre;

Bigram B(const char (&two)[3]) {
  return static_cast<Bigram>(static_cast<uint8_t>(two[0]) << 8 |
                             static_cast<uint8_t>(two[1]));
}

TEST(BloomEncoderTest, PaddedBigrams) {
  std::vector<Bigram> out;
  AppendPaddedBigrams("jon", &out);
  EXPECT_THAT(out, ElementsAre(B("_j"), B("jo"), B("on"), B("n_")));
  out.clear();
  AppendPaddedBigrams("", &out);
  EXPECT_TRUE(out.empty());
  AppendPaddedBigrams("a", &out);
  EXPECT_THAT(out, ElementsAre(B("_a"), B("a_")));
}

TEST(BloomEncoderTest, WordsArePaddedSeparately) {
  std::vector<Bigram> out;
  AppendPaddedBigramsOfWords("12 hi", &out);
  EXPECT_THAT(
      out, ElementsAre(B("_1"), B("12"), B("2_"), B("_h"), B("hi"), B("i_")));
}

TEST(BloomEncoderTest, SortAndDedupe) {
  std::vector<Bigram> out;
  AppendPaddedBigrams("anna", &out);  // _a an nn na a_
  AppendPaddedBigrams("an", &out);    // _a an n_
  SortAndDedupe(&out);
  EXPECT_THAT(
      out, ElementsAre(B("_a"), B("a_"), B("an"), B("n_"), B("na"), B("nn")));
}

TEST(BloomEncoderTest, DiceAndPopCount) {
  const std::string a("\x0f\x00", 2);
  const std::string b("\x03\x00", 2);
  EXPECT_EQ(PopCount(a), 4);
  EXPECT_DOUBLE_EQ(*DiceCoefficient(a, a), 1.0);
  EXPECT_DOUBLE_EQ(*DiceCoefficient(a, b), 2.0 * 2 / 6);
  EXPECT_DOUBLE_EQ(*DiceCoefficient(std::string(2, '\0'), std::string(2, '\0')),
                   0.0);
  EXPECT_EQ(DiceCoefficient("ab", "abc"), std::nullopt);
}

}  // namespace
}  // namespace equilink
