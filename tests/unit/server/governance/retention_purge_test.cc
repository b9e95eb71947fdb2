#include "server/governance/retention_purge.h"

#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/governance/agreement_registry.h"
#include "server/store/sqlite_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/unit/server/governance/governance_test_util.h"

namespace equilink::governance {
namespace {

using ::equilink::testing::StatusIs;
using ::testing::ElementsAre;
using testing::kSubmissionExample;
using testing::LoadExample;

TEST(RetentionPeriodTest, ParsesYearsMonthsWeeksAndDays) {
  EQ_ASSERT_OK_AND_ASSIGN(RetentionPeriod seven_years,
                          ParseRetentionPeriod("P7Y"));
  EXPECT_EQ(seven_years.years, 7);
  EQ_ASSERT_OK_AND_ASSIGN(RetentionPeriod months, ParseRetentionPeriod("P18M"));
  EXPECT_EQ(months.months, 18);
  EQ_ASSERT_OK_AND_ASSIGN(RetentionPeriod days, ParseRetentionPeriod("P90D"));
  EXPECT_EQ(days.days, 90);
  EQ_ASSERT_OK_AND_ASSIGN(RetentionPeriod mixed,
                          ParseRetentionPeriod("P1Y6M2W3D"));
  EXPECT_EQ(mixed.years, 1);
  EXPECT_EQ(mixed.months, 6);
  EXPECT_EQ(mixed.days, 17);
}

TEST(RetentionPeriodTest, RefusesWhatIsNotADurationOfDays) {
  for (const char* bad : {"", "P", "7Y", "PT5H", "P1DT2H", "P7Y7Y", "P6M1Y",
                          "P-1D", "P1.5Y", "P7", "P99999D"}) {
    EXPECT_THAT(ParseRetentionPeriod(bad),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
  }
}

TEST(RetentionPeriodTest, EndIsCountedInCalendarTerms) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::Time received =
      absl::FromCivil(absl::CivilSecond(2019, 3, 1, 10, 0, 0), utc);
  EXPECT_EQ(RetentionEnds(received, {.years = 7}, utc),
            absl::FromCivil(absl::CivilSecond(2026, 3, 1, 10, 0, 0), utc));
  EXPECT_EQ(RetentionEnds(received, {.months = 18}, utc),
            absl::FromCivil(absl::CivilSecond(2020, 9, 1, 10, 0, 0), utc));
  EXPECT_EQ(RetentionEnds(received, {.days = 90}, utc),
            received + absl::Hours(24 * 90));
}

store::RecordRow Row(char key) {
  return {std::string(32, key), std::string("payload-") + key};
}

// The real store and registry on one file: the purge must keep the store's
// invariants (feed, key index, live_records, watermark), which only the real
// store has.
class RetentionPurgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::SqliteOptions options;
    options.path = dir_.File("gateway.db");
    EQ_ASSERT_OK_AND_ASSIGN(store_, store::SqliteStore::Open(options));
    EQ_ASSERT_OK_AND_ASSIGN(registry_, AgreementRegistry::Open(options.path));
    v1::Agreement short_lived =
        LoadExample(kSubmissionExample, v1::AGREEMENT_DRAFT);
    short_lived.set_agreement_id("DSA-SHORT");
    short_lived.mutable_retention()->set_period("P90D");
    v1::Agreement long_lived =
        LoadExample(kSubmissionExample, v1::AGREEMENT_DRAFT);
    long_lived.set_agreement_id("DSA-LONG");
    ASSERT_EQ(long_lived.retention().period(), "P7Y");
    ASSERT_TRUE(registry_->Create(short_lived, absl::Now()).ok());
    ASSERT_TRUE(registry_->Create(long_lived, absl::Now()).ok());
  }

  void Commit(const std::string& submission, const std::string& agreement_id,
              std::vector<store::RecordRow> records, int quarantined = 0) {
    store::BatchWrite write;
    write.organisation_code = "8HX12";
    write.submission_id = submission;
    write.key_id = "k1";
    write.agreement_id = agreement_id;
    write.agreement_version = agreement_id.empty() ? 0 : 1;
    write.records = std::move(records);
    for (int i = 0; i < quarantined; ++i) {
      write.quarantined.push_back({std::string(32, 'q'), "S9", "held"});
    }
    write.ack = "ack";
    ASSERT_TRUE(store_->CommitBatch(std::move(write)).ok());
  }

  uint64_t Records() {
    auto summary = store_->Summarise();
    EXPECT_TRUE(summary.ok());
    for (const auto& row : *summary) {
      if (row.organisation_code == "8HX12") return row.records;
    }
    return 0;
  }

  ::equilink::testing::TempDir dir_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<AgreementRegistry> registry_;
};

TEST_F(RetentionPurgeTest, RemovesOnlyBatchesWhoseRetentionHasEnded) {
  Commit("short", "DSA-SHORT", {Row('a'), Row('b'), Row('c')},
         /*quarantined=*/1);
  Commit("long", "DSA-LONG", {Row('d'), Row('e')});
  Commit("unknown", "", {Row('f')});
  // 'a' re-submitted under the long agreement: its newest copy must survive.
  Commit("correction", "DSA-LONG", {Row('a')});
  ASSERT_EQ(Records(), 6u);

  const absl::Time in_100_days = absl::Now() + absl::Hours(24 * 100);
  EQ_ASSERT_OK_AND_ASSIGN(v1::PurgeReport dry,
                          PurgeExpiredRecords(*store_, *registry_, in_100_days,
                                              /*dry_run=*/true));
  // 'b', 'c' and the quarantined record; 'a' of that batch was superseded.
  EXPECT_EQ(dry.records_removed(), 3u);
  EXPECT_EQ(dry.batches_affected(), 1u);
  EXPECT_THAT(dry.agreement_ids(), ElementsAre("DSA-SHORT"));
  EXPECT_EQ(Records(), 6u);

  EQ_ASSERT_OK_AND_ASSIGN(v1::PurgeReport done,
                          PurgeExpiredRecords(*store_, *registry_, in_100_days,
                                              /*dry_run=*/false));
  EXPECT_EQ(done.records_removed(), 3u);
  EXPECT_EQ(Records(), 4u);
  EXPECT_THAT(store_->RecordsInSubmission("8HX12", "short"),
              ::equilink::testing::IsOkAndHolds(0u));
  EXPECT_THAT(store_->RecordsInSubmission("8HX12", "correction"),
              ::equilink::testing::IsOkAndHolds(1u));
  // The batch row stays, so a re-send is answered, not stored again.
  EXPECT_THAT(store_->DurableSequences("8HX12", "short"),
              ::equilink::testing::IsOkAndHolds(ElementsAre(0u)));

  // Nothing left to purge; later appends and index passes still work, and a
  // purged key can be submitted again.
  EQ_ASSERT_OK_AND_ASSIGN(v1::PurgeReport again,
                          PurgeExpiredRecords(*store_, *registry_, in_100_days,
                                              /*dry_run=*/false));
  EXPECT_EQ(again.records_removed(), 0u);
  Commit("later", "DSA-LONG", {Row('b'), Row('g')});
  EXPECT_EQ(Records(), 6u);

  // Reopening reads the watermark and the index back consistently.
  const std::string path = dir_.File("gateway.db");
  store_.reset();
  store::SqliteOptions options;
  options.path = path;
  EQ_ASSERT_OK_AND_ASSIGN(store_, store::SqliteStore::Open(options));
  EXPECT_EQ(Records(), 6u);
}

TEST_F(RetentionPurgeTest, NothingHasExpiredYet) {
  Commit("short", "DSA-SHORT", {Row('a')});
  EQ_ASSERT_OK_AND_ASSIGN(
      v1::PurgeReport report,
      PurgeExpiredRecords(*store_, *registry_,
                          absl::Now() + absl::Hours(24 * 89),
                          /*dry_run=*/false));
  EXPECT_EQ(report.records_removed(), 0u);
  EXPECT_EQ(report.batches_affected(), 0u);
  EXPECT_EQ(Records(), 1u);
}

}  // namespace
}  // namespace equilink::governance
