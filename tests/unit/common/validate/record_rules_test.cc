#include "common/validate/record_rules.h"

#include <cmath>
#include <limits>
#include <string>

#include "common/pseudo/bloom_spec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace equilink {
namespace {

std::string Token(char fill = 'a') { return std::string(kTokenBytes, fill); }

// A record that passes every rule; each test breaks one thing.
v1::PseudonymisedRecord ValidRecord() {
  v1::PseudonymisedRecord record;
  record.set_record_pseudonym(Token('r'));
  record.set_client_pseudonym(Token('c'));
  record.set_nhs_number_status(v1::NHS_NUMBER_VALID);
  record.set_nhs_number_token(Token('n'));
  auto* key = record.add_match_keys();
  key->set_kind(v1::MATCH_KEY_SURNAME_FORENAME_DOB_SEX);
  key->set_token(Token('k'));
  auto* key2 = record.add_match_keys();
  key2->set_kind(v1::MATCH_KEY_SORTED_NAMES_DOB);
  key2->set_token(Token('m'));
  auto* bloom = record.add_bloom();
  bloom->set_field(v1::BLOOM_FORENAME);
  bloom->set_bits(std::string(512 / 8, '\0'));
  auto* dob_bloom = record.add_bloom();
  dob_bloom->set_field(v1::BLOOM_DATE_OF_BIRTH);
  dob_bloom->set_bits(std::string(256 / 8, '\0'));
  record.set_birth_year_month("2014-03");
  record.set_lsoa_code("E01008881");
  record.set_sex_code("2");
  record.set_ethnic_category("A");
  record.set_service_type("MH_WELLBEING");
  record.set_referral_date("2024-02-29");
  record.set_referral_source("SCHOOL");
  record.set_first_contact_date("2024-03-04");
  record.set_discharge_date("2024-06-30");
  record.set_sessions_offered(8);
  record.set_sessions_attended(6);
  auto* outcome = record.add_outcomes();
  outcome->set_instrument("WEMWBS14");
  outcome->set_timepoint("BASELINE");
  outcome->set_date("2024-03-04");
  outcome->set_total(41);
  return record;
}

// The violated field, or "" when the record is valid.
std::string ViolatedField(const v1::PseudonymisedRecord& record) {
  auto violation = CheckPseudonymisedRecord(record);
  return violation.has_value() ? violation->field : "";
}

v1::RecordRejectReason Reason(const v1::PseudonymisedRecord& record) {
  auto violation = CheckPseudonymisedRecord(record);
  return violation.has_value() ? violation->reason
                               : v1::RECORD_REJECT_REASON_UNSPECIFIED;
}

TEST(CodesetTest, SexCodes) {
  for (const char* code : {"1", "2", "9", "X"})
    EXPECT_TRUE(IsValidSexCode(code));
  for (const char* code : {"", "0", "3", "x", "M", "F", "12"}) {
    EXPECT_FALSE(IsValidSexCode(code)) << code;
  }
}

TEST(CodesetTest, EthnicCategories) {
  for (const char* code : {"A", "B", "C", "D", "E", "F", "G", "H", "J", "K",
                           "L", "M", "N", "P", "R", "S", "Z", "99"}) {
    EXPECT_TRUE(IsValidEthnicCategory(code)) << code;
  }
  for (const char* code : {"", "I", "O", "Q", "T", "Y", "a", "9", "AA", "98"}) {
    EXPECT_FALSE(IsValidEthnicCategory(code)) << code;
  }
}

TEST(CodesetTest, ServiceTypesReferralSourcesAndTimepoints) {
  EXPECT_TRUE(IsValidServiceType("YOUNG_CARERS"));
  EXPECT_TRUE(IsValidServiceType("HEALTH_EDUCATION_ASTHMA"));
  EXPECT_TRUE(IsValidServiceType("OTHER"));
  EXPECT_FALSE(IsValidServiceType("young_carers"));
  EXPECT_FALSE(IsValidServiceType(""));
  EXPECT_TRUE(IsValidReferralSource("SP_LINK_WORKER"));
  EXPECT_TRUE(IsValidReferralSource("HEALTH_VISITOR"));
  EXPECT_FALSE(IsValidReferralSource("POLICE"));
  EXPECT_TRUE(IsValidOutcomeTimepoint("FOLLOW_UP"));
  EXPECT_FALSE(IsValidOutcomeTimepoint("PRE"));
}

TEST(CodesetTest, LsoaCodes) {
  EXPECT_TRUE(IsValidLsoaCode("E01008881"));
  EXPECT_TRUE(IsValidLsoaCode("W01000001"));
  EXPECT_FALSE(IsValidLsoaCode("S01000001"));
  EXPECT_FALSE(IsValidLsoaCode("E02000001"));
  EXPECT_FALSE(IsValidLsoaCode("E0100888"));
  EXPECT_FALSE(IsValidLsoaCode("E010088810"));
  EXPECT_FALSE(IsValidLsoaCode("E01O08881"));
}

TEST(DateRuleTest, IsoDates) {
  EXPECT_TRUE(IsIsoDate("2024-02-29"));
  EXPECT_TRUE(IsIsoDate("1900-01-01"));
  EXPECT_TRUE(IsIsoDate("2100-12-31"));
  EXPECT_TRUE(IsIsoDate("2000-02-29"));
  EXPECT_FALSE(IsIsoDate("1900-02-29"));
  EXPECT_FALSE(IsIsoDate("2023-02-29"));
  EXPECT_FALSE(IsIsoDate("2023-04-31"));
  EXPECT_FALSE(IsIsoDate("1899-12-31"));
  EXPECT_FALSE(IsIsoDate("2101-01-01"));
  EXPECT_FALSE(IsIsoDate("2023-13-01"));
  EXPECT_FALSE(IsIsoDate("2023-00-10"));
  EXPECT_FALSE(IsIsoDate("2023-1-01"));
  EXPECT_FALSE(IsIsoDate("2023/01/01"));
  EXPECT_FALSE(IsIsoDate("+023-01-01"));
  EXPECT_FALSE(IsIsoDate(""));
}

TEST(DateRuleTest, YearMonth) {
  EXPECT_TRUE(IsYearMonth("2014-03"));
  EXPECT_FALSE(IsYearMonth("2014-3"));
  EXPECT_FALSE(IsYearMonth("2014-13"));
  EXPECT_FALSE(IsYearMonth("1899-12"));
  EXPECT_FALSE(IsYearMonth("2014-03-01"));
}

TEST(ScoreRangeTest, KnownInstruments) {
  auto wemwbs = OutcomeScoreRange("WEMWBS14");
  ASSERT_TRUE(wemwbs.has_value());
  EXPECT_EQ(wemwbs->min, 14);
  EXPECT_EQ(wemwbs->max, 70);
  EXPECT_EQ(OutcomeScoreRange("SWEMWBS7")->max, 35);
  EXPECT_EQ(OutcomeScoreRange("RCADS25")->max, 75);
  EXPECT_EQ(OutcomeScoreRange("ONS4_ANXIETY")->max, 10);
  EXPECT_FALSE(OutcomeScoreRange("WEMWBS").has_value());
}

TEST(CheckPseudonymisedRecordTest, ValidRecordPasses) {
  EXPECT_FALSE(CheckPseudonymisedRecord(ValidRecord()).has_value());
  v1::PseudonymisedRecord minimal;
  minimal.set_record_pseudonym(Token());
  minimal.set_nhs_number_status(v1::NHS_NUMBER_ABSENT);
  EXPECT_FALSE(CheckPseudonymisedRecord(minimal).has_value());
}

TEST(CheckPseudonymisedRecordTest, RecordPseudonym) {
  auto record = ValidRecord();
  record.clear_record_pseudonym();
  EXPECT_EQ(Reason(record), v1::REJECT_MISSING_RECORD_PSEUDONYM);
  record.set_record_pseudonym(std::string(31, 'x'));
  EXPECT_EQ(Reason(record), v1::REJECT_MALFORMED_TOKEN);
  EXPECT_EQ(ViolatedField(record), "record_pseudonym");
}

TEST(CheckPseudonymisedRecordTest, ClientPseudonymEmptyOr32Bytes) {
  auto record = ValidRecord();
  record.clear_client_pseudonym();
  EXPECT_EQ(ViolatedField(record), "");
  record.set_client_pseudonym(std::string(33, 'x'));
  EXPECT_EQ(ViolatedField(record), "client_pseudonym");
}

TEST(CheckPseudonymisedRecordTest, NhsTokenPresentIffValid) {
  auto record = ValidRecord();
  record.clear_nhs_number_token();
  EXPECT_EQ(Reason(record), v1::REJECT_INVALID_NHS_STATUS);
  record.set_nhs_number_token(std::string(16, 'n'));
  EXPECT_EQ(Reason(record), v1::REJECT_MALFORMED_TOKEN);
  record.set_nhs_number_token(Token());
  record.set_nhs_number_status(v1::NHS_NUMBER_INVALID_CHECKSUM);
  EXPECT_EQ(Reason(record), v1::REJECT_INVALID_NHS_STATUS);
  record.clear_nhs_number_token();
  EXPECT_EQ(ViolatedField(record), "");
  record.set_nhs_number_status(v1::NHS_NUMBER_STATUS_UNSPECIFIED);
  EXPECT_EQ(ViolatedField(record), "nhs_number_status");
  record.set_nhs_number_status(static_cast<v1::NhsNumberStatus>(77));
  EXPECT_EQ(ViolatedField(record), "nhs_number_status");
}

TEST(CheckPseudonymisedRecordTest, MatchKeys) {
  auto record = ValidRecord();
  record.mutable_match_keys(0)->set_kind(v1::MATCH_KEY_KIND_UNSPECIFIED);
  EXPECT_EQ(ViolatedField(record), "match_keys");
  record = ValidRecord();
  record.mutable_match_keys(0)->set_kind(static_cast<v1::MatchKeyKind>(99));
  EXPECT_EQ(ViolatedField(record), "match_keys");
  record = ValidRecord();
  record.mutable_match_keys(1)->set_token("short");
  EXPECT_EQ(ViolatedField(record), "match_keys");
  record = ValidRecord();
  record.mutable_match_keys(1)->set_kind(record.match_keys(0).kind());
  EXPECT_EQ(Reason(record), v1::REJECT_MALFORMED_TOKEN);
}

TEST(CheckPseudonymisedRecordTest, Bloom) {
  auto record = ValidRecord();
  record.mutable_bloom(0)->set_field(v1::BLOOM_FIELD_UNSPECIFIED);
  EXPECT_EQ(Reason(record), v1::REJECT_MALFORMED_BLOOM);
  record = ValidRecord();
  record.mutable_bloom(0)->set_field(static_cast<v1::BloomField>(40));
  EXPECT_EQ(Reason(record), v1::REJECT_MALFORMED_BLOOM);
  record = ValidRecord();
  record.mutable_bloom(1)->set_bits(std::string(64, '\0'));  // DOB is 256 bits
  EXPECT_EQ(Reason(record), v1::REJECT_MALFORMED_BLOOM);
  record = ValidRecord();
  record.mutable_bloom(1)->set_field(v1::BLOOM_FORENAME);
  record.mutable_bloom(1)->set_bits(std::string(64, '\0'));
  EXPECT_EQ(ViolatedField(record), "bloom");
}

TEST(CheckPseudonymisedRecordTest, DatesAndCodes) {
  struct Case {
    void (*mutate)(v1::PseudonymisedRecord*);
    const char* field;
    v1::RecordRejectReason reason;
  };
  const Case cases[] = {
      {[](auto* r) { r->set_birth_year_month("2014-13"); }, "birth_year_month",
       v1::REJECT_INVALID_DATE},
      {[](auto* r) { r->set_referral_date("31/01/2024"); }, "referral_date",
       v1::REJECT_INVALID_DATE},
      {[](auto* r) { r->set_first_contact_date("2024-02-30"); },
       "first_contact_date", v1::REJECT_INVALID_DATE},
      {[](auto* r) { r->set_discharge_date("2024-6-30"); }, "discharge_date",
       v1::REJECT_INVALID_DATE},
      {[](auto* r) { r->set_sex_code("M"); }, "sex_code",
       v1::REJECT_INVALID_CODE},
      {[](auto* r) { r->set_ethnic_category("White"); }, "ethnic_category",
       v1::REJECT_INVALID_CODE},
      {[](auto* r) { r->set_service_type("BOXING"); }, "service_type",
       v1::REJECT_INVALID_CODE},
      {[](auto* r) { r->set_referral_source("gp"); }, "referral_source",
       v1::REJECT_INVALID_CODE},
      {[](auto* r) { r->set_lsoa_code("B15 2TT"); }, "lsoa_code",
       v1::REJECT_INVALID_LSOA},
  };
  for (const Case& c : cases) {
    auto record = ValidRecord();
    c.mutate(&record);
    EXPECT_EQ(ViolatedField(record), c.field);
    EXPECT_EQ(Reason(record), c.reason) << c.field;
  }
}

TEST(CheckPseudonymisedRecordTest, EmptyOptionalFieldsPass) {
  auto record = ValidRecord();
  record.clear_birth_year_month();
  record.clear_referral_date();
  record.clear_sex_code();
  record.clear_ethnic_category();
  record.clear_lsoa_code();
  record.clear_service_type();
  record.mutable_outcomes(0)->clear_date();
  EXPECT_EQ(ViolatedField(record), "");
}

TEST(CheckPseudonymisedRecordTest, Outcomes) {
  auto record = ValidRecord();
  record.mutable_outcomes(0)->set_instrument("WEMWBS");
  EXPECT_EQ(ViolatedField(record), "outcomes.instrument");
  record = ValidRecord();
  record.mutable_outcomes(0)->set_timepoint("PRE");
  EXPECT_EQ(ViolatedField(record), "outcomes.timepoint");
  record = ValidRecord();
  record.mutable_outcomes(0)->set_date("2024-03");
  EXPECT_EQ(ViolatedField(record), "outcomes.date");
  for (double bad :
       {13.0, 70.5, std::nan(""), std::numeric_limits<double>::infinity()}) {
    record = ValidRecord();
    record.mutable_outcomes(0)->set_total(bad);
    EXPECT_EQ(Reason(record), v1::REJECT_SCORE_OUT_OF_RANGE) << bad;
  }
  for (double good : {14.0, 70.0}) {
    record = ValidRecord();
    record.mutable_outcomes(0)->set_total(good);
    EXPECT_EQ(ViolatedField(record), "");
  }
}

TEST(CheckPseudonymisedRecordTest, SessionsAttendedAtMostOffered) {
  auto record = ValidRecord();
  record.set_sessions_attended(9);
  EXPECT_EQ(ViolatedField(record), "sessions_attended");
  record.set_sessions_offered(0);  // offered unknown: nothing to compare
  EXPECT_EQ(ViolatedField(record), "");
}

}  // namespace
}  // namespace equilink
