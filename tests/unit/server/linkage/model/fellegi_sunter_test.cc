#include "server/linkage/model/fellegi_sunter.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "server/linkage/model/pair_scorer.h"
#include "server/linkage/record_features.h"
#include "tests/testing/status_matchers.h"

namespace equilink::linkage {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::testing::HasSubstr;

// A known model to draw comparison vectors from: five comparisons with 2-5
// levels, the others disabled.
struct TrueModel {
  double lambda;
  std::vector<ComparisonId> ids;
  std::vector<std::vector<double>> m;
  std::vector<std::vector<double>> u;
  std::vector<double> null_rate;
};

TrueModel MakeTrueModel(double lambda) {
  return TrueModel{
      .lambda = lambda,
      .ids = {ComparisonId::kForename, ComparisonId::kSurname,
              ComparisonId::kDateOfBirth, ComparisonId::kSex,
              ComparisonId::kPostcode},
      .m = {{0.85, 0.07, 0.03, 0.01, 0.04},
            {0.9, 0.05, 0.02, 0.03},
            {0.92, 0.05, 0.03},
            {0.97, 0.03},
            {0.8, 0.1, 0.05, 0.05}},
      .u = {{0.01, 0.02, 0.04, 0.0005, 0.9295},
            {0.005, 0.01, 0.03, 0.955},
            {0.003, 0.02, 0.977},
            {0.5, 0.5},
            {0.02, 0.03, 0.05, 0.9}},
      .null_rate = {0.0, 0.05, 0.1, 0.02, 0.2},
  };
}

// Settings whose level counts match MakeTrueModel: forename 2 thresholds (5
// levels with swapped), surname 2 (4), date of birth 1 (3), postcode 2 (4).
v1::LinkageModelSettings SettingsForTrueModel() {
  v1::LinkageModelSettings settings;
  auto add = [&](v1::LinkageComparison id, std::vector<double> thresholds) {
    v1::LinkageComparisonSettings* c = settings.add_comparisons();
    c->set_comparison(id);
    for (double t : thresholds) c->add_dice_thresholds(t);
  };
  add(v1::LINKAGE_COMPARISON_FORENAME, {0.9, 0.7});
  add(v1::LINKAGE_COMPARISON_SURNAME, {0.9, 0.7});
  add(v1::LINKAGE_COMPARISON_DATE_OF_BIRTH, {0.7});
  add(v1::LINKAGE_COMPARISON_POSTCODE, {0.8, 0.6});
  for (v1::LinkageComparison off :
       {v1::LINKAGE_COMPARISON_NHS_NUMBER,
        v1::LINKAGE_COMPARISON_BIRTH_YEAR_MONTH, v1::LINKAGE_COMPARISON_ADDRESS,
        v1::LINKAGE_COMPARISON_LOCALITY, v1::LINKAGE_COMPARISON_LSOA,
        v1::LINKAGE_COMPARISON_RECORD_CLK}) {
    v1::LinkageComparisonSettings* c = settings.add_comparisons();
    c->set_comparison(off);
    c->set_enabled(false);
  }
  return settings;
}

int Draw(const std::vector<double>& p, std::mt19937_64& rng) {
  double r = std::uniform_real_distribution<double>(0, 1)(rng);
  for (size_t i = 0; i + 1 < p.size(); ++i) {
    if (r < p[i]) return static_cast<int>(i);
    r -= p[i];
  }
  return static_cast<int>(p.size()) - 1;
}

struct Sample {
  std::vector<ComparisonVector> vectors;
  std::vector<bool> is_match;
};

Sample Simulate(const TrueModel& truth, int pairs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0, 1);
  Sample sample;
  for (int i = 0; i < pairs; ++i) {
    const bool match = unit(rng) < truth.lambda;
    ComparisonVector v = ComparisonVector::Null();
    for (size_t c = 0; c < truth.ids.size(); ++c) {
      const int level = Draw(match ? truth.m[c] : truth.u[c], rng);
      if (unit(rng) >= truth.null_rate[c]) {
        v[truth.ids[c]] = static_cast<int8_t>(level);
      }
    }
    sample.vectors.push_back(v);
    sample.is_match.push_back(match);
  }
  return sample;
}

class EmRecoveryTest : public ::testing::TestWithParam<double> {};

TEST_P(EmRecoveryTest, RecoversKnownParameters) {
  const TrueModel truth = MakeTrueModel(GetParam());
  const Sample sample = Simulate(truth, 200'000, 7);
  absl::StatusOr<FellegiSunterModel> start =
      DefaultStartingModel(SettingsForTrueModel());
  ASSERT_THAT(start.status(), IsOk());
  absl::StatusOr<FellegiSunterModel> fitted =
      EstimateByEm(sample.vectors, *start, EmOptions());
  ASSERT_THAT(fitted.status(), IsOk());
  EXPECT_TRUE(fitted->em.converged);
  EXPECT_EQ(fitted->em.pairs_used, 200'000u);
  EXPECT_LT(fitted->em.distinct_patterns, 2000u);
  EXPECT_NEAR(fitted->lambda, truth.lambda, 0.1 * truth.lambda);
  for (size_t c = 0; c < truth.ids.size(); ++c) {
    const ComparisonParameters& p = fitted->comparison(truth.ids[c]);
    ASSERT_EQ(p.level_count(), static_cast<int>(truth.m[c].size()));
    for (int l = 0; l < p.level_count(); ++l) {
      EXPECT_NEAR(p.m[l], truth.m[c][l], 0.02)
          << ComparisonName(truth.ids[c]) << " level " << l;
      EXPECT_NEAR(p.u[l], truth.u[c][l], 0.02)
          << ComparisonName(truth.ids[c]) << " level " << l;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Lambdas, EmRecoveryTest,
                         ::testing::Values(0.01, 0.03, 0.1));

// Expected calibration error over 10 equal-width bins.
double ExpectedCalibrationError(const std::vector<double>& probability,
                                const std::vector<bool>& truth) {
  std::array<double, 10> sum_p = {};
  std::array<double, 10> sum_y = {};
  std::array<double, 10> n = {};
  for (size_t i = 0; i < probability.size(); ++i) {
    const int bin = std::min(9, static_cast<int>(probability[i] * 10));
    sum_p[bin] += probability[i];
    sum_y[bin] += truth[i] ? 1 : 0;
    n[bin] += 1;
  }
  double ece = 0;
  for (int b = 0; b < 10; ++b) {
    ece += std::abs(sum_p[b] - sum_y[b]) / probability.size();
  }
  return ece;
}

TEST(EmTest, PosteriorIsCalibrated) {
  const TrueModel truth = MakeTrueModel(0.05);
  const Sample fit_sample = Simulate(truth, 200'000, 11);
  absl::StatusOr<FellegiSunterModel> fitted =
      EstimateByEm(fit_sample.vectors,
                   *DefaultStartingModel(SettingsForTrueModel()), EmOptions());
  ASSERT_THAT(fitted.status(), IsOk());
  const FeatureTable empty;
  const PairScorer scorer(empty, *fitted, nullptr);
  // Fresh pairs from the same population, scored with the fitted model.
  const Sample test = Simulate(truth, 100'000, 12);
  std::vector<double> probability;
  int true_positive = 0, false_positive = 0, false_negative = 0;
  for (size_t i = 0; i < test.vectors.size(); ++i) {
    probability.push_back(scorer.ProbabilityFromLog2BayesFactor(
        scorer.Log2BayesFactor(test.vectors[i])));
    const bool linked = scorer.IsMatch(probability.back());
    true_positive += linked && test.is_match[i];
    false_positive += linked && !test.is_match[i];
    false_negative += !linked && test.is_match[i];
  }
  EXPECT_LE(ExpectedCalibrationError(probability, test.is_match), 0.01);
  // Overall calibration: the expected number of matches is the number.
  double expected = 0;
  for (double p : probability) expected += p;
  const double actual =
      std::count(test.is_match.begin(), test.is_match.end(), true);
  EXPECT_NEAR(expected / actual, 1.0, 0.05);
  EXPECT_GT(2.0 * true_positive /
                (2.0 * true_positive + false_positive + false_negative),
            0.9);
}

TEST(EmTest, FixedParametersStayFixed) {
  const TrueModel truth = MakeTrueModel(0.05);
  const Sample sample = Simulate(truth, 50'000, 3);
  v1::LinkageModelSettings settings = SettingsForTrueModel();
  // Deliberately not the truth, so EM would move them if it could.
  settings.mutable_comparisons(1)->add_fixed_m(0.7);
  settings.mutable_comparisons(1)->add_fixed_m(0.1);
  settings.mutable_comparisons(1)->add_fixed_m(0.1);
  settings.mutable_comparisons(1)->add_fixed_m(0.1);
  for (double u : {0.25, 0.25, 0.25, 0.25}) {
    settings.mutable_comparisons(1)->add_fixed_u(u);
  }
  settings.set_fixed_lambda(0.2);
  absl::StatusOr<FellegiSunterModel> start = DefaultStartingModel(settings);
  ASSERT_THAT(start.status(), IsOk());
  absl::StatusOr<FellegiSunterModel> fitted =
      EstimateByEm(sample.vectors, *start, EmOptions());
  ASSERT_THAT(fitted.status(), IsOk());
  const ComparisonParameters& surname =
      fitted->comparison(ComparisonId::kSurname);
  EXPECT_TRUE(surname.m_fixed);
  EXPECT_TRUE(surname.u_fixed);
  EXPECT_EQ(surname.m, (std::vector<double>{0.7, 0.1, 0.1, 0.1}));
  EXPECT_EQ(surname.u, (std::vector<double>{0.25, 0.25, 0.25, 0.25}));
  EXPECT_EQ(fitted->lambda, 0.2);
  // The others are still estimated.
  EXPECT_NE(fitted->comparison(ComparisonId::kForename).m,
            start->comparison(ComparisonId::kForename).m);
}

TEST(EmTest, DeterministicWhateverThePairOrder) {
  const Sample sample = Simulate(MakeTrueModel(0.05), 20'000, 5);
  std::vector<ComparisonVector> shuffled = sample.vectors;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937_64(9));
  const FellegiSunterModel start =
      *DefaultStartingModel(SettingsForTrueModel());
  absl::StatusOr<FellegiSunterModel> a =
      EstimateByEm(sample.vectors, start, EmOptions());
  absl::StatusOr<FellegiSunterModel> b =
      EstimateByEm(shuffled, start, EmOptions());
  ASSERT_THAT(a.status(), IsOk());
  ASSERT_THAT(b.status(), IsOk());
  EXPECT_EQ(ModelToProto(*a).SerializeAsString(),
            ModelToProto(*b).SerializeAsString());
}

TEST(EmTest, PatternsAggregateAndMerge) {
  ComparisonPatterns first;
  ComparisonPatterns second;
  ComparisonVector v = ComparisonVector::Null();
  v[ComparisonId::kSurname] = 2;
  first.Add(v);
  first.Add(v, 4);
  v[ComparisonId::kRecordClk] = 6;
  second.Add(v);
  first.Merge(second);
  EXPECT_EQ(first.pair_count(), 6u);
  EXPECT_EQ(first.distinct(), 2u);
  const auto sorted = first.Sorted();
  ASSERT_EQ(sorted.size(), 2u);
  uint64_t total = 0;
  for (const auto& [vector, count] : sorted) {
    EXPECT_EQ(vector[ComparisonId::kSurname], 2);
    EXPECT_EQ(vector[ComparisonId::kNhsNumber], kNullLevel);
    total += count;
  }
  EXPECT_EQ(total, 6u);
}

TEST(EmTest, RefusesBadInput) {
  const FellegiSunterModel start = DefaultStartingModel();
  EXPECT_THAT(EstimateByEm(std::vector<ComparisonVector>{}, start, EmOptions())
                  .status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ComparisonVector v = ComparisonVector::Null();
  v[ComparisonId::kSex] = 5;  // sex has two levels
  EXPECT_THAT(EstimateByEm(std::vector<ComparisonVector>{v}, start, EmOptions())
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sex")));
}

TEST(EmTest, NullComparisonsCarryNoWeight) {
  const FellegiSunterModel model = DefaultStartingModel();
  const FeatureTable empty;
  const PairScorer scorer(empty, model, nullptr);
  ComparisonVector v = ComparisonVector::Null();
  EXPECT_EQ(scorer.Log2BayesFactor(v), 0);
  EXPECT_NEAR(scorer.ProbabilityFromLog2BayesFactor(0), model.lambda, 1e-12);
  v[ComparisonId::kSex] = binary_level::kAgree;
  EXPECT_NEAR(scorer.Log2BayesFactor(v),
              model.comparison(ComparisonId::kSex).MatchWeight(0), 1e-12);
}

TEST(ModelProtoTest, RoundTrip) {
  const Sample sample = Simulate(MakeTrueModel(0.05), 20'000, 5);
  v1::LinkageModelSettings settings = SettingsForTrueModel();
  settings.set_match_threshold(0.8);
  absl::StatusOr<FellegiSunterModel> fitted = EstimateByEm(
      sample.vectors, *DefaultStartingModel(settings), EmOptions());
  ASSERT_THAT(fitted.status(), IsOk());
  const v1::LinkageModel proto = ModelToProto(*fitted);
  ASSERT_EQ(proto.comparisons_size(), kComparisonCount);
  EXPECT_EQ(proto.comparisons(1).levels(0).label(), "exact");
  EXPECT_EQ(proto.comparisons(1).levels(3).label(), "names swapped");
  absl::StatusOr<FellegiSunterModel> back = ModelFromProto(proto);
  ASSERT_THAT(back.status(), IsOk());
  EXPECT_EQ(ModelToProto(*back).SerializeAsString(), proto.SerializeAsString());
  EXPECT_EQ(back->match_threshold, 0.8);
  EXPECT_EQ(back->em.iterations, fitted->em.iterations);
  for (int c = 0; c < kComparisonCount; ++c) {
    EXPECT_EQ(back->comparisons[c].m, fitted->comparisons[c].m);
    EXPECT_EQ(back->comparisons[c].u, fitted->comparisons[c].u);
    EXPECT_EQ(back->comparisons[c].enabled, fitted->comparisons[c].enabled);
  }

  v1::LinkageModel broken = proto;
  broken.mutable_comparisons(2)->mutable_levels(0)->set_m_probability(0.9999);
  EXPECT_THAT(ModelFromProto(broken).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("surname m does not sum to 1")));
  broken = proto;
  broken.mutable_comparisons()->RemoveLast();
  EXPECT_THAT(ModelFromProto(broken).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("lacks record_clk")));
}

TEST(OneToOnePriorTest, PerRecordOddsFromBothSides) {
  // Two files of 5,000, 4,999 pairs found: from either side a record has a
  // partner with probability 5,000/5,002, so one pair's odds are
  // 5,000 / (2 * 5,000).
  EXPECT_NEAR(OneToOnePriorLog2Odds(5000, 5000, 4999), std::log2(0.5), 1e-9);
  // Half of B kept: every B record has a partner, but half of A's have none,
  // and A's side decides: 2,501 / (2,501 * 2,500).
  EXPECT_NEAR(OneToOnePriorLog2Odds(5000, 2500, 2500), std::log2(1.0 / 2500),
              1e-9);
  // No matches: about one pair in all, as lambda would say.
  EXPECT_NEAR(OneToOnePriorLog2Odds(100, 100, 0), std::log2(1.0 / 10100), 1e-9);
  // An estimate above what the files can hold is capped.
  EXPECT_EQ(OneToOnePriorLog2Odds(10, 20, 50),
            OneToOnePriorLog2Odds(10, 20, 10));
}

TEST(ModelProtoTest, SourcePairPriorsRoundTripAndAreChecked) {
  FellegiSunterModel model = DefaultStartingModel();
  model.source_pair_priors.push_back({.source_a = "febrl4a",
                                      .source_b = "febrl4b",
                                      .records_a = 5000,
                                      .records_b = 5000,
                                      .matches = 4971.7,
                                      .log2_prior_odds = -4.88});
  const v1::LinkageModel proto = ModelToProto(model);
  ASSERT_EQ(proto.source_pair_priors_size(), 1);
  absl::StatusOr<FellegiSunterModel> back = ModelFromProto(proto);
  ASSERT_THAT(back.status(), IsOk());
  ASSERT_EQ(back->source_pair_priors.size(), 1u);
  EXPECT_EQ(back->source_pair_priors[0].source_b, "febrl4b");
  EXPECT_EQ(back->source_pair_priors[0].matches, 4971.7);
  EXPECT_EQ(back->source_pair_priors[0].log2_prior_odds, -4.88);

  v1::LinkageModel broken = proto;
  broken.mutable_source_pair_priors(0)->set_source_b("febrl4a");
  EXPECT_THAT(ModelFromProto(broken).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("sources must differ")));
  broken = proto;
  *broken.add_source_pair_priors() = proto.source_pair_priors(0);
  EXPECT_THAT(ModelFromProto(broken).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("out of order or repeated")));
  broken = proto;
  broken.mutable_source_pair_priors(0)->set_log2_prior_odds(0.5);
  EXPECT_THAT(ModelFromProto(broken).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("log2 prior odds")));
}

TEST(EmTest, RefusesAFlipHiddenByUnobservedComparisons) {
  // Only sex is observed, and the sample is 90% disagreeing pairs: started
  // with the "match" class on the agreeing side at a fixed lambda of 0.9,
  // EM ends with matches that disagree. The comparisons the sample never
  // holds keep their (agreeing) starting values; they must not outvote it.
  FellegiSunterModel start = DefaultStartingModel();
  start.lambda = 0.5;
  start.lambda_fixed = true;
  ComparisonParameters& sex = start.comparison(ComparisonId::kSex);
  sex.u = {0.9, 0.1};
  sex.u_fixed = true;
  std::vector<ComparisonVector> sample;
  for (int i = 0; i < 1000; ++i) {
    ComparisonVector v = ComparisonVector::Null();
    v[ComparisonId::kSex] =
        i % 10 == 0 ? binary_level::kAgree : binary_level::kDisagree;
    sample.push_back(v);
  }
  EXPECT_THAT(EstimateByEm(sample, start, EmOptions()).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("matches agree less")));
}

TEST(ModelSettingsTest, ReadsTextFormat) {
  v1::LinkageModelSettings settings;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        comparisons {
          comparison: LINKAGE_COMPARISON_NHS_NUMBER
          fixed_m: [ 0.98, 0.00001, 0.01999 ]
        }
        comparisons {
          comparison: LINKAGE_COMPARISON_RECORD_CLK
          dice_thresholds: [ 0.95, 0.9, 0.8 ]
        }
        comparisons { comparison: LINKAGE_COMPARISON_LOCALITY enabled: false }
        em { max_iterations: 50 tolerance: 1e-5 max_pairs: 1000 }
        term_frequency_adjustment: false
        probability_floor: 1e-7
        match_threshold: 0.9
      )pb",
      &settings));
  absl::StatusOr<FellegiSunterModel> model = DefaultStartingModel(settings);
  ASSERT_THAT(model.status(), IsOk());
  EXPECT_TRUE(model->comparison(ComparisonId::kNhsNumber).m_fixed);
  EXPECT_FALSE(model->comparison(ComparisonId::kNhsNumber).u_fixed);
  EXPECT_EQ(model->comparison(ComparisonId::kRecordClk).level_count(), 5);
  EXPECT_FALSE(model->comparison(ComparisonId::kLocality).enabled);
  EXPECT_FALSE(
      model->comparison(ComparisonId::kSurname).term_frequency_adjusted);
  EXPECT_EQ(model->probability_floor, 1e-7);
  EXPECT_EQ(model->match_threshold, 0.9);
  const EmOptions options = EmOptionsFromSettings(settings);
  EXPECT_EQ(options.max_iterations, 50);
  EXPECT_EQ(options.tolerance, 1e-5);
  EXPECT_EQ(options.max_pairs, 1000u);
}

TEST(ModelSettingsTest, RefusesBadSettings) {
  auto parse = [](const char* text) {
    v1::LinkageModelSettings settings;
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &settings));
    return ValidateModelSettings(settings);
  };
  EXPECT_THAT(
      parse(R"pb(comparisons {
                   comparison: LINKAGE_COMPARISON_SURNAME
                   dice_thresholds: [ 0.7, 0.8 ]
                 })pb"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("descending")));
  EXPECT_THAT(parse(R"pb(comparisons {
                           comparison: LINKAGE_COMPARISON_SEX
                           dice_thresholds: [ 0.7 ]
                         })pb"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(parse(R"pb(comparisons {
                           comparison: LINKAGE_COMPARISON_SEX
                           fixed_u: [ 0.5, 0.6 ]
                         })pb"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("sex u does not sum to 1")));
  EXPECT_THAT(
      parse(R"pb(comparisons {
                   comparison: LINKAGE_COMPARISON_RECORD_CLK
                   dice_thresholds: [ 0.99, 0.95, 0.9, 0.85, 0.8, 0.7, 0.6 ]
                 })pb"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most 8")));
  EXPECT_THAT(parse(R"pb(comparisons {
                           comparison: LINKAGE_COMPARISON_SEX
                           term_frequency_adjusted: true
                         })pb"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(parse("match_threshold: 1.5"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(parse(""), IsOk());
}

}  // namespace
}  // namespace equilink::linkage
