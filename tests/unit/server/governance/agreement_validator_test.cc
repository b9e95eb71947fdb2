#include "server/governance/agreement_validator.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/server/governance/governance_test_util.h"

namespace equilink::governance {
namespace {

using ::equilink::governance::testing::kExtractExample;
using ::equilink::governance::testing::kSubmissionExample;
using ::equilink::governance::testing::LoadExample;
using ::equilink::testing::StatusIs;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

v1::Agreement Submission() {
  return LoadExample(kSubmissionExample, v1::AGREEMENT_DRAFT);
}

TEST(AgreementValidatorTest, ExamplesAreValid) {
  EXPECT_THAT(FindAgreementRuleViolations(Submission()), IsEmpty());
  EXPECT_THAT(FindAgreementRuleViolations(
                  LoadExample(kExtractExample, v1::AGREEMENT_DRAFT)),
              IsEmpty());
}

TEST(AgreementValidatorTest, FlowEndingBeforeItStartsBreaksA3) {
  v1::Agreement agreement = Submission();
  agreement.mutable_flows(0)->set_end_date("2026-03-31");
  EXPECT_THAT(ValidateAgreement(agreement),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("agreement rule A3: a flow's end date "
                                 "precedes its start date")));
}

TEST(AgreementValidatorTest, ImpossibleDateBreaksA3) {
  v1::Agreement agreement = Submission();
  agreement.set_expires_on("2028-02-30");
  EXPECT_THAT(FindAgreementRuleViolations(agreement),
              Contains(HasSubstr("agreement rule A3")));
}

TEST(AgreementValidatorTest, FlowOutsideAgreementPeriodBreaksA3) {
  v1::Agreement agreement = Submission();
  agreement.mutable_flows(0)->set_end_date("2028-04-30");
  EXPECT_THAT(FindAgreementRuleViolations(agreement),
              Contains("agreement rule A3: a flow runs outside the "
                       "agreement's period"));
}

TEST(AgreementValidatorTest, SinglePartyBreaksA2) {
  v1::Agreement agreement = Submission();
  agreement.mutable_parties()->RemoveLast();
  EXPECT_THAT(FindAgreementRuleViolations(agreement),
              Contains("agreement rule A2: at least two parties are "
                       "required"));
}

TEST(AgreementValidatorTest, MissingArticle6BreaksA4) {
  v1::Agreement agreement = Submission();
  agreement.mutable_lawful_basis()->clear_ukgdpr_art6();
  EXPECT_THAT(FindAgreementRuleViolations(agreement),
              Contains(HasSubstr("agreement rule A4")));
}

TEST(AgreementValidatorTest, SpecialCategoryWithoutArticle9BreaksA5) {
  v1::Agreement agreement = Submission();
  agreement.mutable_lawful_basis()->clear_ukgdpr_art9();
  EXPECT_THAT(FindAgreementRuleViolations(agreement),
              Contains(HasSubstr("agreement rule A5: special-category items "
                                 "need a UK GDPR Article 9 condition")));
}

TEST(AgreementValidatorTest, Article9HWithoutSchedule1BreaksA5) {
  v1::Agreement agreement = Submission();
  agreement.mutable_lawful_basis()->clear_dpa2018_schedule1();
  EXPECT_THAT(FindAgreementRuleViolations(agreement),
              Contains(HasSubstr("agreement rule A5")));
}

TEST(AgreementValidatorTest, WhitelistedFieldNotInRecordBreaksA7) {
  v1::Agreement agreement = Submission();
  agreement.mutable_data_items(0)->set_field("postcode");
  EXPECT_THAT(FindAgreementRuleViolations(agreement),
              Contains(HasSubstr("agreement rule A7")));
}

// Found by agreement_fuzz: the A7 messages repeated the unknown field's text
// from the file, and messages name fields and rules, never values.
TEST(AgreementValidatorTest, UnknownFieldIsNamedByPositionNotByItsText) {
  v1::Agreement agreement = Submission();
  agreement.mutable_data_items(1)->set_field("ethnic\x7f category");
  agreement.mutable_data_items(1)->set_item_class(
      v1::DATA_ITEM_CLASS_UNSPECIFIED);
  const std::vector<std::string> violations =
      FindAgreementRuleViolations(agreement);
  EXPECT_THAT(violations,
              Contains("agreement rule A7: data item 2 (in file order) is not "
                       "a pseudonymised record field"));
  EXPECT_THAT(violations,
              Contains("agreement rule A7: data item 2 (in file order) has no "
                       "class"));
  for (const std::string& violation : violations) {
    EXPECT_THAT(violation, Not(HasSubstr("ethnic")));
  }
}

TEST(AgreementValidatorTest, DirectIdentifierOnSubmissionAgreementBreaksA7) {
  v1::Agreement agreement = Submission();
  agreement.mutable_data_items(0)->set_item_class(
      v1::ITEM_CLASS_DIRECT_IDENTIFIER);
  EXPECT_THAT(FindAgreementRuleViolations(agreement),
              Contains(HasSubstr("direct identifier")));
}

TEST(AgreementValidatorTest, FlowFromUnknownPartyBreaksA8) {
  v1::Agreement agreement = Submission();
  agreement.mutable_flows(0)->set_from_organisation("8ZZ99");
  EXPECT_THAT(FindAgreementRuleViolations(agreement),
              Contains("agreement rule A8: a flow names an organisation that "
                       "is not a party"));
}

TEST(AgreementValidatorTest, FlowWithUndefinedPurposeBreaksA8) {
  v1::Agreement agreement = Submission();
  agreement.mutable_flows(0)->add_purpose_ids("marketing");
  EXPECT_THAT(FindAgreementRuleViolations(agreement),
              Contains(HasSubstr("agreement rule A8")));
}

TEST(AgreementValidatorTest, ReversedAgeRangeBreaksA9) {
  v1::Agreement agreement = Submission();
  agreement.mutable_population()->set_age_min(30);
  EXPECT_THAT(FindAgreementRuleViolations(agreement),
              Contains(HasSubstr("agreement rule A9")));
}

TEST(AgreementValidatorTest, MissingRetentionBreaksA10) {
  v1::Agreement agreement = Submission();
  agreement.clear_retention();
  EXPECT_THAT(FindAgreementRuleViolations(agreement),
              Contains("agreement rule A10: a retention period such as P7Y is "
                       "required"));
}

TEST(AgreementValidatorTest, OptOutNotAppliedWithoutRationaleBreaksA11) {
  v1::Agreement agreement = Submission();
  agreement.mutable_opt_outs()->clear_national_data_opt_out_rationale();
  EXPECT_THAT(FindAgreementRuleViolations(agreement),
              Contains(HasSubstr("agreement rule A11")));
}

TEST(AgreementValidatorTest, ExtractWithUnknownProfileBreaksA12) {
  v1::Agreement agreement = LoadExample(kExtractExample, v1::AGREEMENT_DRAFT);
  agreement.mutable_outputs()->set_disclosure_control_profile("ROUND3");
  EXPECT_THAT(FindAgreementRuleViolations(agreement),
              Contains(HasSubstr("agreement rule A12")));
}

TEST(AgreementValidatorTest, LaterVersionWithoutSupersededHashBreaksA1) {
  v1::Agreement agreement = Submission();
  agreement.set_version(2);
  EXPECT_THAT(FindAgreementRuleViolations(agreement),
              Contains(HasSubstr("agreement rule A1")));
}

TEST(AgreementValidatorTest, ItemClassesFollowIdentifiability) {
  EXPECT_FALSE(ItemClassPermittedAt(v1::ITEM_CLASS_DIRECT_IDENTIFIER,
                                    v1::IDENTIFIABILITY_PSEUDONYMISED_RECORD));
  EXPECT_TRUE(ItemClassPermittedAt(v1::ITEM_CLASS_PSEUDONYM,
                                   v1::IDENTIFIABILITY_PSEUDONYMISED_RECORD));
  EXPECT_FALSE(ItemClassPermittedAt(v1::ITEM_CLASS_PSEUDONYM,
                                    v1::IDENTIFIABILITY_AGGREGATE_SDC));
  EXPECT_TRUE(ItemClassPermittedAt(v1::ITEM_CLASS_SPECIAL_CATEGORY,
                                   v1::IDENTIFIABILITY_ANONYMOUS));
}

}  // namespace
}  // namespace equilink::governance
