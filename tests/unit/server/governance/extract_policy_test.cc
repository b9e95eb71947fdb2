#include "server/governance/extract_policy.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/server/governance/governance_test_util.h"

namespace equilink::governance {
namespace {

using ::equilink::governance::testing::kExtractExample;
using ::equilink::governance::testing::kInForceDay;
using ::equilink::governance::testing::kSubmissionExample;
using ::equilink::governance::testing::LoadExample;

class ExtractPolicyTest : public ::testing::Test {
 protected:
  PolicyDecision Check() {
    ExtractRequest request;
    request.consumer_organisation = consumer_;
    request.purpose_id = purpose_;
    request.indicator_id = indicator_;
    request.day = kInForceDay;
    request.level = level_;
    request.fields = fields_;
    return CheckExtract(agreements_, request);
  }

  // Both examples, as the gateway would hold them: the submission agreement
  // must never authorise an extract.
  std::vector<v1::Agreement> agreements_ = {
      LoadExample(kSubmissionExample, v1::AGREEMENT_ACTIVE),
      LoadExample(kExtractExample, v1::AGREEMENT_ACTIVE)};
  std::string consumer_ = "QHLPHM";
  std::string purpose_ = "cyp-health-equity";
  std::string indicator_ = "ACC-01";
  v1::Identifiability level_ = v1::IDENTIFIABILITY_AGGREGATE_SDC;
  std::vector<std::string> fields_ = {"lsoa_code", "ethnic_category",
                                      "sex_code", "age_at_referral"};
};

TEST_F(ExtractPolicyTest, AggregateIndicatorExtractIsAllowed) {
  const PolicyDecision decision = Check();
  EXPECT_TRUE(decision.allowed()) << decision.rule << " " << decision.reason;
  EXPECT_EQ(decision.agreement_id, "ICS-QHL-DSA-2026-0008");
  EXPECT_EQ(decision.flow_id, "gateway-to-phm-indicators");
}

TEST_F(ExtractPolicyTest, RecordLevelExtractUsesTheSdeFlow) {
  level_ = v1::IDENTIFIABILITY_PSEUDONYMISED_RECORD;
  fields_.push_back("client_pseudonym");
  const PolicyDecision decision = Check();
  EXPECT_TRUE(decision.allowed()) << decision.rule << " " << decision.reason;
  EXPECT_EQ(decision.flow_id, "gateway-to-phm-sde");
}

TEST_F(ExtractPolicyTest, ConsumerWithoutExtractFlowIsBlockedE2) {
  consumer_ = "8HX12";  // a party, but only as a submitter
  const PolicyDecision decision = Check();
  EXPECT_EQ(decision.verdict, Verdict::kDeny);
  EXPECT_EQ(decision.rule, "E2");
}

TEST_F(ExtractPolicyTest, SuspendedAgreementIsBlockedE2) {
  agreements_[1].set_status(v1::AGREEMENT_SUSPENDED);
  EXPECT_EQ(Check().rule, "E2");
}

TEST_F(ExtractPolicyTest, IndicatorOutsidePurposeIsBlockedE2) {
  indicator_ = "SAFEGUARDING-01";
  EXPECT_EQ(Check().rule, "E2");
}

// The example has an aggregate flow before its record-level one; the denial
// must come from the flow that fits the request (the record-level one), which
// got as far as the field check, not from the aggregate flow's E3.
TEST_F(ExtractPolicyTest, OffWhitelistFieldAtRecordLevelNamesTheFieldE4) {
  level_ = v1::IDENTIFIABILITY_PSEUDONYMISED_RECORD;
  indicator_.clear();
  fields_.push_back("first_contact_date");  // not on the extract whitelist
  const PolicyDecision decision = Check();
  EXPECT_EQ(decision.rule, "E4");
  EXPECT_THAT(decision.reason, ::testing::HasSubstr("first_contact_date"));
}

TEST_F(ExtractPolicyTest, PseudonymInAggregateOutputIsBlockedE4) {
  fields_.push_back("client_pseudonym");
  EXPECT_EQ(Check().rule, "E4");
}

TEST_F(ExtractPolicyTest, FieldOffWhitelistIsBlockedE4) {
  fields_.push_back("nhs_number_token");
  EXPECT_EQ(Check().rule, "E4");
}

TEST_F(ExtractPolicyTest, UnspecifiedLevelIsBlockedE3) {
  level_ = v1::IDENTIFIABILITY_UNSPECIFIED;
  EXPECT_EQ(Check().rule, "E3");
}

}  // namespace
}  // namespace equilink::governance
