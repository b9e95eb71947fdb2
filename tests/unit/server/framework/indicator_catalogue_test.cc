#include "server/framework/indicator_catalogue.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace equilink::framework {
namespace {

using ::equilink::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kSeed[] = "deploy/framework/indicators.textproto";

TEST(IndicatorCatalogueTest, SeedComputesEveryIndicatorVcseDataFeeds) {
  EQ_ASSERT_OK_AND_ASSIGN(auto catalogue, IndicatorCatalogue::Load(kSeed));
  EXPECT_FALSE(catalogue->version().empty());
  // Every row of the seed (indicators.md) is catalogued.
  EXPECT_EQ(catalogue->proto().indicators_size(), 58);
  // The list: reach, food insecurity, young carers, ethnicity
  // recording, paired wellbeing and SDQ change, Core20 reach, wait,
  // engagement, linkage rate.
  for (const char* id : {"ED-06", "INC-05", "DISC-02", "DISC-04", "MH-04",
                         "MH-05", "ACC-01", "ACC-02", "ACC-04", "ACC-05"}) {
    const v1::IndicatorDefinition* indicator = catalogue->Find(id);
    ASSERT_NE(indicator, nullptr) << id;
    EXPECT_EQ(indicator->source(), v1::INDICATOR_SOURCE_SUBMITTED) << id;
  }
  int submitted = 0;
  for (const v1::IndicatorDefinition& indicator :
       catalogue->proto().indicators()) {
    if (indicator.vcse_feed() == "Y") {
      EXPECT_EQ(indicator.source(), v1::INDICATOR_SOURCE_SUBMITTED)
          << indicator.id();
    }
    if (indicator.source() == v1::INDICATOR_SOURCE_SUBMITTED) ++submitted;
  }
  EXPECT_EQ(submitted, 17);
  const v1::IndicatorDefinition& sdq = *catalogue->Find("MH-05");
  EXPECT_EQ(sdq.value_type(), v1::INDICATOR_VALUE_MEAN_PAIRED_CHANGE);
  EXPECT_TRUE(sdq.paired_scores().lower_is_better());
  const v1::IndicatorDefinition& asthma = *catalogue->Find("CL-01");
  EXPECT_EQ(asthma.source(), v1::INDICATOR_SOURCE_EXTERNAL);
  EXPECT_EQ(asthma.fingertips_id(), "92780");
  EXPECT_EQ(catalogue->Find("XX-99"), nullptr);
}

// A valid proportion to break one rule at a time.
std::string Catalogue(const std::string& extra_fields,
                      const std::string& id = "ACC-05") {
  return "version: \"t1\"\n"
         "indicators {\n"
         "  id: \"" +
         id +
         "\" name: \"Linkage rate\" domain: \"ACC\"\n"
         "  definition: \"Records with a linkable NHS number\"\n"
         "  source: INDICATOR_SOURCE_SUBMITTED vcse_feed: \"Y\"\n"
         "  numerator { condition { nhs_number_linkable: true } }\n"
         "  breakdowns: INDICATOR_BREAKDOWN_ICS\n" +
         extra_fields + "}\n";
}

constexpr char kProportion[] =
    "  value_type: INDICATOR_VALUE_PROPORTION multiplier: 100\n"
    "  denominator_persons { condition { } }\n"
    "  disclosure_profile: \"NHSD_2018\" min_period_months: 3\n";

TEST(IndicatorCatalogueTest, ValidDefinitionLoads) {
  EQ_ASSERT_OK_AND_ASSIGN(auto catalogue,
                          IndicatorCatalogue::Parse(Catalogue(kProportion)));
  EXPECT_EQ(catalogue->version(), "t1");
}

TEST(IndicatorCatalogueTest, EachBrokenRuleNamesTheIndicatorAndField) {
  struct Case {
    std::string text;
    std::string says;
  };
  const Case cases[] = {
      {Catalogue("  value_type: INDICATOR_VALUE_PROPORTION multiplier: 100\n"
                 "  denominator_persons { condition { } }\n"
                 "  disclosure_profile: \"ROUND3\" min_period_months: 3\n"),
       "disclosure_profile \"ROUND3\""},
      {Catalogue("  value_type: INDICATOR_VALUE_PROPORTION multiplier: 100\n"
                 "  disclosure_profile: \"NHSD_2018\" min_period_months: 3\n"),
       "a proportion needs denominator_persons"},
      {Catalogue("  value_type: INDICATOR_VALUE_RATE multiplier: 1000\n"
                 "  resident_population { group: GROUP_CHILDREN_0_15 }\n"
                 "  breakdowns: INDICATOR_BREAKDOWN_ETHNIC_GROUP\n"
                 "  disclosure_profile: \"NHSD_2018\" min_period_months: 3\n"),
       "by area only"},
      {Catalogue("  value_type: INDICATOR_VALUE_MEAN multiplier: 1\n"
                 "  days_between { from_field: \"referral_date\" to_field: "
                 "\"date_of_birth\" }\n"
                 "  disclosure_profile: \"NHSD_2018\" min_period_months: 3\n"),
       "days_between"},
      {Catalogue("  value_type: INDICATOR_VALUE_MEAN_PAIRED_CHANGE "
                 "multiplier: 1\n"
                 "  paired_scores { instruments: \"SDQ_TOTAL\" "
                 "from_timepoint: \"EXIT\" to_timepoint: \"EXIT\" }\n"
                 "  disclosure_profile: \"NHSD_2018\" min_period_months: 3\n"),
       "two different timepoints"},
      {Catalogue(kProportion, "ACC5"), "not a domain code"},
      {Catalogue("  value_type: INDICATOR_VALUE_PROPORTION multiplier: 100\n"
                 "  denominator_persons { condition { } }\n"
                 "  disclosure_profile: \"NHSD_2018\" min_period_months: 2\n"),
       "min_period_months must be"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(IndicatorCatalogue::Parse(c.text),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.says)))
        << c.text;
  }
  EXPECT_THAT(IndicatorCatalogue::Parse(Catalogue(kProportion)).status(),
              StatusIs(absl::StatusCode::kOk));
}

TEST(IndicatorCatalogueTest, VcseFedIndicatorMayNotBeLeftExternal) {
  const std::string text =
      "version: \"t1\"\n"
      "indicators { id: \"DISC-02\" name: \"Young carers\" domain: \"DISC\"\n"
      "  definition: \"Young carers per 1,000\" vcse_feed: \"Y\"\n"
      "  source: INDICATOR_SOURCE_EXTERNAL external_source: \"VCSE\" }\n";
  EXPECT_THAT(IndicatorCatalogue::Parse(text),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("DISC-02"),
                             HasSubstr("computed from submitted data"))));
}

TEST(IndicatorCatalogueTest, DuplicateIdAndSyntaxErrorsAreReported) {
  const std::string one = Catalogue(kProportion);
  const std::string twice = one + one.substr(one.find("indicators {"));
  EXPECT_THAT(IndicatorCatalogue::Parse(twice),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("ACC-05"), HasSubstr("twice"))));
  EXPECT_THAT(
      IndicatorCatalogue::Parse("version: \"t1\"\nindicators { id: "),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 2")));
  EXPECT_THAT(IndicatorCatalogue::Load("deploy/framework/absent.textproto"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent")));
}

}  // namespace
}  // namespace equilink::framework
