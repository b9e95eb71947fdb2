#include "server/linkage/evaluation/pairwise_metrics.h"

#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace equilink::linkage {
namespace {

using ::testing::DoubleEq;
using ::testing::ElementsAre;
using ::testing::FieldsAre;

TEST(PairwiseMetricsTest, CountsPairsByHand) {
  // Predicted pairs: (0,1) (0,2) (1,2). True pairs: (0,1) (2,3).
  const std::vector<uint32_t> predicted = {0, 0, 0, 3};
  const std::vector<uint32_t> truth = {5, 5, 6, 6};
  const PairwiseMetrics m = EvaluatePairwise(predicted, truth);
  EXPECT_EQ(m.true_positives, 1u);
  EXPECT_EQ(m.false_positives, 2u);
  EXPECT_EQ(m.false_negatives, 1u);
  EXPECT_DOUBLE_EQ(m.precision, 1.0 / 3);
  EXPECT_DOUBLE_EQ(m.recall, 0.5);
  EXPECT_DOUBLE_EQ(m.f1, 0.4);
}

TEST(PairwiseMetricsTest, PerfectAndEmptyCases) {
  const std::vector<uint32_t> labels = {1, 1, 2, 3, 3, 3};
  const PairwiseMetrics perfect = EvaluatePairwise(labels, labels);
  EXPECT_EQ(perfect.true_positives, 4u);
  EXPECT_EQ(perfect.f1, 1.0);

  const std::vector<uint32_t> singletons = {0, 1, 2, 3, 4, 5};
  const PairwiseMetrics nothing = EvaluatePairwise(singletons, labels);
  EXPECT_EQ(nothing.precision, 1.0);  // nothing claimed, nothing wrong
  EXPECT_EQ(nothing.recall, 0.0);
  EXPECT_EQ(nothing.f1, 0.0);

  const PairwiseMetrics none = EvaluatePairwise(singletons, singletons);
  EXPECT_EQ(none.f1, 1.0);
  EXPECT_EQ(EvaluatePairwise({}, {}).f1, 1.0);
}

TEST(PairwiseMetricsTest, CrossSourceCountsOnlyPairsAcrossSources) {
  // Rows 0, 1 from file A; rows 2, 3 from file B; all four put together.
  const std::vector<uint32_t> predicted = {0, 0, 0, 0};
  const std::vector<uint32_t> truth = {0, 1, 0, 1};
  const std::vector<uint32_t> sources = {0, 0, 1, 1};
  const PairwiseMetrics cross = EvaluatePairwise(predicted, truth, sources);
  EXPECT_EQ(cross.true_positives, 2u);   // (0,2) (1,3)
  EXPECT_EQ(cross.false_positives, 2u);  // (0,3) (1,2); not (0,1) or (2,3)
  EXPECT_EQ(cross.false_negatives, 0u);
  EXPECT_DOUBLE_EQ(cross.precision, 0.5);

  const PairwiseMetrics all = EvaluatePairwise(predicted, truth);
  EXPECT_EQ(all.false_positives, 4u);
}

TEST(PairwiseMetricsTest, AgreesWithCountingEveryPair) {
  std::mt19937 random(1);
  std::vector<uint32_t> predicted, truth, sources;
  for (int i = 0; i < 300; ++i) {
    truth.push_back(random() % 60);
    predicted.push_back(random() % 3 == 0 ? random() % 60 : truth.back());
    sources.push_back(random() % 3);
  }
  for (bool cross : {false, true}) {
    uint64_t tp = 0, fp = 0, fn = 0;
    for (size_t i = 0; i < truth.size(); ++i) {
      for (size_t j = i + 1; j < truth.size(); ++j) {
        if (cross && sources[i] == sources[j]) continue;
        const bool linked = predicted[i] == predicted[j];
        const bool same = truth[i] == truth[j];
        tp += linked && same;
        fp += linked && !same;
        fn += !linked && same;
      }
    }
    const PairwiseMetrics m =
        EvaluatePairwise(predicted, truth,
                         cross ? std::span<const uint32_t>(sources)
                               : std::span<const uint32_t>());
    EXPECT_EQ(m.true_positives, tp);
    EXPECT_EQ(m.false_positives, fp);
    EXPECT_EQ(m.false_negatives, fn);
  }
}

TEST(RecallByGroupTest, ByHand) {
  // True pairs: (0,1) (0,2) (1,2) (3,4) (3,5) (4,5); found: (0,1) (3,4).
  const std::vector<uint32_t> predicted = {0, 0, 2, 3, 3, 5};
  const std::vector<uint32_t> truth = {0, 0, 0, 3, 3, 3};
  const std::vector<uint32_t> groups = {1, 1, 2, 2, 1, 2};
  // Group 1 (rows 0, 1, 4) touches 5 true pairs and 2 found ones; group 2
  // (rows 2, 3, 5) touches 5 true pairs and 1 found one.
  EXPECT_THAT(RecallByGroup(predicted, truth, groups),
              ElementsAre(FieldsAre(1, 5, 2, DoubleEq(0.4)),
                          FieldsAre(2, 5, 1, DoubleEq(0.2))));
}

TEST(RecallByGroupTest, CrossSourceByHand) {
  // One person in two files: rows 0, 1 in file 0; row 2 in file 1. Only
  // (0,2) and (1,2) count; (0,2) is found.
  const std::vector<uint32_t> predicted = {0, 0, 0};
  const std::vector<uint32_t> truth = {9, 9, 9};
  const std::vector<uint32_t> predicted_split = {0, 1, 0};
  const std::vector<uint32_t> groups = {4, 5, 6};
  const std::vector<uint32_t> sources = {0, 0, 1};
  EXPECT_THAT(RecallByGroup(predicted_split, truth, groups, sources),
              ElementsAre(FieldsAre(4, 1, 1, DoubleEq(1.0)),
                          FieldsAre(5, 1, 0, DoubleEq(0.0)),
                          FieldsAre(6, 2, 1, DoubleEq(0.5))));
  EXPECT_THAT(RecallByGroup(predicted, truth, groups, sources),
              ElementsAre(FieldsAre(4, 1, 1, DoubleEq(1.0)),
                          FieldsAre(5, 1, 1, DoubleEq(1.0)),
                          FieldsAre(6, 2, 2, DoubleEq(1.0))));
}

TEST(MatchRateByGroupTest, ByHand) {
  // Rows 0 and 1 are the register (source 0), people 10 and 11.
  const std::vector<uint32_t> sources = {0, 0, 1, 1, 1, 1, 1};
  const std::vector<uint32_t> truth = {10, 11, 10, 11, 12, 10, 11};
  const std::vector<uint32_t> predicted = {0, 1, 0, 3, 4, 0, 1};
  const std::vector<uint32_t> groups = {0, 0, 1, 1, 2, 2, 2};
  // Group 1: row 2 linked to 10, row 3 not linked to 11.
  // Group 2: row 4 has no counterpart; rows 5 and 6 are linked.
  EXPECT_THAT(MatchRateByGroup(predicted, truth, sources, 0, groups),
              ElementsAre(FieldsAre(1, 2, 2, 1, DoubleEq(0.5)),
                          FieldsAre(2, 3, 2, 2, DoubleEq(1.0))));
}

}  // namespace
}  // namespace equilink::linkage
