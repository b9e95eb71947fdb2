#include "server/governance/agreement_expiry.h"

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/audit/audit_reader.h"
#include "server/audit/checkpoint_signer.h"
#include "server/governance/agreement_registry.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/unit/server/governance/governance_test_util.h"

namespace equilink::governance {
namespace {

using ::equilink::testing::IsOkAndHolds;
using ::equilink::testing::TempDir;
using testing::At;
using testing::kCaldicottGuardian;
using testing::kInForceDay;
using testing::kSiro;
using testing::kSubmissionExample;
using testing::LoadExample;
using testing::Request;

class AgreementExpiryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EQ_ASSERT_OK_AND_ASSIGN(registry_,
                            AgreementRegistry::Open(dir_.File("store.db")));
    ASSERT_TRUE(
        audit::CheckpointSigner::GenerateKeyFile(dir_.File("audit.key")).ok());
    EQ_ASSERT_OK_AND_ASSIGN(auto signer, audit::CheckpointSigner::LoadFromFile(
                                             dir_.File("audit.key")));
    audit::AuditLog::Options options;
    options.path = dir_.File("audit.db");
    EQ_ASSERT_OK_AND_ASSIGN(audit_,
                            audit::AuditLog::Open(options, std::move(signer)));
    // The example, in force from 2026-04-01 to 2028-03-31, made ACTIVE.
    const v1::Agreement agreement =
        LoadExample(kSubmissionExample, v1::AGREEMENT_DRAFT);
    id_ = agreement.agreement_id();
    ASSERT_TRUE(registry_->Create(agreement, At(kInForceDay)).ok());
    for (const auto& [action, who] :
         {std::pair{v1::AGREEMENT_ACTION_APPROVE, kCaldicottGuardian},
          std::pair{v1::AGREEMENT_ACTION_APPROVE, kSiro},
          std::pair{v1::AGREEMENT_ACTION_ACTIVATE, kSiro}}) {
      ASSERT_TRUE(registry_->Transition(id_, 1, Request(action, who)).ok());
    }
    principal_.set_organisation_code("gateway");
    principal_.set_role("scheduler");
  }

  absl::StatusOr<int> RecordOn(absl::CivilDay day) {
    return RecordExpiredAgreements(*registry_, *audit_, principal_, At(day));
  }

  TempDir dir_;
  std::unique_ptr<AgreementRegistry> registry_;
  std::unique_ptr<audit::AuditLog> audit_;
  v1::AuditPrincipal principal_;
  std::string id_;
};

TEST_F(AgreementExpiryTest, NothingExpiresOnOrBeforeTheExpiryDate) {
  EXPECT_THAT(RecordOn(kInForceDay), IsOkAndHolds(0));
  EXPECT_THAT(RecordOn(absl::CivilDay(2028, 3, 31)), IsOkAndHolds(0));
  EQ_ASSERT_OK_AND_ASSIGN(StoredAgreement stored, registry_->Get(id_, 1));
  EXPECT_EQ(stored.status, v1::AGREEMENT_ACTIVE);
}

TEST_F(AgreementExpiryTest, TheDayAfterItIsRecordedOnceAndAudited) {
  EXPECT_THAT(RecordOn(absl::CivilDay(2028, 4, 1)), IsOkAndHolds(1));
  EQ_ASSERT_OK_AND_ASSIGN(StoredAgreement stored, registry_->Get(id_, 1));
  EXPECT_EQ(stored.status, v1::AGREEMENT_EXPIRED);
  const v1::AgreementEvent& last = stored.history.back();
  EXPECT_EQ(last.action(), v1::AGREEMENT_ACTION_EXPIRE);
  EXPECT_EQ(last.principal(), kGatewayPrincipal);

  EQ_ASSERT_OK_AND_ASSIGN(audit::StoredAuditLog log,
                          audit::ReadStoredAuditLog(audit_->path(), 0, 0));
  ASSERT_EQ(log.entries.size(), 1u);
  EXPECT_EQ(log.entries[0].action(), "agreement.expire");
  EXPECT_EQ(log.entries[0].rule_id(), "L4");
  EXPECT_EQ(log.entries[0].agreement_id(), id_);
  EXPECT_EQ(log.entries[0].agreement_version_hash().size(), 32u);

  // Already recorded: a later run adds nothing.
  EXPECT_THAT(RecordOn(absl::CivilDay(2028, 4, 2)), IsOkAndHolds(0));
}

}  // namespace
}  // namespace equilink::governance
