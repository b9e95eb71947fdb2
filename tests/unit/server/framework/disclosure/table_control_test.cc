#include "server/framework/disclosure/table_control.h"

#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace equilink::framework::disclosure {
namespace {

using ::equilink::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

const Profile& ProfileNamed(const char* name) { return **FindProfile(name); }

// The five IMD quintiles (cells 0-4) and the ICS total (cell 5), one group.
Table QuintileTable(Measure measure, const std::vector<int64_t>& numerators,
                    const std::vector<int64_t>& denominators) {
  Table table{.indicator_id = "MH-03", .measure = measure, .multiplier = 100};
  Group group{.name = "imd_quintile", .total = 5};
  int64_t numerator_total = 0;
  int64_t denominator_total = 0;
  for (size_t i = 0; i < 5; ++i) {
    table.cells.push_back(CellInput{.breakdown = "imd_quintile",
                                    .category = std::to_string(i + 1),
                                    .numerator = numerators[i],
                                    .denominator = denominators[i]});
    group.members.push_back(i);
    numerator_total += numerators[i];
    denominator_total += denominators[i];
  }
  table.cells.push_back(CellInput{.breakdown = kTotalBreakdown,
                                  .category = "all",
                                  .numerator = numerator_total,
                                  .denominator = denominator_total});
  table.groups.push_back(group);
  return table;
}

const std::vector<int64_t> kEdgeNumerators = {0, 1, 7, 8, 84};  // total 100
const std::vector<int64_t> kDenominators = {100, 200, 300, 400, 1000};

TEST(TableControlTest, Nhsd2018AtZeroOneSevenEightAndTheTotal) {
  EQ_ASSERT_OK_AND_ASSIGN(
      auto shown, ApplyProfile(ProfileNamed("NHSD_2018"),
                               QuintileTable(Measure::kProportion,
                                             kEdgeNumerators, kDenominators)));
  ASSERT_EQ(shown.size(), 6u);
  EXPECT_EQ(shown[0].numerator, 0);
  EXPECT_EQ(shown[1].numerator, std::nullopt);
  EXPECT_EQ(shown[1].numerator_withheld, Withheld::kSmallCount);
  EXPECT_EQ(shown[2].numerator, std::nullopt);
  EXPECT_EQ(shown[3].numerator, 10);
  EXPECT_EQ(shown[4].numerator, 85);
  EXPECT_EQ(shown[5].numerator, 100);
  EXPECT_EQ(shown[5].denominator, 2000);
  // Two '*' in the group: neither is recoverable, so no secondary.
  for (const ShownCell& cell : shown) {
    EXPECT_NE(cell.numerator_withheld, Withheld::kSecondary);
    EXPECT_EQ(cell.profile_name, "NHSD_2018");
    EXPECT_EQ(cell.profile_version, 1);
  }
  // Percentages from the rounded figures: 10/400, 85/1000, 100/2000.
  EXPECT_EQ(shown[0].value, 0.0);
  EXPECT_DOUBLE_EQ(*shown[3].value, 2.5);
  EXPECT_DOUBLE_EQ(*shown[4].value, 8.5);
  EXPECT_DOUBLE_EQ(*shown[5].value, 5.0);
  EXPECT_EQ(shown[1].value, std::nullopt);
  EXPECT_EQ(shown[1].value_withheld, Withheld::kRevealsSuppressedCount);
  EXPECT_TRUE(shown[1].suppressed());
  EXPECT_FALSE(shown[4].suppressed());
}

TEST(TableControlTest, Nhsd2018CrudeRateUsesRoundedFigures) {
  Table table = QuintileTable(Measure::kCrudeRate, {13, 20, 30, 40, 50},
                              {2003, 4000, 4000, 4000, 4000});
  table.multiplier = 100000;
  EQ_ASSERT_OK_AND_ASSIGN(auto shown,
                          ApplyProfile(ProfileNamed("NHSD_2018"), table));
  EXPECT_EQ(shown[0].numerator, 15);
  EXPECT_EQ(shown[0].denominator, 2005);
  EXPECT_DOUBLE_EQ(*shown[0].value, 15.0 / 2005.0 * 100000.0);  // 748.13
  // Total 153 / 18003 shows as 155 / 18005.
  EXPECT_DOUBLE_EQ(*shown[5].value, 155.0 / 18005.0 * 100000.0);
}

TEST(TableControlTest, Small10AtZeroOneSevenEightAndTheTotal) {
  EQ_ASSERT_OK_AND_ASSIGN(
      auto shown, ApplyProfile(ProfileNamed("SMALL10"),
                               QuintileTable(Measure::kProportion,
                                             kEdgeNumerators, kDenominators)));
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(shown[i].numerator, std::nullopt) << i;  // 0, 1, 7 and 8
    EXPECT_EQ(shown[i].numerator_withheld, Withheld::kSmallCount) << i;
    EXPECT_EQ(shown[i].value, std::nullopt) << i;
  }
  EXPECT_EQ(shown[4].numerator, 84);  // exact
  EXPECT_DOUBLE_EQ(*shown[4].value, 8.4);
  EXPECT_EQ(shown[5].numerator, 100);
  EXPECT_DOUBLE_EQ(*shown[5].value, 5.0);
  EXPECT_EQ(shown[5].profile_name, "SMALL10");
}

TEST(TableControlTest, Dsr10AtZeroOneSevenEightAndTheTotal) {
  Table table =
      QuintileTable(Measure::kStandardisedRate, kEdgeNumerators, kDenominators);
  for (size_t i = 0; i < table.cells.size(); ++i) {
    table.cells[i].value = 10.0 * static_cast<double>(i + 1);
    table.cells[i].lower = 5.0;
    table.cells[i].upper = 90.0;
  }
  EQ_ASSERT_OK_AND_ASSIGN(auto shown,
                          ApplyProfile(ProfileNamed("DSR10"), table));
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(shown[i].numerator, kEdgeNumerators[i]) << i;
    EXPECT_EQ(shown[i].value, std::nullopt) << i;  // count < 10, 0 too
    EXPECT_EQ(shown[i].value_withheld, Withheld::kTooFewPeople) << i;
    EXPECT_EQ(shown[i].lower, std::nullopt) << i;
  }
  EXPECT_EQ(shown[4].value, 50.0);
  EXPECT_EQ(shown[5].value, 60.0);
  EXPECT_EQ(shown[5].lower, 5.0);
  EXPECT_EQ(shown[5].upper, 90.0);
}

TEST(TableControlTest, MeanWithFiveContributors) {
  Table table =
      QuintileTable(Measure::kMean, {20, 20, 20, 20, 20}, {40, 40, 40, 40, 40});
  table.cells[0].contributors = 5;
  table.cells[1].contributors = 8;
  table.cells[2].contributors = 10;
  table.cells[3].contributors = 0;
  for (CellInput& cell : table.cells) cell.value = 250.0;
  EQ_ASSERT_OK_AND_ASSIGN(auto nhsd,
                          ApplyProfile(ProfileNamed("NHSD_2018"), table));
  EXPECT_EQ(nhsd[0].value, std::nullopt);
  EXPECT_EQ(nhsd[0].value_withheld, Withheld::kTooFewPeople);
  EXPECT_EQ(nhsd[1].value, 250.0);  // 8 contributors: shown
  EXPECT_EQ(nhsd[3].value_withheld, Withheld::kUndefined);
  EXPECT_FALSE(nhsd[3].suppressed());

  EQ_ASSERT_OK_AND_ASSIGN(auto small10,
                          ApplyProfile(ProfileNamed("SMALL10"), table));
  EXPECT_EQ(small10[0].value, std::nullopt);
  EXPECT_EQ(small10[1].value, std::nullopt);  // 8 < 10
  EXPECT_EQ(small10[2].value, 250.0);
}

TEST(TableControlTest, OneStarredQuintileTakesTheSmallestOtherWithIt) {
  EQ_ASSERT_OK_AND_ASSIGN(
      auto shown,
      ApplyProfile(ProfileNamed("NHSD_2018"),
                   QuintileTable(Measure::kProportion, {3, 40, 20, 30, 57},
                                 kDenominators)));
  EXPECT_EQ(shown[0].numerator_withheld, Withheld::kSmallCount);
  // Else 150 - (40 + 20 + 30 + 55) gives the '*' back to within rounding.
  EXPECT_EQ(shown[2].numerator, std::nullopt);
  EXPECT_EQ(shown[2].numerator_withheld, Withheld::kSecondary);
  EXPECT_EQ(shown[2].value_withheld, Withheld::kRevealsSuppressedCount);
  EXPECT_EQ(shown[2].denominator, 300);  // the population stays shown
  EXPECT_EQ(shown[1].numerator, 40);
  EXPECT_EQ(shown[3].numerator, 30);
  EXPECT_EQ(shown[4].numerator, 55);
  EXPECT_EQ(shown[5].numerator, 150);
}

TEST(TableControlTest, SecondarySuppressionCascadesAcrossRowsAndColumns) {
  // Sex (rows) by IMD tertile (columns) with margins:
  //          c1  c2  c3 | row
  //   F       3  20  50 |  73
  //   M      30  40  60 | 130
  //   col    33  60 110 | 203
  const std::vector<int64_t> counts = {3,  20,  50, 30, 40,  60,
                                       73, 130, 33, 60, 110, 203};
  const std::vector<int64_t> populations = {1000, 1000, 1000, 1000, 1000, 1000,
                                            3000, 3000, 2000, 2000, 2000, 6000};
  Table table{.indicator_id = "MH-03", .measure = Measure::kProportion};
  for (size_t i = 0; i < counts.size(); ++i) {
    table.cells.push_back(CellInput{.breakdown = "sex_by_imd",
                                    .category = std::to_string(i),
                                    .numerator = counts[i],
                                    .denominator = populations[i]});
  }
  table.groups = {{"row F", 6, {0, 1, 2}},    {"row M", 7, {3, 4, 5}},
                  {"col 1", 8, {0, 3}},       {"col 2", 9, {1, 4}},
                  {"col 3", 10, {2, 5}},      {"rows", 11, {6, 7}},
                  {"columns", 11, {8, 9, 10}}};
  EQ_ASSERT_OK_AND_ASSIGN(auto shown,
                          ApplyProfile(ProfileNamed("NHSD_2018"), table));
  EXPECT_EQ(shown[0].numerator_withheld, Withheld::kSmallCount);
  // Row F takes 20; column 1 takes 30; then column 2 has 20 alone, so 40.
  EXPECT_EQ(shown[1].numerator_withheld, Withheld::kSecondary);
  EXPECT_EQ(shown[3].numerator_withheld, Withheld::kSecondary);
  EXPECT_EQ(shown[4].numerator_withheld, Withheld::kSecondary);
  // Row M now has two withheld; column 3 and the margins stay shown.
  for (size_t i : {2, 5, 6, 7, 8, 9, 10, 11}) {
    EXPECT_EQ(shown[i].numerator_withheld, Withheld::kNo) << i;
  }
}

TEST(TableControlTest, DenominatorsAreProtectedToo) {
  // Quintile 5 has a population of 5, so its denominator is '*' and the
  // smallest other denominator goes with it; both values go as well.
  EQ_ASSERT_OK_AND_ASSIGN(
      auto shown,
      ApplyProfile(ProfileNamed("NHSD_2018"),
                   QuintileTable(Measure::kProportion, {0, 10, 10, 10, 0},
                                 {100, 300, 200, 400, 5})));
  EXPECT_EQ(shown[4].denominator_withheld, Withheld::kSmallCount);
  EXPECT_EQ(shown[0].denominator_withheld, Withheld::kSecondary);
  EXPECT_EQ(shown[0].numerator, 0);
  EXPECT_EQ(shown[0].value_withheld, Withheld::kRevealsSuppressedCount);
  EXPECT_EQ(shown[4].value_withheld, Withheld::kRevealsSuppressedCount);
  EXPECT_EQ(shown[1].value_withheld, Withheld::kNo);
}

TEST(TableControlTest, UnknownCategoryMustCloseTheGroup) {
  Table table =
      QuintileTable(Measure::kProportion, {10, 20, 30, 40, 50}, kDenominators);
  // 4 people of unknown LSOA are in the total but in no quintile.
  table.cells[5].numerator += 4;
  table.cells[5].denominator += 4;
  EXPECT_THAT(ApplyProfile(ProfileNamed("NHSD_2018"), table),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("imd_quintile"), HasSubstr("unknown"),
                             Not(HasSubstr("154")))));

  table.cells.push_back(CellInput{.breakdown = "imd_quintile",
                                  .category = "unknown",
                                  .numerator = 4,
                                  .denominator = 4});
  table.groups[0].members.push_back(6);
  EQ_ASSERT_OK_AND_ASSIGN(auto shown,
                          ApplyProfile(ProfileNamed("NHSD_2018"), table));
  EXPECT_EQ(shown[6].numerator_withheld, Withheld::kSmallCount);
  EXPECT_EQ(shown[0].numerator_withheld, Withheld::kSecondary);  // 10
  EXPECT_EQ(shown[5].numerator, 155);                            // 154
}

TEST(TableControlTest, RejectsAGroupThatIsNotATable) {
  Table table =
      QuintileTable(Measure::kProportion, {10, 20, 30, 40, 50}, kDenominators);
  table.groups[0].members.push_back(5);  // the total as its own member
  EXPECT_THAT(ApplyProfile(ProfileNamed("SMALL10"), table),
              StatusIs(absl::StatusCode::kInvalidArgument));
  table.groups[0].members.back() = 9;
  EXPECT_THAT(ApplyProfile(ProfileNamed("SMALL10"), table),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace equilink::framework::disclosure
