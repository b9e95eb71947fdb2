#include "server/framework/indicator_engine.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/framework/indicator_catalogue.h"
#include "server/framework/indicator_release.h"
#include "server/store/sqlite/database.h"
#include "server/store/sqlite_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink::framework {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::equilink::testing::TempDir;
using ::testing::DoubleNear;
using ::testing::HasSubstr;
using ::testing::Optional;

constexpr char kImdFile[] =
    "deploy/data/imd2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz";
constexpr char kPopulationFile[] =
    "deploy/data/imd2019/File_6_-_IoD2019_Population_Denominators.csv.gz";

// Birmingham LSOAs of IMD 2019 deciles 1 to 10, and one in Solihull of
// decile 10.
const char* const kBirmingham[] = {
    "E01008882", "E01008881", "E01008890", "E01008885", "E01008917",
    "E01008956", "E01008967", "E01008949", "E01008990", "E01009421"};
constexpr char kSolihullDecile10[] = "E01010108";

struct Episode {
  std::string org;
  int64_t person = 0;
  v1::PseudonymisedRecord record;
};

v1::PseudonymisedRecord Record(const std::string& service,
                               const std::string& lsoa,
                               const std::string& ethnicity,
                               const std::string& sex, int age,
                               const std::string& referral,
                               const std::string& first_contact, int sessions) {
  v1::PseudonymisedRecord r;
  r.set_service_type(service);
  r.set_lsoa_code(lsoa);
  r.set_ethnic_category(ethnicity);
  r.set_sex_code(sex);
  r.set_age_at_referral(age);
  r.set_referral_date(referral);
  r.set_first_contact_date(first_contact);
  r.set_sessions_attended(sessions);
  return r;
}

void AddScore(v1::PseudonymisedRecord* r, const std::string& timepoint,
              const std::string& date, double total) {
  v1::OutcomeScore* score = r->add_outcomes();
  score->set_instrument("WEMWBS14");
  score->set_timepoint(timepoint);
  score->set_date(date);
  score->set_total(total);
}

class IndicatorEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EQ_ASSERT_OK_AND_ASSIGN(catalogue_,
                            IndicatorCatalogue::Load("deploy/framework/"
                                                     "indicators.textproto"));
    EQ_ASSERT_OK_AND_ASSIGN(areas_,
                            AreaLookup::Load(kImdFile, kPopulationFile));
    options_.local_authorities = {"E08000025", "E08000029"};
  }

  // Commits the episodes through the real store, links each to its person
  // as the linkage worker would, and builds the population of 2026.
  void Store(const std::vector<Episode>& episodes,
             Period period = Period{absl::CivilDay(2026, 1, 1),
                                    absl::CivilDay(2026, 12, 31)}) {
    const std::string path = dir_.File("store.db");
    {
      store::SqliteOptions options;
      options.path = path;
      EQ_ASSERT_OK_AND_ASSIGN(auto store, store::SqliteStore::Open(options));
      uint64_t sequence = 0;
      for (size_t i = 0; i < episodes.size(); ++i) {
        store::BatchWrite batch;
        batch.organisation_code = episodes[i].org;
        batch.submission_id = "engine-test";
        batch.sequence = sequence++;
        batch.dataset_id = "vcse-service-contacts";
        batch.key_id = "test";
        batch.ack = "ack";
        v1::PseudonymisedRecord record = episodes[i].record;
        record.set_record_pseudonym(std::string(31, 'r') +
                                    static_cast<char>('a' + i));
        batch.records.push_back(
            store::RecordRow{.record_pseudonym = record.record_pseudonym(),
                             .payload = record.SerializeAsString()});
        ASSERT_THAT(store->CommitBatch(std::move(batch)).status(), IsOk());
      }
    }
    EQ_ASSERT_OK_AND_ASSIGN(db_, store::sqlite::Database::Open({.path = path}));
    for (size_t i = 0; i < episodes.size(); ++i) {
      ASSERT_THAT(
          db_->Execute(
              absl::StrCat(
                  "INSERT INTO record_links (record_id, person_id, stage, "
                  "match_probability, linked_at) VALUES (",
                  i + 1, ", ", episodes[i].person, ", 1, 1.0, 0)")
                  .c_str()),
          IsOk());
    }
    EQ_ASSERT_OK_AND_ASSIGN(population_,
                            Population::Build(db_.get(), areas_.get(), period));
  }

  IndicatorTable Compute(const std::string& id) {
    const v1::IndicatorDefinition* indicator = catalogue_->Find(id);
    EXPECT_NE(indicator, nullptr) << id;
    absl::StatusOr<IndicatorTable> table =
        ComputeIndicator(*indicator, *population_, options_);
    EXPECT_TRUE(table.ok()) << table.status();
    return table.ok() ? *std::move(table) : IndicatorTable{};
  }

  static const IndicatorCell& Cell(const IndicatorTable& table,
                                   v1::IndicatorBreakdown breakdown,
                                   const std::string& category) {
    for (const IndicatorCell& cell : table.cells) {
      if (cell.breakdown == breakdown && cell.category == category) {
        return cell;
      }
    }
    ADD_FAILURE() << "no cell " << category;
    static const IndicatorCell kNone;
    return kNone;
  }

  // Five children; person 101 is served by two organisations.
  void StoreFiveChildren() {
    std::vector<Episode> episodes;
    Episode a{.org = "ORGA1",
              .person = 101,
              .record = Record("YOUNG_CARERS", kBirmingham[0], "A", "1", 12,
                               "2026-03-01", "2026-03-11", 3)};
    a.record.add_needs("YOUNG_CARER");
    AddScore(&a.record, "BASELINE", "2026-03-11", 40);
    AddScore(&a.record, "EXIT", "2026-06-01", 46);
    episodes.push_back(a);
    // Later, "not known" ethnicity: the earlier recorded category stands.
    episodes.push_back(
        {.org = "ORGB2",
         .person = 101,
         .record = Record("MH_WELLBEING", kBirmingham[0], "99", "1", 12,
                          "2026-04-01", "2026-04-05", 1)});
    Episode b{.org = "ORGA1",
              .person = 102,
              .record = Record("YOUNG_CARERS", kBirmingham[9], "M", "2", 15,
                               "2026-02-01", "2026-02-21", 1)};
    b.record.add_needs("YOUNG_CARER");
    AddScore(&b.record, "BASELINE", "2026-02-21", 50);
    AddScore(&b.record, "EXIT", "2026-05-01", 49);
    episodes.push_back(b);
    Episode c{.org = "ORGB2",
              .person = 103,
              .record = Record("MH_WELLBEING", kBirmingham[1], "Z", "2", 9,
                               "2026-05-01", "", 0)};
    AddScore(&c.record, "BASELINE", "2026-05-01", 45);  // no exit yet
    episodes.push_back(c);
    // Discharged before the period: not in it.
    Episode d{
        .org = "ORGB2",
        .person = 104,
        .record = Record("FOOD_HAF", "", "", "9", 7, "2025-06-01", "", 4)};
    d.record.set_discharge_date("2025-12-01");
    episodes.push_back(d);
    episodes.push_back(
        {.org = "ORGA1",
         .person = 105,
         .record = Record("YOUTH_WORK", kSolihullDecile10, "H", "1", 16,
                          "2026-07-01", "2026-07-02", 2)});
    // The ICS register: no service dates, so not activity in any period.
    episodes.push_back(
        {.org = "ICSREG",
         .person = 101,
         .record = Record("", kBirmingham[0], "A", "1", 0, "", "", 0)});
    Store(episodes);
  }

  TempDir dir_;
  std::unique_ptr<IndicatorCatalogue> catalogue_;
  std::unique_ptr<AreaLookup> areas_;
  std::unique_ptr<store::sqlite::Database> db_;
  std::unique_ptr<Population> population_;
  EngineOptions options_;
};

TEST_F(IndicatorEngineTest, PopulationCountsEachLinkedPersonOnce) {
  StoreFiveChildren();
  ASSERT_EQ(population_->persons().size(), 4u);  // 101, 102, 103, 105
  EXPECT_EQ(population_->undated_records(), 1u);
  const Person& first = population_->persons()[0];
  EXPECT_EQ(first.person_id, 101);
  EXPECT_EQ(first.records.size(), 2u);
  EXPECT_TRUE(first.linked_across_sources);
  EXPECT_EQ(first.ethnic_group, EthnicGroup::kWhite);
  EXPECT_EQ(first.area->imd_quintile, 1);
  EXPECT_FALSE(population_->persons()[1].linked_across_sources);
}

TEST_F(IndicatorEngineTest, ProportionByHandWithWilsonInterval) {
  StoreFiveChildren();
  // ACC-04: at least two attended contacts. 101 (3) and 105 (2) of four.
  const IndicatorTable table = Compute("ACC-04");
  const IndicatorCell& all = table.cells[0];
  EXPECT_EQ(all.breakdown, v1::INDICATOR_BREAKDOWN_ICS);
  EXPECT_EQ(all.numerator, 2);
  EXPECT_EQ(all.denominator, 4);
  EXPECT_THAT(all.value, Optional(DoubleNear(50.0, 1e-9)));
  // Wilson, z = 1.959964: centre 0.5, half-width 0.349961 (by hand).
  EXPECT_THAT(all.lower, Optional(DoubleNear(15.0039, 1e-4)));
  EXPECT_THAT(all.upper, Optional(DoubleNear(84.9961, 1e-4)));

  const IndicatorCell& q1 =
      Cell(table, v1::INDICATOR_BREAKDOWN_IMD_QUINTILE, "1");  // 101, 103
  EXPECT_EQ(q1.numerator, 1);
  EXPECT_EQ(q1.denominator, 2);
  const IndicatorCell& q3 =
      Cell(table, v1::INDICATOR_BREAKDOWN_IMD_QUINTILE, "3");
  EXPECT_EQ(q3.denominator, 0);
  EXPECT_FALSE(q3.value.has_value());
  EXPECT_EQ(Cell(table, v1::INDICATOR_BREAKDOWN_ETHNIC_GROUP, "Not stated")
                .denominator,
            1);
  // By organisation a person is counted on what each one recorded: ORGA1
  // saw 101 (3 sessions), 102 (1) and 105 (2); ORGB2 saw 101 (1), 103 (0).
  const IndicatorCell& a =
      Cell(table, v1::INDICATOR_BREAKDOWN_ORGANISATION, "ORGA1");
  EXPECT_EQ(a.numerator, 2);
  EXPECT_EQ(a.denominator, 3);
  const IndicatorCell& b =
      Cell(table, v1::INDICATOR_BREAKDOWN_ORGANISATION, "ORGB2");
  EXPECT_EQ(b.numerator, 0);
  EXPECT_EQ(b.denominator, 2);
  EXPECT_EQ(table.imd_version, "IMD2019");
}

TEST_F(IndicatorEngineTest, RatePerResidentChildUsesTheIcsPopulation) {
  StoreFiveChildren();
  // DISC-02: young carers (101, 102) per 1,000 children aged 0-15 in
  // Birmingham and Solihull: 294,381 (IoD2019 File 6, summed by hand).
  const IndicatorTable table = Compute("DISC-02");
  const IndicatorCell& all = table.cells[0];
  EXPECT_EQ(all.numerator, 2);
  EXPECT_EQ(all.denominator, 294381);
  EXPECT_THAT(all.value, Optional(DoubleNear(2.0 / 294381 * 1000, 1e-12)));
  // Exact Poisson limits of a count of 2: 0.242209 and 7.224687.
  EXPECT_THAT(all.lower, Optional(DoubleNear(0.242209 / 294.381, 1e-8)));
  EXPECT_THAT(all.upper, Optional(DoubleNear(7.224687 / 294.381, 1e-8)));
  EXPECT_EQ(Cell(table, v1::INDICATOR_BREAKDOWN_IMD_QUINTILE, "1").denominator,
            179702);
  EXPECT_EQ(Cell(table, v1::INDICATOR_BREAKDOWN_IMD_QUINTILE, "5").numerator,
            1);
  EXPECT_EQ(Cell(table, v1::INDICATOR_BREAKDOWN_IMD_DECILE, "10").denominator,
            13244);

  options_.local_authorities.clear();
  EXPECT_THAT(
      ComputeIndicator(*catalogue_->Find("DISC-02"), *population_, options_),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("local authorities")));
}

TEST_F(IndicatorEngineTest, PairedChangeAndWaitAreMeansWithTIntervals) {
  StoreFiveChildren();
  // MH-04: 101 went 40 -> 46, 102 50 -> 49; 103 has a baseline only.
  const IndicatorTable wellbeing = Compute("MH-04");
  const IndicatorCell& all = wellbeing.cells[0];
  EXPECT_EQ(all.numerator, 2);    // pairs
  EXPECT_EQ(all.denominator, 3);  // baselines: the completion behind it
  EXPECT_THAT(all.value, Optional(DoubleNear(2.5, 1e-12)));
  // sd 4.949747, t(0.975, 1) = 12.706205: half-width 44.4717 (by hand).
  EXPECT_THAT(all.lower, Optional(DoubleNear(2.5 - 44.4717, 1e-3)));
  EXPECT_THAT(all.upper, Optional(DoubleNear(2.5 + 44.4717, 1e-3)));

  // ACC-02: referral to first contact: 10 days (101's first episode), 20
  // (102) and 1 (105); 103 has had no first contact.
  const IndicatorTable wait = Compute("ACC-02");
  EXPECT_EQ(wait.cells[0].numerator, 3);
  EXPECT_THAT(wait.cells[0].value, Optional(DoubleNear(31.0 / 3, 1e-12)));
}

TEST_F(IndicatorEngineTest, SmallCellsAreSuppressedUnderNhsd2018) {
  StoreFiveChildren();
  const IndicatorTable table = Compute("ACC-04");
  EQ_ASSERT_OK_AND_ASSIGN(const disclosure::Profile* profile,
                          disclosure::FindProfile("NHSD_2018"));
  EQ_ASSERT_OK_AND_ASSIGN(const std::vector<disclosure::ShownCell> shown,
                          ApplyDisclosure(table, *profile));
  ASSERT_EQ(shown.size(), table.cells.size());
  // 2 of 4: both counts are 1-7, shown as '*', and so is the value.
  EXPECT_FALSE(shown[0].numerator.has_value());
  EXPECT_FALSE(shown[0].denominator.has_value());
  EXPECT_FALSE(shown[0].value.has_value());
  EXPECT_EQ(shown[0].profile_name, "NHSD_2018");
}

// Twenty children in each Birmingham decile d, 20 - d of whom attended
// twice: 95% in decile 1 down to 50% in decile 10.
std::vector<Episode> TwentyPerDecile() {
  std::vector<Episode> episodes;
  int64_t person = 1;
  for (int d = 1; d <= 10; ++d) {
    for (int i = 0; i < 20; ++i) {
      episodes.push_back(
          {.org = "ORGA1",
           .person = person++,
           .record = Record("MENTORING", kBirmingham[d - 1], "A", "1", 12,
                            "2026-03-01", "2026-03-02", i < 20 - d ? 2 : 1)});
    }
  }
  return episodes;
}

TEST_F(IndicatorEngineTest, SlopeIndexAcrossDecilesByHand) {
  // With equal weights the fitted line is exact: value = 97.5 - 50 x rank,
  // so SII = -50 percentage points and RII = 47.5 / 97.5.
  Store(TwentyPerDecile());
  options_.inequality_repetitions = 10000;
  const IndicatorTable table = Compute("ACC-04");
  EXPECT_EQ(table.inequality_breakdown, v1::INDICATOR_BREAKDOWN_IMD_DECILE);
  ASSERT_TRUE(table.inequality.has_value()) << table.inequality_note;
  EXPECT_NEAR(table.inequality->sii.value, -50.0, 1e-9);
  EXPECT_LT(table.inequality->sii.interval.lower, -50.0);
  EXPECT_GT(table.inequality->sii.interval.upper, -50.0);
  ASSERT_TRUE(table.inequality->rii.has_value());
  EXPECT_NEAR(table.inequality->rii->value, 47.5 / 97.5, 1e-9);
}

TEST_F(IndicatorEngineTest, WholeCatalogueOnTwoThreadsMatchesOneByOne) {
  StoreFiveChildren();
  EQ_ASSERT_OK_AND_ASSIGN(
      const std::vector<IndicatorTable> tables,
      ComputeCatalogue(catalogue_->proto(), *population_, options_, 2));
  ASSERT_EQ(tables.size(), 17u);  // every indicator from submitted data
  for (const IndicatorTable& table : tables) {
    const IndicatorTable alone = Compute(table.indicator_id);
    ASSERT_EQ(table.cells.size(), alone.cells.size()) << table.indicator_id;
    for (size_t i = 0; i < table.cells.size(); ++i) {
      EXPECT_EQ(table.cells[i].numerator, alone.cells[i].numerator);
      EXPECT_EQ(table.cells[i].denominator, alone.cells[i].denominator);
      EXPECT_EQ(table.cells[i].value, alone.cells[i].value);
    }
  }
}

TEST_F(IndicatorEngineTest, ExternalIndicatorIsNotComputed) {
  StoreFiveChildren();
  EXPECT_THAT(
      ComputeIndicator(*catalogue_->Find("CL-01"), *population_, options_),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("external source")));
}

class IndicatorReleaseTest : public IndicatorEngineTest {
 protected:
  absl::StatusOr<v1::IndicatorResponse> Release(const std::string& id,
                                                const std::string& release_id) {
    if (ledger_ == nullptr) {
      EQ_ASSIGN_OR_RETURN(ledger_, disclosure::ReleaseLedger::Open(db_.get()));
    }
    IndicatorRelease release;
    release.indicators = {catalogue_->Find(id)};
    release.catalogue_version = catalogue_->version();
    EQ_ASSIGN_OR_RETURN(release.profile, disclosure::FindProfile("NHSD_2018"));
    release.release_id = release_id;
    release.consumer_organisation = "QHL";
    release.agreement_id = "ICS-QHL-DSA-2026-0007";
    release.agreement_version = 1;
    release.released_at_unix_seconds = 1796000000;
    release.ics_code = "QHL";
    release.ics_name = "Birmingham and Solihull";
    release.engine = options_;
    release.engine.inequality_repetitions = 10000;
    return ReleaseIndicators(*population_, release, ledger_.get());
  }
  std::unique_ptr<disclosure::ReleaseLedger> ledger_;
};

TEST_F(IndicatorReleaseTest, FiguresInFingertipsShapeFromRoundedCounts) {
  Store(TwentyPerDecile());
  EQ_ASSERT_OK_AND_ASSIGN(const v1::IndicatorResponse response,
                          Release("ACC-04", "r1"));
  EXPECT_EQ(response.release_id(), "r1");
  const v1::IndicatorValueRow& all = response.rows(0);
  EXPECT_EQ(all.area_code(), "QHL");
  EXPECT_EQ(all.area_type(), "ICS");
  EXPECT_EQ(all.category_type(), "");
  EXPECT_EQ(all.time_period(), "2026-01-01 to 2026-12-31");
  // 145 of 200 attended twice: both multiples of 5 already.
  EXPECT_EQ(all.count(), "145");
  EXPECT_EQ(all.denominator(), "200");
  EXPECT_TRUE(all.value_shown());
  EXPECT_DOUBLE_EQ(all.value(), 72.5);
  EXPECT_EQ(all.disclosure_profile(), "NHSD_2018 v1");
  EXPECT_EQ(all.imd_version(), "IMD2019");
  // Decile 1: 19 of 20, shown as 20 of 20: the percentage comes from the
  // rounded figures (NHSD_2018).
  bool found = false;
  for (const v1::IndicatorValueRow& row : response.rows()) {
    if (row.category_type() != "IMD decile" ||
        row.category() != "1 (most deprived 10%)") {
      continue;
    }
    found = true;
    EXPECT_EQ(row.count(), "20");
    EXPECT_EQ(row.denominator(), "20");
    EXPECT_DOUBLE_EQ(row.value(), 100.0);
  }
  EXPECT_TRUE(found);
  ASSERT_EQ(response.inequalities_size(), 1);
  EXPECT_TRUE(response.inequalities(0).computed());
  EXPECT_NEAR(response.inequalities(0).sii(), -50.0, 1e-9);
}

TEST_F(IndicatorReleaseTest, DifferencingAgainstAnEarlierReleaseIsRefused) {
  // Three more children in decile 1, referred in July.
  std::vector<Episode> episodes = TwentyPerDecile();
  for (int64_t i = 0; i < 3; ++i) {
    episodes.push_back({.org = "ORGA1",
                        .person = 1000 + i,
                        .record = Record("MENTORING", kBirmingham[0], "A", "1",
                                         12, "2026-07-10", "2026-07-11", 2)});
  }
  Store(episodes,
        Period{absl::CivilDay(2026, 1, 1), absl::CivilDay(2026, 6, 30)});
  EQ_ASSERT_OK_AND_ASSIGN(const v1::IndicatorResponse first,
                          Release("ACC-04", "jan-jun"));
  EXPECT_EQ(first.rows(0).denominator(), "200");
  // January to July holds the same children and three more: the difference
  // of the two totals would be those three.
  EQ_ASSERT_OK_AND_ASSIGN(
      population_, Population::Build(db_.get(), areas_.get(),
                                     Period{absl::CivilDay(2026, 1, 1),
                                            absl::CivilDay(2026, 7, 31)}));
  EXPECT_THAT(
      Release("ACC-04", "jan-jul"),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("ACC-04")));
  EQ_ASSERT_OK_AND_ASSIGN(
      const int64_t releases,
      db_->QueryInt64("SELECT count(*) FROM release_ledger"));
  EXPECT_EQ(releases, 1);  // the refused one wrote nothing
}

}  // namespace
}  // namespace equilink::framework
