#include "client/commands/indicators_command.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace equilink::client {
namespace {

using ::equilink::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

v1::IndicatorResponse Response() {
  v1::IndicatorResponse response;
  response.set_release_id("QHL-1");
  v1::IndicatorValueRow* all = response.add_rows();
  all->set_indicator_id("ACC-04");
  all->set_indicator_name("Engagement, drop-out");
  all->set_area_code("QHL");
  all->set_area_name("Birmingham and Solihull");
  all->set_area_type("ICS");
  all->set_time_period("2026-01-01 to 2026-12-31");
  all->set_value_shown(true);
  all->set_value(72.5);
  all->set_lower_ci_95(65.9);
  all->set_upper_ci_95(78.2);
  all->set_count("145");
  all->set_denominator("200");
  all->set_disclosure_profile("NHSD_2018 v1");
  all->set_imd_version("IMD2019");
  all->set_catalogue_version("2026-12-seed-1");
  v1::IndicatorValueRow* small = response.add_rows();
  *small = *all;
  small->set_category_type("Ethnic group");
  small->set_category("Mixed");
  small->set_value_shown(false);
  small->set_count("*");
  small->set_denominator("*");
  small->set_value_note("suppressed: small count");
  v1::InequalityRow* sii = response.add_inequalities();
  sii->set_indicator_id("ACC-04");
  sii->set_breakdown("IMD decile");
  sii->set_computed(true);
  sii->set_sii(-50);
  sii->set_sii_lower_95(-61.2);
  sii->set_sii_upper_95(-38.9);
  return response;
}

TEST(IndicatorsCommandTest, CsvHasFingertipsColumnsAndQuotesCommas) {
  IndicatorsOptions options;
  options.format = IndicatorFormat::kCsv;
  const std::string csv = FormatIndicators(Response(), options);
  EXPECT_THAT(csv, HasSubstr("Indicator ID,Indicator Name,Area Code,Area "
                             "Name,Area Type,Category Type,Category,Time "
                             "period,Value,Lower CI 95.0 limit"));
  // The name holds a comma: one quoted field.
  EXPECT_THAT(csv, HasSubstr("ACC-04,\"Engagement, drop-out\",QHL,"));
  EXPECT_THAT(csv, HasSubstr(",72.5,65.9,78.2,145,200,,NHSD_2018 v1,"));
  // A suppressed value is empty, its counts '*', and the note says why.
  EXPECT_THAT(csv, HasSubstr("Ethnic group,Mixed,2026-01-01 to 2026-12-31,,,,"
                             "*,*,suppressed: small count"));
}

TEST(IndicatorsCommandTest, TableShowsStarsAndTheSlopeIndex) {
  IndicatorsOptions options;
  const std::string table = FormatIndicators(Response(), options);
  EXPECT_THAT(table, HasSubstr("72.50"));
  EXPECT_THAT(table, HasSubstr("65.90 - 78.20"));
  EXPECT_THAT(table, HasSubstr("-50.00 (-61.20 to -38.90)"));
  EXPECT_THAT(table, HasSubstr("NHSD_2018 v1 disclosure control; IMD2019"));
  // Only the breakdowns asked for, with the whole-ICS rows.
  options.category_types = {"IMD quintile"};
  EXPECT_THAT(FormatIndicators(Response(), options), Not(HasSubstr("Mixed")));
}

TEST(IndicatorsCommandTest, JsonKeepsFieldNames) {
  IndicatorsOptions options;
  options.format = IndicatorFormat::kJson;
  EXPECT_THAT(FormatIndicators(Response(), options),
              HasSubstr("\"indicator_id\": \"ACC-04\""));
}

TEST(IndicatorsCommandTest, FormatAndRequiredFlagsAreChecked) {
  EXPECT_THAT(ParseIndicatorFormat("xml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("xml")));
  IndicatorsOptions options;
  EXPECT_THAT(
      RunIndicators(options),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--purpose")));
}

}  // namespace
}  // namespace equilink::client
