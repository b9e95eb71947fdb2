#include "client/mapping/row_mapper.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "client/mapping/mapping_profile.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace equilink::client {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr absl::string_view kProfile = R"pb(
  profile_id: "unit-v1"
  organisation_code: "8HX12"
  date_formats: "%d/%m/%Y"
  date_formats: "%d-%b-%Y"
  columns { column: "Ref" field: FIELD_LOCAL_RECORD_ID }
  columns { column: "Client" field: FIELD_LOCAL_CLIENT_ID }
  columns { column: "NHS" field: FIELD_NHS_NUMBER }
  columns { column: "Name" field: FIELD_FULL_NAME }
  columns { column: "DOB" field: FIELD_DATE_OF_BIRTH required: true }
  columns { column: "Gender" field: FIELD_SEX }
  columns { column: "Ethnicity" field: FIELD_ETHNICITY }
  columns { column: "Addr1" field: FIELD_ADDRESS_LINE }
  columns { column: "Addr2" field: FIELD_ADDRESS_LINE }
  columns { column: "Postcode" field: FIELD_POSTCODE }
  columns { column: "Service" field: FIELD_SERVICE_TYPE }
  columns { column: "Referred" field: FIELD_REFERRAL_DATE }
  columns { column: "Source" field: FIELD_REFERRAL_SOURCE }
  columns { column: "Ended" field: FIELD_DISCHARGE_DATE }
  columns { column: "Offered" field: FIELD_SESSIONS_OFFERED }
  columns { column: "Attended" field: FIELD_SESSIONS_ATTENDED }
  columns {
    column: "WEMWBS pre"
    field: FIELD_OUTCOME_SCORE
    outcome_instrument: "WEMWBS14"
    outcome_timepoint: "BASELINE"
    outcome_date_column: "WEMWBS date"
  }
  columns {
    column: "Young carer"
    field: FIELD_NEED_FLAG
    need_code: "YOUNG_CARER"
  }
  columns { column: "Notes" field: FIELD_IGNORE }
  value_maps {
    field: FIELD_SEX
    entries { local: "Male" code: "1" }
    entries { local: "Female" code: "2" }
  }
  value_maps {
    field: FIELD_ETHNICITY
    entries { local: "White - British" code: "A" }
  }
  value_maps {
    field: FIELD_SERVICE_TYPE
    entries { local: "Young Carers" code: "YOUNG_CARERS" }
  }
  value_maps {
    field: FIELD_REFERRAL_SOURCE
    pass_through_valid_codes: true
    entries { local: "GP Surgery" code: "GP" }
  }
)pb";

constexpr absl::string_view kHeader =
    "Ref|Client|NHS|Name|DOB|Gender|Ethnicity|Addr1|Addr2|Postcode|Service|"
    "Referred|Source|Ended|Offered|Attended|WEMWBS pre|WEMWBS date|"
    "Young carer|Notes";
// A good row; tests change one cell at a time.
constexpr absl::string_view kGoodRow =
    "R1|C1|943 476 5919|SMITH, Jo Anne|12/03/2014|female|White - British|"
    "1 High St|Flat 2|b15 2tt|Young Carers|01-Feb-2025|GP Surgery|"
    "30/04/2025|8|6|41|03/02/2025|Yes|free text, ignored";

const absl::CivilDay kToday(2025, 6, 30);

CsvRow Row(absl::string_view pipes, int number = 2) {
  CsvRow row;
  row.row_number = number;
  row.fields = absl::StrSplit(pipes, '|');
  return row;
}

int ColumnIndex(absl::string_view name) {
  std::vector<std::string> names = absl::StrSplit(kHeader, '|');
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<int>(i);
  }
  ADD_FAILURE() << "no column " << name;
  return 0;
}

CsvRow GoodRowWith(absl::string_view column, absl::string_view value) {
  CsvRow row = Row(kGoodRow);
  row.fields[ColumnIndex(column)] = std::string(value);
  return row;
}

class RowMapperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto profile = ParseMappingProfile(kProfile);
    ASSERT_THAT(profile, IsOk());
    profile_ = *profile;
    auto lookup = PostcodeLookup::FromString(
        "pcds,doterm,lsoa11\nB15 2TT,,E01009109\nB1 1AA,,E01033620\n");
    ASSERT_THAT(lookup, IsOk());
    lookup_ = *std::move(lookup);
    auto mapper =
        RowMapper::Create(profile_, Row(kHeader, 1), lookup_.get(), kToday);
    ASSERT_THAT(mapper, IsOk());
    mapper_ = *std::move(mapper);
  }

  MappedRow Map(const CsvRow& row) {
    MappedRow out;
    mapper_->Map(row, &out);
    return out;
  }

  // "column:RULE:severity" for each issue.
  std::vector<std::string> Issues(const CsvRow& row) {
    std::vector<std::string> out;
    for (const RowIssue& issue : Map(row).issues) {
      out.push_back(issue.field + ":" + issue.rule + ":" +
                    std::string(SeverityName(issue.severity)));
    }
    return out;
  }

  v1::MappingProfile profile_;
  std::unique_ptr<PostcodeLookup> lookup_;
  std::unique_ptr<RowMapper> mapper_;
};

TEST_F(RowMapperTest, MapsEveryField) {
  const MappedRow row = Map(Row(kGoodRow, 7));
  EXPECT_THAT(row.issues, IsEmpty());
  EXPECT_FALSE(row.rejected);
  EXPECT_EQ(row.row_number, 7);
  EXPECT_EQ(row.ids.organisation_code, "8HX12");
  EXPECT_EQ(row.ids.local_record_id, "R1");
  EXPECT_EQ(row.ids.local_client_id, "C1");
  EXPECT_EQ(row.ids.nhs_number, "943 476 5919");
  EXPECT_EQ(row.ids.surname, "SMITH");
  EXPECT_EQ(row.ids.forename, "Jo Anne");
  EXPECT_EQ(row.ids.date_of_birth, absl::CivilDay(2014, 3, 12));
  EXPECT_EQ(row.ids.sex_code, "2");
  EXPECT_EQ(row.ids.postcode, "b15 2tt");
  EXPECT_EQ(row.ids.address_line, "1 High St Flat 2");
  const v1::PseudonymisedRecord& r = row.record;
  EXPECT_EQ(r.birth_year_month(), "2014-03");
  EXPECT_EQ(r.age_at_referral(), 10u);
  EXPECT_EQ(r.lsoa_code(), "E01009109");
  EXPECT_EQ(r.sex_code(), "2");
  EXPECT_EQ(r.ethnic_category(), "A");
  EXPECT_EQ(r.service_type(), "YOUNG_CARERS");
  EXPECT_EQ(r.referral_date(), "2025-02-01");
  EXPECT_EQ(r.referral_source(), "GP");
  EXPECT_EQ(r.discharge_date(), "2025-04-30");
  EXPECT_EQ(r.sessions_offered(), 8u);
  EXPECT_EQ(r.sessions_attended(), 6u);
  ASSERT_EQ(r.outcomes_size(), 1);
  EXPECT_EQ(r.outcomes(0).instrument(), "WEMWBS14");
  EXPECT_EQ(r.outcomes(0).timepoint(), "BASELINE");
  EXPECT_EQ(r.outcomes(0).total(), 41);
  EXPECT_EQ(r.outcomes(0).date(), "2025-02-03");
  EXPECT_THAT(r.needs(), ElementsAre("YOUNG_CARER"));
  // Identity fields are the pseudonymiser's.
  EXPECT_TRUE(r.record_pseudonym().empty());
}

TEST_F(RowMapperTest, FilledFieldsPassTheGatewayRules) {
  MappedRow row = Map(Row(kGoodRow));
  row.record.set_record_pseudonym(std::string(32, 'r'));
  row.record.set_nhs_number_status(v1::NHS_NUMBER_ABSENT);
  EXPECT_FALSE(CheckPseudonymisedRecord(row.record).has_value());
}

TEST_F(RowMapperTest, ReusedOutputIsReset) {
  MappedRow out;
  mapper_->Map(GoodRowWith("Gender", "Martian"), &out);
  EXPECT_TRUE(out.rejected);
  mapper_->Map(GoodRowWith("Young carer", "no"), &out);
  EXPECT_FALSE(out.rejected);
  EXPECT_THAT(out.issues, IsEmpty());
  EXPECT_THAT(out.record.needs(), IsEmpty());
  EXPECT_EQ(out.record.outcomes_size(), 1);
}

TEST_F(RowMapperTest, HeaderErrorsNameTheColumnOrPosition) {
  EXPECT_THAT(RowMapper::Create(profile_, Row("Ref|Client"), nullptr, kToday),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("MISSING_COLUMN"), HasSubstr("\"DOB\""),
                             HasSubstr("\"WEMWBS date\""))));
  const std::string doubled = std::string(kHeader) + "|DOB";
  EXPECT_THAT(RowMapper::Create(profile_, Row(doubled), nullptr, kToday),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("DUPLICATE_HEADER")));
  const std::string extra = std::string(kHeader) + "|Jane Doe";
  EXPECT_THAT(RowMapper::Create(profile_, Row(extra), nullptr, kToday), IsOk());
  profile_.set_reject_unmapped_columns(true);
  auto strict = RowMapper::Create(profile_, Row(extra), nullptr, kToday);
  EXPECT_THAT(strict,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("UNMAPPED_COLUMN"), HasSubstr("21 (U)"),
                             Not(HasSubstr("Jane")))));
}

TEST_F(RowMapperTest, RaggedRowsAreRejectedWhole) {
  EXPECT_THAT(Issues(Row("R1|C1|x")), ElementsAre(":RAGGED_ROW:reject"));
  EXPECT_THAT(Issues(Row(std::string(kGoodRow) + "|extra")),
              ElementsAre(":RAGGED_ROW:reject"));
}

TEST_F(RowMapperTest, RequiredFields) {
  EXPECT_THAT(Issues(GoodRowWith("Ref", "  ")),
              ElementsAre("Ref:REQUIRED:reject"));
  EXPECT_THAT(Issues(GoodRowWith("DOB", "")),
              ElementsAre("DOB:REQUIRED:reject"));
  EXPECT_THAT(Issues(GoodRowWith("Gender", "")), IsEmpty());
}

TEST_F(RowMapperTest, NhsNumberProblemsAreWarnings) {
  MappedRow row = Map(GoodRowWith("NHS", "943 476 5918"));
  EXPECT_FALSE(row.rejected);
  EXPECT_EQ(row.ids.nhs_number, "943 476 5918");
  EXPECT_THAT(Issues(GoodRowWith("NHS", "943 476 5918")),
              ElementsAre("NHS:NHS_NUMBER_CHECKSUM:warning"));
  EXPECT_THAT(Issues(GoodRowWith("NHS", "94347659")),
              ElementsAre("NHS:NHS_NUMBER_FORMAT:warning"));
  EXPECT_THAT(Issues(GoodRowWith("NHS", "")), IsEmpty());
}

TEST_F(RowMapperTest, PostcodeProblemsAreWarnings) {
  MappedRow row = Map(GoodRowWith("Postcode", "B99 9ZZ"));
  EXPECT_FALSE(row.rejected);
  EXPECT_TRUE(row.record.lsoa_code().empty());
  EXPECT_THAT(Issues(GoodRowWith("Postcode", "B99 9ZZ")),
              ElementsAre("Postcode:POSTCODE_NOT_IN_LOOKUP:warning"));
  EXPECT_THAT(Issues(GoodRowWith("Postcode", "not a postcode")),
              ElementsAre("Postcode:POSTCODE_FORMAT:warning"));
}

TEST_F(RowMapperTest, Dates) {
  EXPECT_THAT(Issues(GoodRowWith("DOB", "2014-03-12")),
              ElementsAre("DOB:DATE_FORMAT:reject"));
  EXPECT_THAT(Issues(GoodRowWith("Referred", "31/02/2025")),
              ElementsAre("Referred:DATE_FORMAT:reject"));
  EXPECT_THAT(Issues(GoodRowWith("Referred", "01/07/2025")),
              ElementsAre("Referred:DATE_IN_FUTURE:reject"));
  EXPECT_THAT(Issues(GoodRowWith("WEMWBS date", "Feb 2025")),
              ElementsAre("WEMWBS date:DATE_FORMAT:reject"));
  EXPECT_THAT(Issues(GoodRowWith("DOB", "02/02/2025")),
              ElementsAre("DOB:DATE_ORDER:reject"));
  EXPECT_THAT(Issues(GoodRowWith("Ended", "01/01/2025")),
              ElementsAre("Ended:DATE_ORDER:warning"));
}

TEST_F(RowMapperTest, AgeAtReferralCountsWholeYears) {
  EXPECT_EQ(Map(GoodRowWith("DOB", "01/02/2015")).record.age_at_referral(),
            10u);
  EXPECT_EQ(Map(GoodRowWith("DOB", "02/02/2015")).record.age_at_referral(), 9u);
}

TEST_F(RowMapperTest, Codesets) {
  EXPECT_THAT(Issues(GoodRowWith("Gender", "Martian")),
              ElementsAre("Gender:CODESET:reject"));
  EXPECT_THAT(Issues(GoodRowWith("Gender", "1")),
              ElementsAre("Gender:CODESET:reject"));  // no pass-through
  EXPECT_THAT(Issues(GoodRowWith("Ethnicity", "White British")),
              ElementsAre("Ethnicity:CODESET:reject"));
  EXPECT_THAT(Issues(GoodRowWith("Service", "Boxing")),
              ElementsAre("Service:CODESET:reject"));
  EXPECT_EQ(Map(GoodRowWith("Source", "camhs")).record.referral_source(),
            "CAMHS");
}

TEST_F(RowMapperTest, ScoresAndCounts) {
  EXPECT_THAT(Issues(GoodRowWith("WEMWBS pre", "71")),
              ElementsAre("WEMWBS pre:SCORE_RANGE:reject"));
  EXPECT_THAT(Issues(GoodRowWith("WEMWBS pre", "13.5")),
              ElementsAre("WEMWBS pre:SCORE_RANGE:reject"));
  EXPECT_THAT(Issues(GoodRowWith("WEMWBS pre", "forty")),
              ElementsAre("WEMWBS pre:NUMBER_FORMAT:reject"));
  EXPECT_THAT(Issues(GoodRowWith("WEMWBS pre", "nan")),
              ElementsAre("WEMWBS pre:NUMBER_FORMAT:reject"));
  EXPECT_EQ(Map(GoodRowWith("WEMWBS pre", "")).record.outcomes_size(), 0);
  EXPECT_THAT(Issues(GoodRowWith("Attended", "9")),
              ElementsAre("Attended:SESSION_COUNTS:reject"));
  EXPECT_THAT(Issues(GoodRowWith("Offered", "-1")),
              ElementsAre("Offered:NUMBER_FORMAT:reject"));
}

TEST_F(RowMapperTest, NeedFlagsUseYesValues) {
  for (const char* yes : {"Yes", "Y", "TRUE", "1", " yes "}) {
    EXPECT_THAT(Map(GoodRowWith("Young carer", yes)).record.needs(),
                ElementsAre("YOUNG_CARER"))
        << yes;
  }
  for (const char* no : {"No", "N", "0", "maybe"}) {
    EXPECT_THAT(Map(GoodRowWith("Young carer", no)).record.needs(), IsEmpty());
  }
}

TEST_F(RowMapperTest, FullNameForms) {
  MappedRow row = Map(GoodRowWith("Name", "Jo Anne Smith"));
  EXPECT_EQ(row.ids.forename, "Jo");
  EXPECT_EQ(row.ids.surname, "Smith");
  row = Map(GoodRowWith("Name", "Cher"));
  EXPECT_EQ(row.ids.forename, "");
  EXPECT_EQ(row.ids.surname, "Cher");
}

TEST_F(RowMapperTest, InvalidUtf8InMappedColumnsRejects) {
  CsvRow row = GoodRowWith("Name", "Zo\xEB Smith");
  row.invalid_utf8_fields = {ColumnIndex("Name")};
  EXPECT_THAT(Issues(row), ElementsAre("Name:INVALID_UTF8:reject"));
  row = GoodRowWith("Notes", "caf\xE9");
  row.invalid_utf8_fields = {ColumnIndex("Notes")};  // ignored column
  EXPECT_THAT(Issues(row), IsEmpty());
}

TEST_F(RowMapperTest, WithoutLookupNoLsoaAndNoWarning) {
  auto mapper = RowMapper::Create(profile_, Row(kHeader, 1), nullptr, kToday);
  ASSERT_THAT(mapper, IsOk());
  MappedRow out;
  (*mapper)->Map(Row(kGoodRow), &out);
  EXPECT_THAT(out.issues, IsEmpty());
  EXPECT_TRUE(out.record.lsoa_code().empty());
}

TEST_F(RowMapperTest, DefaultSchemesAreUk) {
  const MappedRow row = Map(Row(kGoodRow));
  EXPECT_EQ(row.ids.postcode_scheme, PostcodeScheme::kUk);
  EXPECT_EQ(row.ids.national_id_scheme, NationalIdScheme::kNhsNumber);
  EXPECT_TRUE(row.ids.locality.empty());
}

// The options the FEBRL profile uses: free-text postcodes, an unchecked
// national id, a locality from two columns, bad dates of birth as missing.
class RowMapperOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto profile = ParseMappingProfile(R"pb(
      profile_id: "options-v1"
      organisation_code: "8HX12"
      date_formats: "%Y%m%d"
      postcode_format: POSTCODE_FORMAT_FREE_TEXT
      national_id_check: NATIONAL_ID_CHECK_NONE
      columns { column: "Ref" field: FIELD_LOCAL_RECORD_ID }
      columns { column: "Id" field: FIELD_NHS_NUMBER }
      columns {
        column: "DOB"
        field: FIELD_DATE_OF_BIRTH
        invalid_as_missing: true
      }
      columns { column: "Town" field: FIELD_LOCALITY }
      columns { column: "Suburb" field: FIELD_LOCALITY }
      columns { column: "Postcode" field: FIELD_POSTCODE }
    )pb");
    ASSERT_THAT(profile, IsOk());
    auto lookup =
        PostcodeLookup::FromString("pcds,doterm,lsoa11\nB15 2TT,,E01009109\n");
    ASSERT_THAT(lookup, IsOk());
    lookup_ = *std::move(lookup);
    auto mapper =
        RowMapper::Create(*profile, Row("Ref|Id|DOB|Town|Suburb|Postcode", 1),
                          lookup_.get(), kToday);
    ASSERT_THAT(mapper, IsOk());
    mapper_ = *std::move(mapper);
  }

  MappedRow Map(absl::string_view pipes) {
    MappedRow out;
    mapper_->Map(Row(pipes), &out);
    return out;
  }

  std::unique_ptr<PostcodeLookup> lookup_;
  std::unique_ptr<RowMapper> mapper_;
};

TEST_F(RowMapperOptionsTest, GoodRow) {
  const MappedRow row = Map("R1| 530 4218| 19151111| Winston | Hills| 4223");
  EXPECT_THAT(row.issues, IsEmpty());
  EXPECT_EQ(row.ids.postcode_scheme, PostcodeScheme::kFreeText);
  EXPECT_EQ(row.ids.national_id_scheme, NationalIdScheme::kUnchecked);
  EXPECT_EQ(row.ids.nhs_number, "530 4218");
  EXPECT_EQ(row.ids.postcode, "4223");
  EXPECT_EQ(row.ids.locality, "Winston Hills");
  EXPECT_EQ(row.ids.date_of_birth, absl::CivilDay(1915, 11, 11));
  EXPECT_EQ(row.record.birth_year_month(), "1915-11");
}

TEST_F(RowMapperOptionsTest, FreeTextPostcodeHasNoLsoa) {
  // Even a UK postcode that the lookup holds: free text is not looked up.
  const MappedRow row = Map("R1|1|19151111|a|b|B15 2TT");
  EXPECT_THAT(row.issues, IsEmpty());
  EXPECT_TRUE(row.record.lsoa_code().empty());
  EXPECT_THAT(
      Map("R1|1|19151111|a|b|-!-").issues,
      ElementsAre(::testing::Field(&RowIssue::rule, rules::kPostcodeFormat)));
}

TEST_F(RowMapperOptionsTest, UncheckedIdWarnsOnlyWhenNotDigits) {
  // Seven digits with no check digit are fine here.
  EXPECT_THAT(Map("R1|5304218|19151111|a|b|4223").issues, IsEmpty());
  const MappedRow row = Map("R1|53O4218|19151111|a|b|4223");
  ASSERT_EQ(row.issues.size(), 1u);
  EXPECT_EQ(row.issues[0].rule, rules::kNhsNumberFormat);
  EXPECT_EQ(row.issues[0].severity, Severity::kWarning);
}

TEST_F(RowMapperOptionsTest, InvalidDateOfBirthIsMissingNotRejected) {
  const MappedRow row = Map("R1|1|19450493|a|b|4223");
  EXPECT_FALSE(row.rejected);
  ASSERT_EQ(row.issues.size(), 1u);
  EXPECT_EQ(row.issues[0].field, "DOB");
  EXPECT_EQ(row.issues[0].rule, rules::kDateFormat);
  EXPECT_EQ(row.issues[0].severity, Severity::kWarning);
  EXPECT_FALSE(row.ids.date_of_birth.has_value());
  EXPECT_TRUE(row.record.birth_year_month().empty());
  const MappedRow future = Map("R1|1|20990101|a|b|4223");
  EXPECT_FALSE(future.rejected);
  EXPECT_FALSE(future.ids.date_of_birth.has_value());
}

}  // namespace
}  // namespace equilink::client
