#include "server/framework/stats/seeded_normal.h"

#include <cmath>

#include "gtest/gtest.h"

namespace equilink::framework::stats {
namespace {

TEST(SeededNormalTest, UniformStreamIsPinned) {
  // The stream must never change under the framework's published
  // intervals. Expected: an independent Python transcription of SplitMix64
  // and xoshiro256++ 1.0, whose SplitMix64 reproduces the published test
  // vector (seed 1234567 -> 6457827717110365317, 3203168211198807973, ...).
  SeededNormal generator(0);
  EXPECT_DOUBLE_EQ(generator.NextUniform(), 0.3245752680314067);
  EXPECT_DOUBLE_EQ(generator.NextUniform(), 0.38223929651167343);
  EXPECT_DOUBLE_EQ(generator.NextUniform(), 0.3596172076473553);
}

TEST(SeededNormalTest, SameSeedSameSequenceOtherSeedOther) {
  SeededNormal a(42);
  SeededNormal b(42);
  SeededNormal c(43);
  int differ = 0;
  for (int i = 0; i < 1000; ++i) {
    const double x = a.Next();
    EXPECT_EQ(x, b.Next());
    if (x != c.Next()) ++differ;
  }
  EXPECT_EQ(differ, 1000);
}

TEST(SeededNormalTest, MomentsAndTailAreStandardNormal) {
  // One million draws: the sample mean has SD 0.001, the variance about
  // 0.0014, and P(Z > 1.959964) = 0.025 has SD 0.00016; tolerances are
  // about five of those SDs.
  SeededNormal generator(7);
  constexpr int kDraws = 1'000'000;
  double sum = 0;
  double squares = 0;
  int beyond = 0;
  for (int i = 0; i < kDraws; ++i) {
    const double z = generator.Next();
    sum += z;
    squares += z * z;
    if (z > 1.959963984540054) ++beyond;
  }
  const double mean = sum / kDraws;
  EXPECT_NEAR(mean, 0.0, 0.005);
  EXPECT_NEAR(squares / kDraws - mean * mean, 1.0, 0.007);
  EXPECT_NEAR(static_cast<double>(beyond) / kDraws, 0.025, 0.0008);
}

}  // namespace
}  // namespace equilink::framework::stats
