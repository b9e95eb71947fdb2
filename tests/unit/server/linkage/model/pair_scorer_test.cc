#include "server/linkage/model/pair_scorer.h"

#include <cmath>
#include <memory>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/linkage/model/fellegi_sunter.h"
#include "server/linkage/model/term_frequencies.h"
#include "server/linkage/record_features.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/server/linkage/model/synthetic_people.h"

namespace equilink::linkage {
namespace {

using ::equilink::linkage::testing::SyntheticPerson;
using ::equilink::linkage::testing::SyntheticPopulation;
using ::equilink::linkage::testing::SyntheticRecord;
using ::equilink::testing::IsOk;

// One synthetic population, its FeatureTable, term frequencies and a model
// fitted by EM over all its pairs, shared by the tests (building it is the
// slow part).
struct Fitted {
  FeatureTable table;
  std::vector<int> person;  // per row
  std::unique_ptr<TermFrequencies> frequencies;
  FellegiSunterModel model;
  std::unique_ptr<SyntheticPopulation> population;
};

Row AddRecord(Fitted* f, const v1::PseudonymisedRecord& record, int person) {
  absl::StatusOr<Row> row =
      f->table.Add(record, static_cast<int64_t>(f->table.size()), "test");
  EQ_CHECK(row.ok());
  f->person.push_back(person);
  return *row;
}

const Fitted& Population() {
  static const Fitted* fitted = [] {
    auto* f = new Fitted;
    f->population = std::make_unique<SyntheticPopulation>(42);
    for (const SyntheticRecord& r : f->population->Records(600)) {
      AddRecord(f, r.record, r.person);
    }
    f->frequencies =
        std::make_unique<TermFrequencies>(TermFrequencies::Build(f->table));
    const FellegiSunterModel start = DefaultStartingModel();
    const PairScorer comparer(f->table, start, nullptr);
    ComparisonPatterns patterns;
    for (Row a = 0; a < f->table.size(); ++a) {
      for (Row b = a + 1; b < f->table.size(); ++b) {
        patterns.Add(comparer.Compare(a, b));
      }
    }
    absl::StatusOr<FellegiSunterModel> model =
        EstimateByEm(patterns, start, EmOptions());
    EQ_CHECK(model.ok());
    f->model = *std::move(model);
    return f;
  }();
  return *fitted;
}

TEST(PairScorerTest, FittedModelLinksThePopulation) {
  const Fitted& f = Population();
  EXPECT_TRUE(f.model.em.converged);
  const PairScorer scorer(f.table, f.model, f.frequencies.get());
  int true_positive = 0, false_positive = 0, false_negative = 0;
  std::array<double, 10> sum_p = {};
  std::array<double, 10> sum_y = {};
  double pairs = 0;
  for (Row a = 0; a < f.table.size(); ++a) {
    for (Row b = a + 1; b < f.table.size(); ++b) {
      const double p = scorer.MatchProbability(a, b);
      const bool match = f.person[a] == f.person[b];
      const bool linked = scorer.IsMatch(p);
      true_positive += linked && match;
      false_positive += linked && !match;
      false_negative += !linked && match;
      const int bin = std::min(9, static_cast<int>(p * 10));
      sum_p[bin] += p;
      sum_y[bin] += match;
      pairs += 1;
    }
  }
  const double f1 = 2.0 * true_positive /
                    (2.0 * true_positive + false_positive + false_negative);
  double ece = 0;
  for (int b = 0; b < 10; ++b) ece += std::abs(sum_p[b] - sum_y[b]) / pairs;
  // Calibration among the pairs that matter (probability >= 0.1; the
  // overall ECE is dominated by the certain non-matches): the expected number
  // of matches, the sum of probabilities, is the actual number.
  double matches = 0, expected_matches = 0;
  for (int b = 1; b < 10; ++b) {
    matches += sum_y[b];
    expected_matches += sum_p[b];
  }
  RecordProperty("f1", std::to_string(f1));
  RecordProperty("ece", std::to_string(ece));
  EXPECT_GE(f1, 0.99) << "tp " << true_positive << " fp " << false_positive
                      << " fn " << false_negative;
  EXPECT_LE(ece, 0.01);
  EXPECT_NEAR(expected_matches / matches, 1.0, 0.1);
}

class HandBuiltTest : public ::testing::Test {
 protected:
  HandBuiltTest()
      : population_(7), scorer_(table_, Population().model, &frequencies_) {
    base_ = SyntheticPerson{
        .forename = "isabella",
        .surname = "fitzgerald",
        .date_of_birth = absl::CivilDay(2012, 6, 14),
        .sex = "2",
        .postcode = "B15 2TT",
        .address = "12 church lane",
        .lsoa = "E01009123",
    };
  }

  Row Add(const SyntheticPerson& p, const std::string& nhs = "",
          bool full_dob = true) {
    absl::StatusOr<Row> row =
        table_.Add(population_.Encode(p, nhs, full_dob),
                   static_cast<int64_t>(table_.size()), "test");
    EQ_CHECK(row.ok());
    frequencies_.Add(table_, *row);
    return *row;
  }

  double P(Row a, Row b) const { return scorer_.MatchProbability(a, b); }

  SyntheticPopulation population_;
  FeatureTable table_;
  TermFrequencies frequencies_;
  const PairScorer scorer_;
  SyntheticPerson base_;
};

TEST_F(HandBuiltTest, IdenticalRecordsLink) {
  const Row a = Add(base_);
  const Row b = Add(base_);
  const ComparisonVector v = scorer_.Compare(a, b);
  for (ComparisonId id : {ComparisonId::kForename, ComparisonId::kSurname,
                          ComparisonId::kDateOfBirth, ComparisonId::kAddress}) {
    EXPECT_EQ(v[id], kExactLevel) << ComparisonName(id);
  }
  EXPECT_EQ(v[ComparisonId::kSex], binary_level::kAgree);
  // Implied by stronger evidence, so not counted again.
  EXPECT_EQ(v[ComparisonId::kBirthYearMonth], kNullLevel);
  EXPECT_EQ(v[ComparisonId::kPostcode], kNullLevel);
  EXPECT_EQ(v[ComparisonId::kLocality], kNullLevel);
  EXPECT_EQ(v[ComparisonId::kLsoa], kNullLevel);
  EXPECT_EQ(v[ComparisonId::kRecordClk], kNullLevel);
  EXPECT_EQ(v[ComparisonId::kNhsNumber], kNullLevel);
  EXPECT_GT(P(a, b), 0.999);
  const PairScore score = scorer_.Score(a, b);
  EXPECT_EQ(score.vector, v);
  EXPECT_DOUBLE_EQ(score.log2_bayes_factor, scorer_.Log2BayesFactor(a, b));
  EXPECT_DOUBLE_EQ(score.probability, P(a, b));
  EXPECT_DOUBLE_EQ(P(a, b), P(b, a));
}

TEST_F(HandBuiltTest, UnrelatedRecordsDoNotLink) {
  const Row a = Add(base_);
  SyntheticPerson other = {
      .forename = "kwame",
      .surname = "okonkwo",
      .date_of_birth = absl::CivilDay(2008, 1, 30),
      .sex = "1",
      .postcode = "M4 7HX",
      .address = "3 station road",
      .lsoa = "E01005555",
  };
  const Row b = Add(other);
  EXPECT_LT(P(a, b), 1e-6);
  EXPECT_FALSE(scorer_.IsMatch(P(a, b)));
}

TEST_F(HandBuiltTest, OneTypoInSurnameStillLinks) {
  const Row a = Add(base_);
  SyntheticPerson typo = base_;
  typo.surname = "fitzgerlad";
  const Row b = Add(typo);
  const ComparisonVector v = scorer_.Compare(a, b);
  EXPECT_GT(v[ComparisonId::kSurname], kExactLevel);
  EXPECT_LT(
      v[ComparisonId::kSurname],
      Population().model.comparison(ComparisonId::kSurname).level_count() -
          1);  // a fuzzy level, not "else"
  EXPECT_TRUE(scorer_.IsMatch(P(a, b)));
  EXPECT_GT(P(a, b), 0.99);
}

TEST_F(HandBuiltTest, SwappedNamesStillLink) {
  const Row a = Add(base_);
  SyntheticPerson swapped = base_;
  std::swap(swapped.forename, swapped.surname);
  const Row b = Add(swapped);
  const ComparisonVector v = scorer_.Compare(a, b);
  const ComparisonParameters& forename =
      Population().model.comparison(ComparisonId::kForename);
  EXPECT_EQ(
      v[ComparisonId::kForename],
      SwappedNamesLevel(ComparisonId::kForename,
                        static_cast<int>(forename.dice_thresholds.size())));
  EXPECT_EQ(v[ComparisonId::kSurname], kNullLevel);  // counted once
  EXPECT_TRUE(scorer_.IsMatch(P(a, b)));
}

// A twin shares surname, date of birth, sex and address. Under conditional
// independence that agreement outweighs one different forename: the model
// sees a child whose forename was recorded differently, and the synthetic
// population it was fitted on has no two people sharing an address, so it
// has never seen that happen to two people. What separates twins is other
// evidence: two different Modulus 11-checked NHS numbers (the strongest
// disagreement the model has, and a cannot-link in clustering), or a
// different sex.
TEST_F(HandBuiltTest, TwinsAreSeparatedByNhsNumberOrSex) {
  SyntheticPerson twin = base_;
  twin.forename = "oliver";
  const Row a = Add(base_);
  const Row b = Add(twin);
  EXPECT_EQ(
      scorer_.Compare(a, b)[ComparisonId::kForename],
      Population().model.comparison(ComparisonId::kForename).level_count() - 1);
  const double without_nhs = scorer_.Log2BayesFactor(a, b);
  EXPECT_LT(without_nhs, scorer_.Log2BayesFactor(a, Add(base_)));

  const Row c = Add(base_, "943 476 5919");
  const Row d = Add(twin, "401 023 2137");
  EXPECT_EQ(scorer_.Compare(c, d)[ComparisonId::kNhsNumber],
            nhs_level::kDisagreeChecked);
  EXPECT_LE(scorer_.Log2BayesFactor(c, d), without_nhs - 12);

  twin.sex = "1";
  const Row e = Add(twin);
  EXPECT_LT(scorer_.Log2BayesFactor(a, e), without_nhs - 3);

  // The same child with their NHS number twice: more certain than without.
  const Row f = Add(base_, "9434765919");
  EXPECT_EQ(scorer_.Compare(c, f)[ComparisonId::kNhsNumber], nhs_level::kAgree);
  EXPECT_GT(scorer_.Log2BayesFactor(c, f),
            scorer_.Log2BayesFactor(a, Add(base_)) + 10);
}

TEST_F(HandBuiltTest, RareSurnameAgreementWeighsMoreThanCommon) {
  // Fill the frequency table: "smith" common, "featherstonehaugh" once.
  SyntheticPerson filler = base_;
  for (int i = 0; i < 30; ++i) {
    filler.surname =
        i < 20 ? "smith" : absl::StrCat("name", std::string(1, 'a' + i));
    filler.forename = absl::StrCat("f", std::string(1, 'a' + i));
    Add(filler);
  }
  SyntheticPerson common = base_;
  common.surname = "smith";
  SyntheticPerson rare = base_;
  rare.surname = "featherstonehaugh";
  const Row c1 = Add(common);
  const Row c2 = Add(common);
  const Row r1 = Add(rare);
  const Row r2 = Add(rare);
  const ComparisonVector vc = scorer_.Compare(c1, c2);
  const ComparisonVector vr = scorer_.Compare(r1, r2);
  ASSERT_EQ(vc, vr);  // same levels: only the value's frequency differs
  EXPECT_LT(scorer_.TermFrequencyAdjustment(c1, c2, vc), 0);
  EXPECT_GT(scorer_.TermFrequencyAdjustment(r1, r2, vr), 0);
  EXPECT_GT(scorer_.Log2BayesFactor(r1, r2), scorer_.Log2BayesFactor(c1, c2));
  // Without frequencies the two are scored alike.
  const PairScorer plain(table_, Population().model, nullptr);
  EXPECT_DOUBLE_EQ(plain.Log2BayesFactor(r1, r2),
                   plain.Log2BayesFactor(c1, c2));
}

TEST_F(HandBuiltTest, MissingFieldsAreNullAndFallBack) {
  const Row a = Add(base_);
  SyntheticPerson no_postcode = base_;
  no_postcode.postcode.clear();
  const Row b = Add(no_postcode);
  const Row c = Add(base_, "", /*full_dob=*/false);
  ComparisonVector v = scorer_.Compare(a, b);
  EXPECT_EQ(v[ComparisonId::kPostcode], kNullLevel);
  // No LSOA either: the synthetic client derives it from the postcode.
  EXPECT_EQ(v[ComparisonId::kLsoa], kNullLevel);
  v = scorer_.Compare(a, c);
  EXPECT_EQ(v[ComparisonId::kDateOfBirth], kNullLevel);
  EXPECT_EQ(v[ComparisonId::kBirthYearMonth], year_month_level::kExact);
  EXPECT_TRUE(scorer_.IsMatch(P(a, c)));

  // LSOA stands in for a postcode missing on one side only when both have it.
  SyntheticPerson no_street = no_postcode;
  no_street.address.clear();
  v1::PseudonymisedRecord lsoa_only = population_.Encode(no_street);
  lsoa_only.set_lsoa_code(base_.lsoa);
  absl::StatusOr<Row> d = table_.Add(lsoa_only, 99, "test");
  ASSERT_THAT(d.status(), IsOk());
  EXPECT_EQ(scorer_.Compare(a, *d)[ComparisonId::kLsoa], binary_level::kAgree);
}

// Siblings share every location field: scored as independent evidence those
// would outweigh a different forename and date of birth.
TEST_F(HandBuiltTest, LocationIsOneComparisonSoSiblingsDoNotLink) {
  const Row a = Add(base_);
  SyntheticPerson sibling = base_;
  sibling.forename = "oliver";
  sibling.date_of_birth = base_.date_of_birth - 1130;  // three years older
  const Row b = Add(sibling);
  const ComparisonVector v = scorer_.Compare(a, b);
  EXPECT_EQ(v[ComparisonId::kAddress], kExactLevel);
  EXPECT_EQ(v[ComparisonId::kPostcode], kNullLevel);
  EXPECT_EQ(v[ComparisonId::kLocality], kNullLevel);
  EXPECT_EQ(v[ComparisonId::kLsoa], kNullLevel);
  EXPECT_FALSE(scorer_.IsMatch(P(a, b)));

  // Without addresses the postcode is the location; without that, the LSOA.
  SyntheticPerson no_address = base_;
  no_address.address.clear();
  const Row c = Add(no_address);
  ComparisonVector w = scorer_.Compare(a, c);
  EXPECT_EQ(w[ComparisonId::kAddress], kNullLevel);
  EXPECT_EQ(w[ComparisonId::kPostcode], kExactLevel);
  EXPECT_EQ(w[ComparisonId::kLsoa], kNullLevel);
}

TEST_F(HandBuiltTest, RecordClkIsTheEvidenceWhenNoFieldsCompare) {
  // Records that carry only a record-level CLK (a clkhash encoder's output).
  std::mt19937_64 rng(3);
  std::string bits(128, '\0');
  for (char& byte : bits) byte = static_cast<char>(rng() & rng() & 0xff);
  auto clk_record = [&](const std::string& clk) {
    v1::PseudonymisedRecord r;
    r.set_record_pseudonym(std::string(32, static_cast<char>(table_.size())));
    r.set_nhs_number_status(v1::NHS_NUMBER_ABSENT);
    v1::BloomEncoding* e = r.add_bloom();
    e->set_field(v1::BLOOM_RECORD_CLK);
    e->set_bits(clk);
    absl::StatusOr<Row> row =
        table_.Add(r, static_cast<int64_t>(table_.size()), "clk");
    EQ_CHECK(row.ok());
    return *row;
  };
  const Row a = clk_record(bits);
  const Row b = clk_record(bits);
  std::string near = bits;
  for (int i = 0; i < 8; ++i)
    near[i * 13] = static_cast<char>(near[i * 13] ^ 1);
  const Row c = clk_record(near);
  std::string other(128, '\0');
  for (char& byte : other) byte = static_cast<char>(rng() & rng() & 0xff);
  const Row d = clk_record(other);
  EXPECT_EQ(scorer_.Compare(a, b)[ComparisonId::kRecordClk], kExactLevel);
  const int near_level = scorer_.Compare(a, c)[ComparisonId::kRecordClk];
  EXPECT_GT(near_level, kExactLevel);
  const int else_level =
      Population().model.comparison(ComparisonId::kRecordClk).level_count() - 1;
  EXPECT_LT(near_level, else_level);
  EXPECT_EQ(scorer_.Compare(a, d)[ComparisonId::kRecordClk], else_level);
  // Records with field encodings do not also compare their CLKs: the CLK
  // hashes the same fields again.
  v1::PseudonymisedRecord both = population_.Encode(base_);
  v1::BloomEncoding* clk = both.add_bloom();
  clk->set_field(v1::BLOOM_RECORD_CLK);
  clk->set_bits(bits);
  absl::StatusOr<Row> e = table_.Add(both, 100, "clk");
  absl::StatusOr<Row> f = table_.Add(both, 101, "clk");
  ASSERT_THAT(e.status(), IsOk());
  ASSERT_THAT(f.status(), IsOk());
  EXPECT_EQ(scorer_.Compare(*e, *f)[ComparisonId::kRecordClk], kNullLevel);
  EXPECT_EQ(scorer_.Compare(*e, *f)[ComparisonId::kForename], kExactLevel);
  // Against a CLK-only record, only the CLKs compare.
  EXPECT_EQ(scorer_.Compare(a, *e)[ComparisonId::kRecordClk], kExactLevel);
}

TEST(TermFrequenciesTest, CountsAndAdjustments) {
  SyntheticPopulation population(5);
  FeatureTable table;
  SyntheticPerson p = population.NewPerson();
  // Four values of surname: one held by 4 rows, three by 1 each.
  std::vector<std::string> surnames = {"smith", "smith", "smith", "smith",
                                       "lee",   "khan",  "ali"};
  for (const std::string& s : surnames) {
    p.surname = s;
    ASSERT_THAT(table.Add(population.Encode(p), 0, "t").status(), IsOk());
  }
  TermFrequencies built = TermFrequencies::Build(table);
  TermFrequencies incremental;
  for (Row r = 0; r < table.size(); ++r) incremental.Add(table, r);
  const uint64_t smith = table.encoding_hash(EncodedField::kSurname, 0);
  const uint64_t lee = table.encoding_hash(EncodedField::kSurname, 4);
  EXPECT_EQ(built.count(EncodedField::kSurname, smith), 4u);
  EXPECT_EQ(built.total(EncodedField::kSurname), 7u);
  // sum f^2 = (16 + 1 + 1 + 1) / 49; f(smith) = 4/7, f(lee) = 1/7.
  EXPECT_NEAR(built.Adjustment(EncodedField::kSurname, smith),
              std::log2((19.0 / 49) / (4.0 / 7)), 1e-12);
  EXPECT_NEAR(built.Adjustment(EncodedField::kSurname, lee),
              std::log2((19.0 / 49) / (1.0 / 7)), 1e-12);
  EXPECT_EQ(incremental.Adjustment(EncodedField::kSurname, lee),
            built.Adjustment(EncodedField::kSurname, lee));
  // The same forename everywhere: agreeing on it says nothing extra.
  const uint64_t forename = table.encoding_hash(EncodedField::kForename, 0);
  EXPECT_NEAR(built.Adjustment(EncodedField::kForename, forename), 0, 1e-12);
  EXPECT_EQ(built.Adjustment(EncodedField::kSurname, 12345), 0);
  EXPECT_EQ(built.Adjustment(EncodedField::kAddress, smith), 0);
}

}  // namespace
}  // namespace equilink::linkage
