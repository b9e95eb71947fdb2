#include "server/linkage/dice/dice_kernel.h"

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace equilink::linkage {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Every kernel this CPU can run, so each test covers all of them.
std::vector<DiceKernel> SupportedKernels() {
  std::vector<DiceKernel> kernels;
  for (DiceKernel kernel :
       {DiceKernel::kScalar, DiceKernel::kAvx2, DiceKernel::kAvx512}) {
    if (DiceKernelSupported(kernel)) kernels.push_back(kernel);
  }
  return kernels;
}

// Puts the best kernel back after a test forced another.
class DiceKernelTest : public ::testing::TestWithParam<DiceKernel> {
 protected:
  void SetUp() override {
    best_ = ActiveDiceKernel();
    ASSERT_TRUE(ForceDiceKernel(GetParam()));
  }
  void TearDown() override { ForceDiceKernel(best_); }

 private:
  DiceKernel best_ = DiceKernel::kScalar;
};

uint32_t ReferenceAndPopcount(const uint64_t* a, const uint64_t* b, int words) {
  uint32_t count = 0;
  for (int word = 0; word < words; ++word) {
    for (int bit = 0; bit < 64; ++bit) {
      count += ((a[word] & b[word]) >> bit) & 1;
    }
  }
  return count;
}

struct Encodings {
  int words;
  std::vector<uint64_t> bits;
  std::vector<uint16_t> pop;

  size_t size() const { return pop.size(); }
  const uint64_t* row(size_t r) const { return bits.data() + r * words; }
};

// Rows of mixed density (empty, sparse, half full, dense), some near copies
// of others so that many pairs sit close to any threshold.
Encodings RandomEncodings(size_t rows, int words, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Encodings set{.words = words, .bits = {}, .pop = {}};
  set.bits.resize(rows * words);
  for (size_t r = 0; r < rows; ++r) {
    const int density = static_cast<int>(rng() % 5);
    uint64_t* row = set.bits.data() + r * words;
    for (int k = 0; k < words; ++k) {
      switch (density) {
        case 0:
          row[k] = 0;
          break;
        case 1:
          row[k] = rng() & rng() & rng();
          break;
        case 2:
        case 3:
          row[k] = rng();
          break;
        default:
          row[k] = rng() | rng();
      }
    }
    if (r > 0 && rng() % 3 == 0) {
      const uint64_t* earlier = set.bits.data() + (rng() % r) * words;
      for (int k = 0; k < words; ++k) {
        row[k] = earlier[k] ^ (rng() & rng() & rng() & rng());
      }
    }
  }
  for (size_t r = 0; r < rows; ++r) {
    set.pop.push_back(static_cast<uint16_t>(
        ReferenceAndPopcount(set.row(r), set.row(r), words)));
  }
  return set;
}

std::vector<std::tuple<uint32_t, uint32_t, float>> Flatten(
    const std::vector<DiceMatch>& matches) {
  std::vector<std::tuple<uint32_t, uint32_t, float>> flat;
  for (const DiceMatch& match : matches) {
    flat.emplace_back(match.a, match.b, match.dice);
  }
  return flat;
}

std::vector<std::tuple<uint32_t, uint32_t, float>> BruteForce(
    const Encodings& a, const Encodings& b, double threshold) {
  std::vector<std::tuple<uint32_t, uint32_t, float>> flat;
  for (uint32_t i = 0; i < a.size(); ++i) {
    for (uint32_t j = 0; j < b.size(); ++j) {
      const double dice =
          DiceFromCounts(ReferenceAndPopcount(a.row(i), b.row(j), a.words),
                         a.pop[i], b.pop[j]);
      if (dice >= threshold) flat.emplace_back(i, j, static_cast<float>(dice));
    }
  }
  return flat;
}

std::vector<DiceMatch> AllPairs(const Encodings& a, const Encodings& b,
                                double threshold, int threads) {
  return AllPairsAboveThreshold(a.bits.data(), a.pop.data(), a.size(),
                                b.bits.data(), b.pop.data(), b.size(), a.words,
                                threshold, threads);
}

TEST(DiceKernelDispatchTest, ActiveKernelIsTheBestSupported) {
  const DiceKernel active = ActiveDiceKernel();
  EXPECT_TRUE(DiceKernelSupported(active));
  EXPECT_TRUE(DiceKernelSupported(DiceKernel::kScalar));
  if (DiceKernelSupported(DiceKernel::kAvx512)) {
    EXPECT_EQ(active, DiceKernel::kAvx512);
  } else if (DiceKernelSupported(DiceKernel::kAvx2)) {
    EXPECT_EQ(active, DiceKernel::kAvx2);
  }
  EXPECT_STREQ(DiceKernelName(DiceKernel::kAvx512), "avx512");
}

TEST(DiceFromCountsTest, IsTwiceTheIntersectionOverTheSum) {
  EXPECT_EQ(DiceFromCounts(0, 0, 0), 0.0);
  EXPECT_EQ(DiceFromCounts(0, 10, 0), 0.0);
  EXPECT_EQ(DiceFromCounts(5, 5, 5), 1.0);
  EXPECT_DOUBLE_EQ(DiceFromCounts(3, 4, 6), 0.6);
}

TEST_P(DiceKernelTest, AndPopcountMatchesReferenceForEveryWidth) {
  std::mt19937_64 rng(7);
  for (int words = 1; words <= 40; ++words) {
    // Offsets by one word so the kernels cannot rely on alignment.
    std::vector<uint64_t> a(words + 1), b(words + 1);
    for (int trial = 0; trial < 20; ++trial) {
      for (int k = 0; k <= words; ++k) {
        a[k] = rng() & rng();
        b[k] = trial == 0 ? ~uint64_t{0} : rng();
      }
      a[0] = b[0] = ~uint64_t{0};
      EXPECT_EQ(AndPopcount(a.data() + 1, b.data() + 1, words),
                ReferenceAndPopcount(a.data() + 1, b.data() + 1, words))
          << "words " << words;
    }
  }
}

TEST_P(DiceKernelTest, DiceManyMatchesDiceFromCounts) {
  for (int words : {4, 8, 16, 5}) {
    const Encodings column = RandomEncodings(50, words, 11);
    const uint64_t* query = column.row(3);
    const std::vector<uint32_t> rows = {0, 3, 49, 17, 17, 8, 2, 40, 31, 9};
    std::vector<float> dice(rows.size(), -1);
    DiceMany(query, column.pop[3], column.bits.data(), column.pop.data(),
             rows.data(), rows.size(), words, dice.data());
    for (size_t i = 0; i < rows.size(); ++i) {
      const float expected = static_cast<float>(DiceFromCounts(
          ReferenceAndPopcount(query, column.row(rows[i]), words),
          column.pop[3], column.pop[rows[i]]));
      EXPECT_EQ(dice[i], expected) << "words " << words << " row " << rows[i];
    }
  }
}

TEST_P(DiceKernelTest, AllPairsMatchesBruteForce) {
  // Sizes that leave partial groups and partial tiles; widths of the
  // engine's fields, one that no kernel specialises and one too wide for
  // the AVX2 kernel's byte counters.
  for (int words : {4, 8, 16, 7, 40}) {
    const Encodings a = RandomEncodings(37, words, 100 + words);
    const Encodings b = RandomEncodings(301, words, 200 + words);
    for (double threshold : {0.0, 0.5, 0.62, 0.8, 1.0}) {
      EXPECT_EQ(Flatten(AllPairs(a, b, threshold, 1)),
                BruteForce(a, b, threshold))
          << "words " << words << " threshold " << threshold;
    }
  }
}

TEST_P(DiceKernelTest, LopsidedHalvesAreDecidedExactly) {
  // The vector kernels drop a candidate after half its words when even the
  // smaller second half cannot lift it over the threshold. Rows with all
  // their bits in one half (and near copies of them) put pairs exactly at
  // that bound: nothing that passes may be dropped.
  for (int words : {8, 16}) {
    std::mt19937_64 rng(700 + words);
    Encodings a{.words = words, .bits = {}, .pop = {}};
    Encodings b{.words = words, .bits = {}, .pop = {}};
    for (Encodings* set : {&a, &b}) {
      const size_t rows = set == &a ? 23 : 205;
      set->bits.assign(rows * words, 0);
      for (size_t r = 0; r < rows; ++r) {
        uint64_t* row = set->bits.data() + r * words;
        const int shape = static_cast<int>(rng() % 4);
        for (int k = 0; k < words; ++k) {
          const bool first_half = k < words / 2;
          if (shape == 0 && first_half) row[k] = rng() | rng();
          if (shape == 1 && !first_half) row[k] = rng() | rng();
          if (shape >= 2) row[k] = rng();
        }
        if (set == &b && r < 2 * a.size()) {
          // A near copy of an A row, some bits moved between the halves.
          const uint64_t* source = a.row(r / 2);
          for (int k = 0; k < words; ++k) {
            row[k] = source[(k + (r % 2) * words / 2) % words] ^
                     (rng() & rng() & rng());
          }
        }
        set->pop.push_back(static_cast<uint16_t>(
            ReferenceAndPopcount(set->row(r), set->row(r), words)));
      }
    }
    for (double threshold : {0.3, 0.45, 0.5, 0.6, 0.75, 0.9}) {
      EXPECT_EQ(Flatten(AllPairs(a, b, threshold, 2)),
                BruteForce(a, b, threshold))
          << "words " << words << " threshold " << threshold;
    }
  }
}

TEST_P(DiceKernelTest, PairExactlyAtTheThresholdIsIncluded) {
  // |a| = 4, |b| = 6, |a & b| = 3: Dice 0.6 exactly, which is not a double.
  const std::vector<uint64_t> a = {0b1111, 0, 0, 0, 0, 0, 0, 0};
  const std::vector<uint64_t> b = {0b111000111, 0, 0, 0, 0, 0, 0, 0};
  const uint16_t a_pop[] = {4};
  const uint16_t b_pop[] = {6};
  EXPECT_THAT(Flatten(AllPairsAboveThreshold(a.data(), a_pop, 1, b.data(),
                                             b_pop, 1, 8, 0.6, 1)),
              ElementsAre(std::make_tuple(0u, 0u, 0.6f)));
  EXPECT_THAT(AllPairsAboveThreshold(a.data(), a_pop, 1, b.data(), b_pop, 1, 8,
                                     std::nextafter(0.6, 1.0), 1),
              IsEmpty());
}

TEST_P(DiceKernelTest, ThresholdBoundariesAcrossManyPairs) {
  // Every pair's exact Dice value used as the threshold: the pair must be
  // in, and out just above it.
  const Encodings a = RandomEncodings(9, 16, 5);
  const Encodings b = RandomEncodings(40, 16, 6);
  for (uint32_t i = 0; i < a.size(); ++i) {
    for (uint32_t j = 0; j < b.size(); j += 3) {
      const double dice = DiceFromCounts(
          ReferenceAndPopcount(a.row(i), b.row(j), 16), a.pop[i], b.pop[j]);
      EXPECT_EQ(Flatten(AllPairs(a, b, dice, 1)), BruteForce(a, b, dice));
      EXPECT_EQ(Flatten(AllPairs(a, b, std::nextafter(dice, 2.0), 1)),
                BruteForce(a, b, std::nextafter(dice, 2.0)));
    }
  }
}

TEST_P(DiceKernelTest, ThreadsGiveTheSameSortedResult) {
  const Encodings a = RandomEncodings(150, 16, 21);
  const Encodings b = RandomEncodings(1500, 16, 22);
  const std::vector<DiceMatch> one = AllPairs(a, b, 0.55, 1);
  ASSERT_FALSE(one.empty());
  for (size_t i = 1; i < one.size(); ++i) {
    ASSERT_TRUE(std::tie(one[i - 1].a, one[i - 1].b) <
                std::tie(one[i].a, one[i].b));
  }
  for (int threads : {2, 3, 8}) {
    EXPECT_EQ(Flatten(AllPairs(a, b, 0.55, threads)), Flatten(one))
        << threads << " threads";
  }
  // Few B rows and many queries: the work is split by query instead.
  EXPECT_EQ(Flatten(AllPairs(b, a, 0.55, 4)), BruteForce(b, a, 0.55));
}

TEST_P(DiceKernelTest, EmptyInputsAndImpossibleThresholds) {
  const Encodings a = RandomEncodings(10, 8, 31);
  const Encodings none{.words = 8, .bits = {}, .pop = {}};
  EXPECT_THAT(AllPairs(a, none, 0.5, 2), IsEmpty());
  EXPECT_THAT(AllPairs(none, a, 0.5, 2), IsEmpty());
  EXPECT_THAT(AllPairs(a, a, 1.5, 2), IsEmpty());
  EXPECT_THAT(AllPairs(a, a, std::nan(""), 2), IsEmpty());
  // At or below 0 every pair is in, even two empty sets (Dice 0).
  EXPECT_EQ(AllPairs(a, a, 0.0, 2).size(), a.size() * a.size());
  EXPECT_EQ(AllPairs(a, a, -1.0, 2).size(), a.size() * a.size());
  DiceMany(a.row(0), a.pop[0], a.bits.data(), a.pop.data(), nullptr, 0, 8,
           nullptr);
}

INSTANTIATE_TEST_SUITE_P(
    SupportedKernels, DiceKernelTest, ::testing::ValuesIn(SupportedKernels()),
    [](const ::testing::TestParamInfo<DiceKernel>& param_info) {
      return std::string(DiceKernelName(param_info.param));
    });

}  // namespace
}  // namespace equilink::linkage
