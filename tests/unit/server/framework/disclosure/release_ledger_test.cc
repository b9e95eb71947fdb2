#include "server/framework/disclosure/release_ledger.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/schema.h"
#include "server/store/sqlite/database.h"
#include "server/store/sqlite/migration.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink::framework::disclosure {
namespace {

using ::equilink::store::sqlite::Database;
using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

const Period kJanToJun{"2025-01-01", "2025-06-30"};
const Period kJanToJul{"2025-01-01", "2025-07-31"};
const Period kJulToDec{"2025-07-01", "2025-12-31"};

ReleasedCell Cell(const Period& period, std::string breakdown,
                  std::vector<std::string> categories, int64_t numerator,
                  std::optional<int64_t> shown_numerator) {
  return ReleasedCell{.indicator_id = "MH-03",
                      .period = period,
                      .breakdown = std::move(breakdown),
                      .categories = std::move(categories),
                      .true_numerator = numerator,
                      .true_denominator = 5000,
                      .shown_numerator = shown_numerator,
                      .shown_denominator = 5000};
}

class ReleaseLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EQ_ASSERT_OK_AND_ASSIGN(db_,
                            Database::Open({.path = dir_.File("ledger.db")}));
    ASSERT_THAT(store::sqlite::Migrate(db_.get(), store::StoreMigrations()),
                IsOk());
    EQ_ASSERT_OK_AND_ASSIGN(ledger_, ReleaseLedger::Open(db_.get()));
  }

  Release MakeRelease(const std::string& id, const char* profile,
                      std::vector<ReleasedCell> cells) {
    return Release{.release_id = id,
                   .consumer_org = "QHL",
                   .agreement_id = "ICS-QHL-DSA-2026-0007",
                   .agreement_version = 3,
                   .profile = *FindProfile(profile),
                   .released_at_unix_seconds = 1767225600,
                   .cells = std::move(cells)};
  }

  int64_t RowCount(const char* table) {
    return *db_->QueryInt64(std::string("SELECT COUNT(*) FROM ") + table);
  }

  equilink::testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<ReleaseLedger> ledger_;
};

TEST_F(ReleaseLedgerTest, OpenIsIdempotent) {
  EXPECT_THAT(ReleaseLedger::Open(db_.get()).status(), IsOk());
}

TEST_F(ReleaseLedgerTest, AStoreWithoutTheLedgerTablesIsRefused) {
  EQ_ASSERT_OK_AND_ASSIGN(auto bare,
                          Database::Open({.path = dir_.File("bare.db")}));
  EXPECT_THAT(
      ReleaseLedger::Open(bare.get()).status(),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("version 7")));
}

TEST_F(ReleaseLedgerTest, TotalThenTotalMinusASmallCategoryIsRefused) {
  ASSERT_THAT(ledger_->CheckAndRecord(MakeRelease(
                  "release-1", "NHSD_2018",
                  {Cell(kJanToJun, kTotalBreakdown, {}, 103, 105)})),
              IsOk());
  // The total over known ethnicity: 3 people of unknown ethnicity fewer.
  const absl::Status refused = ledger_->CheckAndRecord(MakeRelease(
      "release-2", "NHSD_2018",
      {Cell(kJanToJun, "ethnicity", {"A", "B", "C", "D", "Z"}, 100, 100)}));
  EXPECT_THAT(refused,
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("MH-03"), HasSubstr("ethnicity"),
                             HasSubstr("2025-01-01..2025-06-30"),
                             Not(HasSubstr("release-")), Not(HasSubstr("QHL")),
                             Not(HasSubstr("DSA")))));
  EXPECT_EQ(RowCount("release_ledger"), 1);
  EXPECT_EQ(RowCount("release_ledger_cells"), 1);
}

TEST_F(ReleaseLedgerTest, NestedPeriodAddingThreePeopleIsRefused) {
  ASSERT_THAT(ledger_->CheckAndRecord(MakeRelease(
                  "release-1", "SMALL10",
                  {Cell(kJanToJun, "imd_quintile", {"1"}, 40, 40)})),
              IsOk());
  EXPECT_THAT(ledger_->CheckAndRecord(MakeRelease(
                  "release-2", "SMALL10",
                  {Cell(kJanToJul, "imd_quintile", {"1"}, 43, 43)})),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("imd_quintile"), HasSubstr("1"),
                             HasSubstr("2025-01-01..2025-07-31"),
                             Not(HasSubstr("43")))));
  EXPECT_EQ(RowCount("release_ledger"), 1);
  EXPECT_EQ(RowCount("release_ledger_cells"), 1);
}

TEST_F(ReleaseLedgerTest, RoundingIsNotCreditedAgainstDifferencing) {
  ASSERT_THAT(ledger_->CheckAndRecord(MakeRelease(
                  "release-1", "NHSD_2018",
                  {Cell(kJanToJun, "imd_quintile", {"1"}, 40, 40)})),
              IsOk());
  EXPECT_THAT(ledger_->CheckAndRecord(MakeRelease(
                  "release-2", "NHSD_2018",
                  {Cell(kJanToJul, "imd_quintile", {"1"}, 43, 45)})),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(ReleaseLedgerTest, NonDisclosiveSecondReleasePasses) {
  ASSERT_THAT(ledger_->CheckAndRecord(MakeRelease(
                  "release-1", "SMALL10",
                  {Cell(kJanToJun, "imd_quintile", {"1"}, 40, 40)})),
              IsOk());
  // Twenty more people in July, and an unrelated cell that differs by 3.
  EXPECT_THAT(ledger_->CheckAndRecord(MakeRelease(
                  "release-2", "SMALL10",
                  {Cell(kJanToJul, "imd_quintile", {"1"}, 60, 60),
                   Cell(kJanToJul, "imd_quintile", {"2"}, 43, 43)})),
              IsOk());
  EXPECT_EQ(RowCount("release_ledger"), 2);
  EXPECT_EQ(RowCount("release_ledger_cells"), 3);
}

TEST_F(ReleaseLedgerTest, DisjointPeriodsAndStarredFiguresPass) {
  ASSERT_THAT(ledger_->CheckAndRecord(MakeRelease(
                  "release-1", "NHSD_2018",
                  {Cell(kJanToJun, "imd_quintile", {"1"}, 40, 40),
                   Cell(kJanToJun, "imd_quintile", {"2"}, 5, std::nullopt)})),
              IsOk());
  // Jul-Dec does not nest in Jan-Jun; Jan-Jul of quintile 2 is 3 more than a
  // '*', which leaves the difference anywhere in 1..10.
  EXPECT_THAT(ledger_->CheckAndRecord(
                  MakeRelease("release-2", "NHSD_2018",
                              {Cell(kJulToDec, "imd_quintile", {"1"}, 43, 45),
                               Cell(kJanToJul, "imd_quintile", {"2"}, 8, 10)})),
              IsOk());
}

TEST_F(ReleaseLedgerTest, TwoPeriodsInOneReleaseAreCompared) {
  EXPECT_THAT(ledger_->CheckAndRecord(MakeRelease(
                  "release-1", "SMALL10",
                  {Cell(kJanToJun, "imd_quintile", {"1"}, 40, 40),
                   Cell(kJanToJul, "imd_quintile", {"1"}, 42, 42)})),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(RowCount("release_ledger"), 0);
  EXPECT_EQ(RowCount("release_ledger_cells"), 0);
}

TEST_F(ReleaseLedgerTest, RepeatedReleaseIdIsAlreadyExists) {
  const Release release = MakeRelease(
      "release-1", "SMALL10", {Cell(kJanToJun, kTotalBreakdown, {}, 40, 40)});
  ASSERT_THAT(ledger_->CheckAndRecord(release), IsOk());
  EXPECT_THAT(ledger_->CheckAndRecord(release),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_F(ReleaseLedgerTest, MalformedPeriodIsInvalidArgument) {
  EXPECT_THAT(
      ledger_->CheckAndRecord(MakeRelease(
          "release-1", "SMALL10",
          {Cell({"2025-06-30", "2025-01-01"}, kTotalBreakdown, {}, 40, 40)})),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ReleaseLedgerTest, RecordsAControlledTable) {
  Table table{.indicator_id = "MH-03", .measure = Measure::kProportion};
  table.cells = {
      {.breakdown = "sex",
       .category = "F",
       .numerator = 30,
       .denominator = 500},
      {.breakdown = "sex", .category = "M", .numerator = 3, .denominator = 500},
      {.breakdown = kTotalBreakdown,
       .category = "all",
       .numerator = 33,
       .denominator = 1000}};
  table.groups = {{"sex", 2, {0, 1}}};
  const Profile& nhsd = **FindProfile("NHSD_2018");
  EQ_ASSERT_OK_AND_ASSIGN(auto shown, ApplyProfile(nhsd, table));
  const std::vector<ReleasedCell> cells =
      ReleasedCellsOf(table, kJanToJun, shown);
  ASSERT_EQ(cells.size(), 3u);
  EXPECT_EQ(cells[1].shown_numerator, std::nullopt);
  EXPECT_EQ(cells[0].shown_numerator, std::nullopt);  // secondary
  EXPECT_EQ(cells[2].shown_numerator, 35);
  EXPECT_TRUE(cells[2].categories.empty());
  EXPECT_THAT(
      ledger_->CheckAndRecord(MakeRelease("release-1", "NHSD_2018", cells)),
      IsOk());
  EXPECT_EQ(*db_->QueryInt64("SELECT COUNT(*) FROM release_ledger_cells "
                             "WHERE shown_numerator IS NULL"),
            2);
}

}  // namespace
}  // namespace equilink::framework::disclosure
