#include "client/synth/synth_dataset.h"

#include <array>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "client/synth/bsol_lsoas.h"
#include "client/synth/corruption.h"
#include "client/synth/synth_random.h"
#include "client/synth/synth_summary.h"
#include "common/normalise/nhs_number.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace equilink::client::synth {
namespace {

using ::equilink::testing::StatusIs;

SynthOptions SmallOptions() {
  SynthOptions options;
  options.people = 20000;
  options.seed = 7;
  return options;
}

const SynthDataset& Small() {
  static const SynthDataset* const dataset = [] {
    auto generated = GenerateSynthDataset(SmallOptions());
    EXPECT_TRUE(generated.ok()) << generated.status();
    return new SynthDataset(std::move(*generated));
  }();
  return *dataset;
}

int Quintile(const SynthDataset& dataset, const SynthPerson& person) {
  return ImdQuintile(
      BsolLsoas()[dataset.geography.LsoaOf(person.postcode)].imd_decile);
}

TEST(SynthDatasetTest, HasTheRequestedShape) {
  const SynthDataset& dataset = Small();
  ASSERT_EQ(dataset.people.size(), 20000u);
  EXPECT_EQ(dataset.population.size(), dataset.people.size());
  ASSERT_EQ(dataset.organisations.size(), 4u);
  EXPECT_THAT(dataset.organisation_codes,
              ::testing::ElementsAre("8HX12", "8JK34", "8LM56", "8NP78"));
  size_t records = 0;
  for (const auto& organisation : dataset.organisations) {
    records += organisation.size();
  }
  EXPECT_EQ(records, 10000u);  // people / 2 by default
}

TEST(SynthDatasetTest, PopulationLooksLikeBirminghamAndSolihull) {
  const SynthSummary summary = SummariseSynthDataset(Small());
  const double n = static_cast<double>(summary.people);
  // Birmingham's children live mostly in the most deprived fifth of England.
  EXPECT_GT(summary.people_by_imd_quintile[0] / n, 0.5);
  EXPECT_LT(summary.people_by_imd_quintile[4] / n, 0.15);
  EXPECT_NEAR(summary.white_british / n, 0.5, 0.08);
  EXPECT_GT(summary.people_by_group[static_cast<int>(EthnicGroup::kAsian)] / n,
            0.15);
  EXPECT_GT(summary.people_by_group[static_cast<int>(EthnicGroup::kBlack)] / n,
            0.05);
  // Ages 0-25, mostly 5-18.
  int school_age = 0;
  for (const SynthPerson& person : Small().people) {
    const int age =
        static_cast<int>((Small().options.as_of - person.dob) / 365.25);
    ASSERT_GE(age, 0);
    ASSERT_LE(age, 25);
    school_age += age >= 5 && age <= 18;
  }
  EXPECT_GT(school_age / n, 0.65);
  // Deprived areas are more ethnically diverse.
  std::array<int, 5> white_british = {}, total = {};
  for (const SynthPerson& person : Small().people) {
    const int q = Quintile(Small(), person) - 1;
    ++total[q];
    white_british[q] += person.ethnic_category == 'A';
  }
  EXPECT_LT(white_british[0] / static_cast<double>(total[0]),
            white_british[4] / static_cast<double>(total[4]));
}

TEST(SynthDatasetTest, EveryNhsNumberMeantValidPassesModulus11) {
  const SynthDataset& dataset = Small();
  absl::flat_hash_map<std::string, int> seen;
  for (const SynthPerson& person : dataset.people) {
    ASSERT_TRUE(IsValidNhsNumberDigits(person.nhs_number));
    ASSERT_EQ(seen[person.nhs_number]++, 0) << "NHS numbers must be unique";
  }
  int mistyped = 0;
  for (const auto& organisation : dataset.organisations) {
    for (const SynthRecord& record : organisation) {
      const std::string& nhs = record.identity.nhs_number;
      if (nhs.empty()) {
        EXPECT_NE(record.corruptions & kNhsMissing, 0u);
        continue;
      }
      if ((record.corruptions & kNhsMistyped) != 0) {
        ++mistyped;
        EXPECT_EQ(CheckNhsNumber(nhs).check, NhsNumberCheck::kInvalidChecksum);
      } else {
        EXPECT_EQ(nhs, dataset.people[record.person].nhs_number);
      }
    }
  }
  EXPECT_GT(mistyped, 0);
  for (const SynthRecord& record : dataset.population) {
    if (!record.identity.nhs_number.empty()) {
      EXPECT_TRUE(IsValidNhsNumberDigits(record.identity.nhs_number));
    }
  }
}

TEST(SynthDatasetTest, MistypedNhsNumbersAlwaysFailTheCheck) {
  SynthRandom rng(3);
  for (int i = 0; i < 2000; ++i) {
    const std::string& valid =
        Small().people[static_cast<size_t>(i)].nhs_number;
    EXPECT_FALSE(IsValidNhsNumberDigits(MistypeNhsNumber(valid, rng)));
  }
}

TEST(SynthDatasetTest, TwinsShareSurnameBirthdayAndAddress) {
  const std::vector<SynthPerson>& people = Small().people;
  int pairs = 0;
  for (size_t i = 1; i < people.size(); ++i) {
    if (!people[i].twin || !people[i - 1].twin ||
        people[i].household != people[i - 1].household ||
        people[i].dob != people[i - 1].dob) {
      continue;
    }
    ++pairs;
    EXPECT_EQ(people[i].surname, people[i - 1].surname);
    EXPECT_EQ(people[i].address_line, people[i - 1].address_line);
    EXPECT_EQ(people[i].postcode, people[i - 1].postcode);
    EXPECT_NE(people[i].forename, people[i - 1].forename);
  }
  int twins = 0;
  for (const SynthPerson& person : people) twins += person.twin;
  EXPECT_EQ(twins, 2 * pairs);
  // About 1.5% of births: with ~19,700 births, about 295 pairs.
  EXPECT_GT(pairs, 200);
  EXPECT_LT(pairs, 400);
}

TEST(SynthDatasetTest, SiblingsShareAnAddress) {
  const std::vector<SynthPerson>& people = Small().people;
  int siblings = 0;
  for (size_t i = 1; i < people.size(); ++i) {
    if (people[i].household != people[i - 1].household) continue;
    ++siblings;
    EXPECT_EQ(people[i].address_line, people[i - 1].address_line);
  }
  EXPECT_GT(siblings, 4000);
}

TEST(SynthDatasetTest, SameSeedSameDataDifferentSeedDifferentData) {
  SynthOptions options;
  options.people = 3000;
  options.seed = 11;
  EQ_ASSERT_OK_AND_ASSIGN(SynthDataset a, GenerateSynthDataset(options));
  EQ_ASSERT_OK_AND_ASSIGN(SynthDataset b, GenerateSynthDataset(options));
  options.seed = 12;
  EQ_ASSERT_OK_AND_ASSIGN(SynthDataset c, GenerateSynthDataset(options));
  ASSERT_EQ(a.people.size(), b.people.size());
  int differ = 0;
  for (size_t i = 0; i < a.people.size(); ++i) {
    EXPECT_EQ(a.people[i].forename, b.people[i].forename);
    EXPECT_EQ(a.people[i].nhs_number, b.people[i].nhs_number);
    differ += a.people[i].nhs_number != c.people[i].nhs_number;
  }
  EXPECT_GT(differ, 2900);
  for (size_t o = 0; o < a.organisations.size(); ++o) {
    ASSERT_EQ(a.organisations[o].size(), b.organisations[o].size());
    for (size_t r = 0; r < a.organisations[o].size(); ++r) {
      EXPECT_EQ(a.organisations[o][r].record_id,
                b.organisations[o][r].record_id);
      EXPECT_EQ(a.organisations[o][r].identity.surname,
                b.organisations[o][r].identity.surname);
    }
  }
}

// Rates by quintile and group come out as configured (re-referrals, which
// copy an earlier record, are switched off so every record is drawn fresh).
TEST(SynthDatasetTest, NhsMissingRatesFollowTheTable) {
  SynthOptions options;
  options.people = 60000;
  options.vcse_records = 80000;
  options.organisations = 2;
  options.re_referral = 0;
  options.corruption.nhs_missing_by_quintile = {0.40, 0.30, 0.20, 0.10, 0.05};
  options.corruption.nhs_missing_group_factor = {1.0, 1.0, 1.0, 2.0, 1.5};
  EQ_ASSERT_OK_AND_ASSIGN(SynthDataset dataset, GenerateSynthDataset(options));
  std::array<std::array<int, kEthnicGroupCount>, 5> missing = {}, total = {};
  for (const auto& organisation : dataset.organisations) {
    for (const SynthRecord& record : organisation) {
      const SynthPerson& person = dataset.people[record.person];
      const int q = Quintile(dataset, person) - 1;
      const int g = static_cast<int>(EthnicGroupOf(person.ethnic_category));
      ++total[q][g];
      missing[q][g] += record.identity.nhs_number.empty();
    }
  }
  int cells = 0;
  for (int q = 0; q < 5; ++q) {
    for (int g = 0; g < kEthnicGroupCount; ++g) {
      if (total[q][g] < 1500) continue;
      ++cells;
      const double expected = NhsMissingRate(options.corruption, q + 1,
                                             static_cast<EthnicGroup>(g));
      EXPECT_NEAR(missing[q][g] / static_cast<double>(total[q][g]), expected,
                  0.035)
          << "quintile " << q + 1 << " group " << g;
    }
  }
  EXPECT_GE(cells, 5);
}

TEST(SynthDatasetTest, RejectsBadOptions) {
  SynthOptions options;
  options.people = 0;
  EXPECT_THAT(GenerateSynthDataset(options),
              StatusIs(absl::StatusCode::kInvalidArgument));
  options = SynthOptions();
  options.corruption.moved_address = 1.5;
  EXPECT_THAT(GenerateSynthDataset(options),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(SynthDatasetTest, CorruptionHappensAtRoughlyTheDefaultRates) {
  const SynthSummary summary = SummariseSynthDataset(Small());
  const double n = static_cast<double>(summary.vcse_records);
  auto rate = [&](Corruption bit) {
    int index = 0;
    while ((1u << index) != bit) ++index;
    return summary.corruption_counts[index] / n;
  };
  EXPECT_NEAR(rate(kMovedAddress), 0.10, 0.02);
  EXPECT_NEAR(rate(kForenameTypo), 0.03, 0.01);
  EXPECT_GT(rate(kNickname), 0.005);
  EXPECT_GT(rate(kSpellingVariant), 0.01);
  EXPECT_GT(rate(kNameSwap), 0.002);
  EXPECT_GT(summary.people_in_several_organisations, 100);
}

}  // namespace
}  // namespace equilink::client::synth
