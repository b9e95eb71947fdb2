// AgreementRegistry's before_commit hook: the governance service appends its
// audit entry there, so a failed append must leave nothing stored.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/governance/agreement_registry.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/unit/server/governance/governance_test_util.h"

namespace equilink::governance {
namespace {

using ::equilink::governance::testing::At;
using ::equilink::governance::testing::kCaldicottGuardian;
using ::equilink::governance::testing::kInForceDay;
using ::equilink::governance::testing::kSubmissionExample;
using ::equilink::governance::testing::LoadExample;
using ::equilink::governance::testing::Request;
using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::equilink::testing::TempDir;
using ::testing::SizeIs;

class AgreementRegistryHookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EQ_ASSERT_OK_AND_ASSIGN(registry_,
                            AgreementRegistry::Open(dir_.File("store.db")));
  }
  TempDir dir_;
  std::unique_ptr<AgreementRegistry> registry_;
};

TEST_F(AgreementRegistryHookTest, CreateCallsTheHookWithTheCreationEvent) {
  const v1::Agreement agreement =
      LoadExample(kSubmissionExample, v1::AGREEMENT_DRAFT);
  v1::AgreementEvent seen;
  absl::StatusOr<StoredAgreement> stored = registry_->Create(
      agreement, At(kInForceDay), [&](const v1::AgreementEvent& event) {
        seen = event;
        return absl::OkStatus();
      });
  ASSERT_THAT(stored.status(), IsOk());
  EXPECT_EQ(seen.to_status(), v1::AGREEMENT_DRAFT);
  EXPECT_EQ(seen.agreement_hash(), stored->version_hash);
}

TEST_F(AgreementRegistryHookTest, FailedHookRollsTheCreateBack) {
  const v1::Agreement agreement =
      LoadExample(kSubmissionExample, v1::AGREEMENT_DRAFT);
  absl::StatusOr<StoredAgreement> stored = registry_->Create(
      agreement, At(kInForceDay), [](const v1::AgreementEvent&) {
        return absl::UnavailableError("audit down");
      });
  EXPECT_THAT(stored.status(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(registry_->List().value_or(std::vector<StoredAgreement>{1}),
              SizeIs(0));
  // Nothing half-written blocks the retry.
  EXPECT_THAT(registry_->Create(agreement, At(kInForceDay)).status(), IsOk());
}

TEST_F(AgreementRegistryHookTest, FailedHookRollsTheTransitionBack) {
  const v1::Agreement agreement =
      LoadExample(kSubmissionExample, v1::AGREEMENT_DRAFT);
  ASSERT_THAT(registry_->Create(agreement, At(kInForceDay)).status(), IsOk());
  absl::StatusOr<v1::AgreementEvent> event = registry_->Transition(
      agreement.agreement_id(), agreement.version(),
      Request(v1::AGREEMENT_ACTION_APPROVE, kCaldicottGuardian),
      [](const v1::AgreementEvent&) {
        return absl::UnavailableError("audit down");
      });
  EXPECT_THAT(event.status(), StatusIs(absl::StatusCode::kUnavailable));
  absl::StatusOr<StoredAgreement> stored =
      registry_->Get(agreement.agreement_id(), agreement.version());
  ASSERT_THAT(stored.status(), IsOk());
  EXPECT_THAT(stored->history, SizeIs(1));  // the creation only
  // The same approval succeeds afterwards: the refused one left no trace
  // for four-eyes to count.
  EXPECT_THAT(registry_
                  ->Transition(
                      agreement.agreement_id(), agreement.version(),
                      Request(v1::AGREEMENT_ACTION_APPROVE, kCaldicottGuardian))
                  .status(),
              IsOk());
}

TEST_F(AgreementRegistryHookTest, RefusedTransitionNeverCallsTheHook) {
  const v1::Agreement agreement =
      LoadExample(kSubmissionExample, v1::AGREEMENT_DRAFT);
  ASSERT_THAT(registry_->Create(agreement, At(kInForceDay)).status(), IsOk());
  bool called = false;
  absl::StatusOr<v1::AgreementEvent> event = registry_->Transition(
      agreement.agreement_id(), agreement.version(),
      Request(v1::AGREEMENT_ACTION_ACTIVATE, kCaldicottGuardian),
      [&](const v1::AgreementEvent&) {
        called = true;
        return absl::OkStatus();
      });
  EXPECT_THAT(event.status(), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace equilink::governance
