#include "server/audit/entry_rules.h"

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/server/audit/audit_test_util.h"

namespace equilink::audit {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::testing::Not;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

TEST(EntryRulesTest, AcceptsTypicalDecisions) {
  for (int n = 1; n <= 5; ++n) {
    EXPECT_THAT(ValidateNewEntry(testing::BatchDecision(n)), IsOk());
  }
}

TEST(EntryRulesTest, RefusesFieldsTheLogAssigns) {
  equilink::v1::AuditEntry entry = testing::BatchDecision(1);
  entry.set_sequence(4);
  EXPECT_THAT(ValidateNewEntry(entry), StatusIs(kInvalid));
  entry = testing::BatchDecision(1);
  entry.set_entry_hash(std::string(32, 0));
  EXPECT_THAT(ValidateNewEntry(entry), StatusIs(kInvalid));
}

TEST(EntryRulesTest, RefusesMissingDecisionActionOrPrincipal) {
  equilink::v1::AuditEntry entry = testing::BatchDecision(1);
  entry.set_decision(equilink::v1::AUDIT_DECISION_UNSPECIFIED);
  EXPECT_THAT(ValidateNewEntry(entry), StatusIs(kInvalid));
  entry = testing::BatchDecision(1);
  entry.clear_action();
  EXPECT_THAT(ValidateNewEntry(entry), StatusIs(kInvalid));
  entry = testing::BatchDecision(1);
  entry.mutable_principal()->clear_role();
  EXPECT_THAT(ValidateNewEntry(entry), StatusIs(kInvalid));
}

TEST(EntryRulesTest, RefusesIdsOutsideTheNameAlphabet) {
  equilink::v1::AuditEntry entry = testing::BatchDecision(1);
  entry.set_request_id("has space");
  EXPECT_THAT(ValidateNewEntry(entry), StatusIs(kInvalid));
  entry = testing::BatchDecision(1);
  entry.set_agreement_id(std::string(65, 'a'));
  EXPECT_THAT(ValidateNewEntry(entry), StatusIs(kInvalid));
}

TEST(EntryRulesTest, PersonIsEmptyOrAStaffUrn) {
  equilink::v1::AuditEntry entry = testing::BatchDecision(1);
  entry.mutable_principal()->set_person("urn:equilink:person:caldicott-01");
  EXPECT_THAT(ValidateNewEntry(entry), IsOk());
  for (const char* bad :
       {"caldicott-01", "urn:equilink:person:", "urn:equilink:person:Jane Doe",
        "urn:equilink:org:QHL", "urn:equilink:person:a/b"}) {
    entry.mutable_principal()->set_person(bad);
    EXPECT_THAT(ValidateNewEntry(entry), StatusIs(kInvalid)) << bad;
  }
  entry.mutable_principal()->set_person("urn:equilink:person:" +
                                        std::string(65, 'a'));
  EXPECT_THAT(ValidateNewEntry(entry), StatusIs(kInvalid));
}

TEST(EntryRulesTest, RefusesAgreementHashOfWrongLength) {
  equilink::v1::AuditEntry entry = testing::BatchDecision(1);
  entry.set_agreement_version_hash(std::string(31, 1));
  EXPECT_THAT(ValidateNewEntry(entry), StatusIs(kInvalid));
  entry.clear_agreement_version_hash();
  EXPECT_THAT(ValidateNewEntry(entry), IsOk());
}

TEST(EntryRulesTest, RefusesReasonsShapedLikeIdentifiersOrTokens) {
  const char* const kBad[] = {
      "record 9434765919 rejected",    // NHS number
      "record 943 476 5919 rejected",  // NHS number as usually written
      "token 3q2+7w8ZqL1x0A9bYc4dE5fG rejected",              // base64
      "pseudonym 5f2b9c0e1d4a7b8c9d0e1f2a3b4c5d6e rejected",  // hex
      "tab\tseparated",
  };
  for (const char* reason : kBad) {
    equilink::v1::AuditEntry entry = testing::BatchDecision(1);
    entry.set_reason(reason);
    EXPECT_THAT(ValidateNewEntry(entry), StatusIs(kInvalid)) << "case";
  }
}

TEST(EntryRulesTest, AcceptsOrdinaryReasonText) {
  const char* const kGood[] = {
      "agreement_version_not_active_for_purpose",
      "batch of 250000 records exceeds limit 100000",
      "opt-out list v2025-06 applied",
  };
  for (const char* reason : kGood) {
    equilink::v1::AuditEntry entry = testing::BatchDecision(1);
    entry.set_reason(reason);
    EXPECT_THAT(ValidateNewEntry(entry), IsOk()) << reason;
  }
}

TEST(EntryRulesTest, MessagesNameTheFieldNotTheContent) {
  equilink::v1::AuditEntry entry = testing::BatchDecision(1);
  entry.set_reason("record 9434765919 rejected");
  const absl::Status status = ValidateNewEntry(entry);
  EXPECT_THAT(status, Not(IsOk()));
  EXPECT_EQ(std::string(status.message()).find("9434765919"),
            std::string::npos);
}

}  // namespace
}  // namespace equilink::audit
