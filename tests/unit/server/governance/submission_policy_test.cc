#include "server/governance/submission_policy.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/server/governance/governance_test_util.h"

namespace equilink::governance {
namespace {

using ::equilink::governance::testing::CharitylogShapedRecord;
using ::equilink::governance::testing::kInForceDay;
using ::equilink::governance::testing::kSubmissionExample;
using ::equilink::governance::testing::LoadExample;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Demo LSOAs from deploy/data/postcode_lookup_demo.csv and one outside the
// examples' local authorities.
class MapLocalAuthorityLookup : public LocalAuthorityLookup {
 public:
  std::optional<std::string> LocalAuthorityOf(
      absl::string_view lsoa_code) const override {
    const auto it = lsoa_to_lad_.find(std::string(lsoa_code));
    if (it == lsoa_to_lad_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::string, std::string> lsoa_to_lad_ = {
      {"E01009001", "E08000025"},  // Birmingham
      {"E01010167", "E08000029"},  // Solihull
      {"E01005001", "E08000003"},  // Manchester
  };
};

class SubmissionPolicyTest : public ::testing::Test {
 protected:
  PolicyDecision Check() {
    SubmissionRequest request;
    request.organisation_code = organisation_;
    request.dataset_id = dataset_;
    request.purpose_id = purpose_;
    request.key_id = key_id_;
    request.day = day_;
    request.populated_fields = fields_;
    request.batch_size = batch_size_;
    request.review_grace_days = review_grace_days_;
    return CheckSubmission(agreements_, request);
  }

  v1::Agreement& agreement() { return agreements_[0]; }

  std::vector<v1::Agreement> agreements_ = {
      LoadExample(kSubmissionExample, v1::AGREEMENT_ACTIVE)};
  std::string organisation_ = "8HX12";
  std::string dataset_ = "vcse-service-contacts";
  std::string purpose_ = "cyp-health-equity";
  std::string key_id_ = "bsol-cyp-2026";  // the example's pseudonym domain
  int review_grace_days_ = 0;
  absl::CivilDay day_ = kInForceDay;
  std::vector<std::string> fields_ =
      PopulatedRecordFields(CharitylogShapedRecord());
  uint64_t batch_size_ = 2000;  // the client's default --batch_rows
};

TEST_F(SubmissionPolicyTest, ExampleAllowsCharitylogShapedBatch) {
  const PolicyDecision decision = Check();
  EXPECT_TRUE(decision.allowed()) << decision.rule << " " << decision.reason;
  EXPECT_EQ(decision.agreement_id, "ICS-QHL-DSA-2026-0007");
  EXPECT_EQ(decision.agreement_version, 1u);
  EXPECT_EQ(decision.flow_id, "8HX12-to-gateway");
}

TEST_F(SubmissionPolicyTest, CharitylogShapedRecordPopulatesEveryRecordField) {
  EXPECT_EQ(fields_.size(),
            static_cast<size_t>(
                v1::PseudonymisedRecord::descriptor()->field_count()));
}

TEST_F(SubmissionPolicyTest, OrganisationWithoutFlowIsDeniedS2) {
  organisation_ = "8JK34";
  const PolicyDecision decision = Check();
  EXPECT_EQ(decision.verdict, Verdict::kDeny);
  EXPECT_EQ(decision.rule, "S2");
}

TEST_F(SubmissionPolicyTest, ExpiredAgreementIsDeniedS2) {
  day_ = absl::CivilDay(2028, 4, 1);
  const PolicyDecision decision = Check();
  EXPECT_EQ(decision.verdict, Verdict::kDeny);
  EXPECT_EQ(decision.rule, "S2");
  EXPECT_THAT(decision.reason, HasSubstr("expired"));
}

TEST_F(SubmissionPolicyTest, SuspendedAgreementIsDeniedS2) {
  agreement().set_status(v1::AGREEMENT_SUSPENDED);
  const PolicyDecision decision = Check();
  EXPECT_EQ(decision.verdict, Verdict::kDeny);
  EXPECT_EQ(decision.rule, "S2");
  EXPECT_THAT(decision.reason, HasSubstr("suspended"));
}

TEST_F(SubmissionPolicyTest, ApprovedButNotActiveIsDeniedS2) {
  agreement().set_status(v1::AGREEMENT_APPROVED);
  EXPECT_EQ(Check().rule, "S2");
}

TEST_F(SubmissionPolicyTest, OtherDatasetIsDeniedS2) {
  dataset_ = "vcse-food-parcels";
  const PolicyDecision decision = Check();
  EXPECT_EQ(decision.rule, "S2");
  EXPECT_THAT(decision.reason, HasSubstr("dataset"));
}

TEST_F(SubmissionPolicyTest, OverdueReviewIsDeniedS3UnlessInGrace) {
  day_ = absl::CivilDay(2027, 4, 10);
  EXPECT_EQ(Check().rule, "S3");
  review_grace_days_ = 30;
  EXPECT_TRUE(Check().allowed());
}

TEST_F(SubmissionPolicyTest, PurposeNotOnFlowIsDeniedS4) {
  purpose_ = "research";
  EXPECT_EQ(Check().rule, "S4");
}

TEST_F(SubmissionPolicyTest, TokensUnderAnotherLinkageKeyAreDeniedS7) {
  key_id_ = "another-domain-2026";
  const PolicyDecision decision = Check();
  EXPECT_EQ(decision.verdict, Verdict::kDeny);
  EXPECT_EQ(decision.rule, "S7");
  EXPECT_THAT(decision.reason, HasSubstr("pseudonym domain"));
}

TEST_F(SubmissionPolicyTest, FieldOffWhitelistIsDeniedS6) {
  auto* items = agreement().mutable_data_items();
  items->erase(items->begin() + 18);  // outcomes
  const PolicyDecision decision = Check();
  EXPECT_EQ(decision.verdict, Verdict::kDeny);
  EXPECT_EQ(decision.rule, "S6");
  EXPECT_THAT(decision.reason, HasSubstr("not on the agreement's whitelist"));
}

TEST_F(SubmissionPolicyTest, ForbiddenClassIsDeniedS6) {
  // An agreement that (wrongly) lets a direct identifier through whitelisting
  // still may not carry it: the class is checked at every submission.
  agreement().mutable_data_items(7)->set_item_class(
      v1::ITEM_CLASS_DIRECT_IDENTIFIER);  // lsoa_code
  const PolicyDecision decision = Check();
  EXPECT_EQ(decision.verdict, Verdict::kDeny);
  EXPECT_EQ(decision.rule, "S6");
  EXPECT_THAT(decision.reason, HasSubstr("class"));
}

TEST_F(SubmissionPolicyTest, PseudonymsOnAnAggregateFlowAreDeniedS6) {
  agreement().mutable_flows(0)->set_identifiability(
      v1::IDENTIFIABILITY_AGGREGATE_SDC);
  EXPECT_EQ(Check().rule, "S6");
}

TEST_F(SubmissionPolicyTest, BatchOverLimitIsDeniedS11) {
  batch_size_ = 5001;
  const PolicyDecision decision = Check();
  EXPECT_EQ(decision.verdict, Verdict::kDeny);
  EXPECT_EQ(decision.rule, "S11");
}

TEST(PopulatedRecordFieldsTest, ListsOnlySetFieldsInNumberOrder) {
  v1::PseudonymisedRecord record;
  record.set_lsoa_code("E01009001");
  record.set_record_pseudonym(std::string(32, 'a'));
  record.add_needs("SEND");
  EXPECT_THAT(PopulatedRecordFields(record),
              ElementsAre("record_pseudonym", "lsoa_code", "needs"));
}

class RecordScopeTest : public ::testing::Test {
 protected:
  PolicyDecision Check() {
    return CheckRecordScope(agreement_, record_, lookup_,
                            absl::CivilDay(2026, 11, 23));
  }

  v1::Agreement agreement_ =
      LoadExample(kSubmissionExample, v1::AGREEMENT_ACTIVE);
  v1::PseudonymisedRecord record_ = CharitylogShapedRecord();
  MapLocalAuthorityLookup lookup_;
};

TEST_F(RecordScopeTest, RecordInScopeIsAllowed) {
  EXPECT_TRUE(Check().allowed());
  record_.set_lsoa_code("E01010167");
  EXPECT_TRUE(Check().allowed());
}

TEST_F(RecordScopeTest, LsoaOutsideLocalAuthoritiesIsQuarantinedS9) {
  record_.set_lsoa_code("E01005001");
  const PolicyDecision decision = Check();
  EXPECT_EQ(decision.verdict, Verdict::kQuarantine);
  EXPECT_EQ(decision.rule, "S9");
  EXPECT_THAT(decision.reason, HasSubstr("outside"));
}

TEST_F(RecordScopeTest, UnknownLsoaIsQuarantinedS9) {
  record_.set_lsoa_code("E01999999");
  EXPECT_EQ(Check().verdict, Verdict::kQuarantine);
  record_.clear_lsoa_code();
  EXPECT_EQ(Check().verdict, Verdict::kQuarantine);
}

TEST_F(RecordScopeTest, AgeOutsideRangeIsQuarantinedS9) {
  record_.set_age_at_referral(26);
  const PolicyDecision decision = Check();
  EXPECT_EQ(decision.verdict, Verdict::kQuarantine);
  EXPECT_EQ(decision.rule, "S9");
  EXPECT_THAT(decision.reason, HasSubstr("age"));
}

TEST_F(RecordScopeTest, UnknownAgeIsQuarantinedButAgeZeroIsKnown) {
  record_.set_age_at_referral(0);
  EXPECT_TRUE(Check().allowed());  // a baby: both dates are present
  record_.clear_birth_year_month();
  EXPECT_EQ(Check().verdict, Verdict::kQuarantine);
}

TEST_F(RecordScopeTest,
       RegisterEntryWithoutReferralIsAgedOnTheDayOfSubmission) {
  record_.clear_referral_date();
  record_.clear_age_at_referral();
  record_.set_birth_year_month("2010-05");  // 16 on 2026-11-23
  EXPECT_TRUE(Check().allowed());
  record_.set_birth_year_month("2000-12");  // 25 until December 2026
  EXPECT_TRUE(Check().allowed());
  record_.set_birth_year_month("2000-10");  // 26
  EXPECT_EQ(Check().verdict, Verdict::kQuarantine);
  record_.set_birth_year_month("2027-01");  // born after the day
  EXPECT_EQ(Check().verdict, Verdict::kQuarantine);
  record_.clear_birth_year_month();
  EXPECT_EQ(Check().verdict, Verdict::kQuarantine);
}

}  // namespace
}  // namespace equilink::governance
