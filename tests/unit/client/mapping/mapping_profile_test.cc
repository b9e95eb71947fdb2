#include "client/mapping/mapping_profile.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace equilink::client {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::testing::HasSubstr;

constexpr absl::string_view kMinimal = R"pb(
  profile_id: "test-v1"
  organisation_code: "8HX12"
  dataset_id: "vcse-service-contacts"
  columns { column: "Ref" field: FIELD_LOCAL_RECORD_ID }
)pb";

// The profile error for kMinimal plus `extra` text.
absl::Status ErrorWith(absl::string_view extra) {
  return ParseMappingProfile(std::string(kMinimal) + std::string(extra))
      .status();
}

void ExpectRule(absl::string_view extra, absl::string_view rule) {
  EXPECT_THAT(ErrorWith(extra),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(rule)))
      << extra;
}

TEST(MappingProfileTest, MinimalProfileParses) {
  auto profile = ParseMappingProfile(kMinimal);
  ASSERT_THAT(profile, IsOk());
  EXPECT_EQ(profile->profile_id(), "test-v1");
  EXPECT_EQ(ProfileDelimiter(*profile), ',');
}

TEST(MappingProfileTest, SyntaxErrorsGiveLineAndColumn) {
  EXPECT_THAT(
      ParseMappingProfile("profile_id: \"x\"\ncolumnz { }\n"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 2 column")));
  EXPECT_THAT(
      ParseMappingProfile("columns { column: \"a\" field: FIELD_BOGUS }"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 1")));
}

TEST(MappingProfileTest, EveryRuleIsNamed) {
  ExpectRule("delimiter: \";;\"", "BAD_DELIMITER");
  ExpectRule("delimiter: \"\\\"\"", "BAD_DELIMITER");
  ExpectRule("date_formats: \"%d/%m\"", "BAD_DATE_FORMAT");
  ExpectRule("date_formats: \"%d/%m/%Q\"", "BAD_DATE_FORMAT");
  ExpectRule("columns { column: \"\" field: FIELD_SEX }", "EMPTY_COLUMN_NAME");
  ExpectRule("columns { column: \"Sex\" }", "UNKNOWN_FIELD");
  ExpectRule("columns { column: \"Ref\" field: FIELD_IGNORE }",
             "DUPLICATE_COLUMN");
  ExpectRule("columns { column: \"Ref2\" field: FIELD_LOCAL_RECORD_ID }",
             "DUPLICATE_MAPPING");
  ExpectRule(
      "columns { column: \"W\" field: FIELD_OUTCOME_SCORE "
      "outcome_timepoint: \"BASELINE\" }",
      "OUTCOME_WITHOUT_INSTRUMENT");
  ExpectRule(
      "columns { column: \"W\" field: FIELD_OUTCOME_SCORE "
      "outcome_instrument: \"WEMWBS14\" }",
      "OUTCOME_WITHOUT_TIMEPOINT");
  ExpectRule(
      "columns { column: \"W\" field: FIELD_OUTCOME_SCORE "
      "outcome_instrument: \"WEMWBS\" outcome_timepoint: \"BASELINE\" }",
      "UNKNOWN_INSTRUMENT");
  ExpectRule(
      "columns { column: \"W\" field: FIELD_OUTCOME_SCORE "
      "outcome_instrument: \"WEMWBS14\" outcome_timepoint: \"PRE\" }",
      "BAD_TIMEPOINT");
  ExpectRule(
      "columns { column: \"W1\" field: FIELD_OUTCOME_SCORE "
      "outcome_instrument: \"GBO\" outcome_timepoint: \"EXIT\" }"
      "columns { column: \"W2\" field: FIELD_OUTCOME_SCORE "
      "outcome_instrument: \"GBO\" outcome_timepoint: \"EXIT\" }",
      "DUPLICATE_MAPPING");
  ExpectRule("columns { column: \"YC\" field: FIELD_NEED_FLAG }",
             "NEED_FLAG_WITHOUT_CODE");
  ExpectRule(
      "columns { column: \"YC\" field: FIELD_NEED_FLAG need_code: \"young "
      "carer\" }",
      "BAD_NEED_CODE");
  ExpectRule("columns { column: \"S\" field: FIELD_SEX need_code: \"X\" }",
             "MISPLACED_OPTION");
  ExpectRule(
      "columns { column: \"S\" field: FIELD_SEX outcome_instrument: \"GBO\" }",
      "MISPLACED_OPTION");
  ExpectRule("value_maps { field: FIELD_POSTCODE }", "VALUE_MAP_FIELD");
  ExpectRule("value_maps { field: FIELD_SEX } value_maps { field: FIELD_SEX }",
             "DUPLICATE_VALUE_MAP");
  ExpectRule(
      "value_maps { field: FIELD_SEX entries { local: \"Male\" code: \"M\" } }",
      "VALUE_MAP_BAD_CODE");
  ExpectRule(
      "value_maps { field: FIELD_SEX entries { local: \"Male\" code: \"1\" } "
      "entries { local: \" MALE\" code: \"1\" } }",
      "VALUE_MAP_DUPLICATE_LOCAL");
  ExpectRule("yes_values: \" \"", "EMPTY_YES_VALUE");
}

TEST(MappingProfileTest, MissingIdsAreNamed) {
  EXPECT_THAT(ParseMappingProfile("organisation_code: \"X\""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("MISSING_PROFILE_ID"),
                             HasSubstr("MISSING_LOCAL_RECORD_ID"))));
  EXPECT_THAT(
      ParseMappingProfile("profile_id: \"p\" columns { column: \"R\" field: "
                          "FIELD_LOCAL_RECORD_ID }"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("MISSING_ORGANISATION_CODE")));
}

TEST(MappingProfileTest, LoadsShippedProfiles) {
  for (const char* path : {"client/profiles/charitylog.textproto",
                           "client/profiles/lamplight.textproto"}) {
    auto profile = LoadMappingProfile(path);
    ASSERT_THAT(profile, IsOk()) << path;
    EXPECT_EQ(profile->dataset_id(), "vcse-service-contacts");
    EXPECT_GE(profile->value_maps_size(), 4);
  }
}

TEST(MappingProfileTest, MissingFileIsNotFound) {
  EXPECT_THAT(LoadMappingProfile("/nonexistent/profile.textproto"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(MappingProfileTest, FebrlOptionRules) {
  ExpectRule(
      "columns { column: \"Sex\" field: FIELD_SEX invalid_as_missing: true }",
      "MISPLACED_OPTION");
  ExpectRule("postcode_format: 7", "UNKNOWN_POSTCODE_FORMAT");
  ExpectRule("national_id_check: 9", "UNKNOWN_NATIONAL_ID_CHECK");
  // A locality may come from several columns, like the address line.
  EXPECT_THAT(ParseMappingProfile(std::string(kMinimal) +
                                  "columns { column: \"Town\" field: "
                                  "FIELD_LOCALITY }\n"
                                  "columns { column: \"Suburb\" field: "
                                  "FIELD_LOCALITY }\n"
                                  "columns { column: \"DOB\" field: "
                                  "FIELD_DATE_OF_BIRTH invalid_as_missing: "
                                  "true }\n"
                                  "postcode_format: POSTCODE_FORMAT_FREE_TEXT\n"
                                  "national_id_check: NATIONAL_ID_CHECK_NONE"),
              IsOk());
}

}  // namespace
}  // namespace equilink::client
