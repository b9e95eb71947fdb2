#include "server/governance/agreement_lifecycle.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/governance/agreement_file.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/server/governance/governance_test_util.h"

namespace equilink::governance {
namespace {

using ::equilink::governance::testing::kInForceDay;
using ::equilink::governance::testing::kSubmissionExample;
using ::equilink::governance::testing::LoadExample;
using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

using ::equilink::governance::testing::At;
using ::equilink::governance::testing::kAuthor;
using ::equilink::governance::testing::kCaldicottGuardian;
using ::equilink::governance::testing::kSiro;
using ::equilink::governance::testing::Request;

class AgreementLifecycleTest : public ::testing::Test {
 protected:
  // Applies `request` and appends the event; returns the status of applying.
  absl::Status Apply(const TransitionRequest& request) {
    absl::StatusOr<v1::AgreementEvent> event =
        ApplyTransition(agreement_, history_, request);
    if (!event.ok()) return event.status();
    history_.push_back(*event);
    return absl::OkStatus();
  }

  void ApproveAndActivate() {
    ASSERT_THAT(
        Apply(Request(v1::AGREEMENT_ACTION_APPROVE, kCaldicottGuardian)),
        IsOk());
    ASSERT_THAT(Apply(Request(v1::AGREEMENT_ACTION_APPROVE, kSiro)), IsOk());
    ASSERT_THAT(Apply(Request(v1::AGREEMENT_ACTION_ACTIVATE, kSiro)), IsOk());
  }

  v1::Agreement agreement_ =
      LoadExample(kSubmissionExample, v1::AGREEMENT_DRAFT);
  std::vector<v1::AgreementEvent> history_;
};

TEST_F(AgreementLifecycleTest, TwoDistinctApprovalsThenActivation) {
  ASSERT_THAT(Apply(Request(v1::AGREEMENT_ACTION_APPROVE, kCaldicottGuardian)),
              IsOk());
  EXPECT_EQ(StatusAfter(history_), v1::AGREEMENT_DRAFT);
  ASSERT_THAT(Apply(Request(v1::AGREEMENT_ACTION_APPROVE, kSiro)), IsOk());
  EXPECT_EQ(StatusAfter(history_), v1::AGREEMENT_APPROVED);
  ASSERT_THAT(Apply(Request(v1::AGREEMENT_ACTION_ACTIVATE, kSiro)), IsOk());
  EXPECT_EQ(StatusAfter(history_), v1::AGREEMENT_ACTIVE);

  const v1::AgreementEvent& activation = history_.back();
  EXPECT_EQ(activation.agreement_hash(), AgreementVersionHash(agreement_));
  EXPECT_EQ(activation.from_status(), v1::AGREEMENT_APPROVED);
  EXPECT_EQ(activation.principal(), kSiro);
  EXPECT_EQ(activation.time().seconds(), absl::ToUnixSeconds(At(kInForceDay)));
}

TEST_F(AgreementLifecycleTest, ApprovalByTheAuthorIsRefused) {
  EXPECT_THAT(Apply(Request(v1::AGREEMENT_ACTION_APPROVE, kAuthor)),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "four-eyes: approver is the author"));
}

TEST_F(AgreementLifecycleTest, SecondApprovalBySamePrincipalIsRefused) {
  ASSERT_THAT(Apply(Request(v1::AGREEMENT_ACTION_APPROVE, kSiro)), IsOk());
  EXPECT_THAT(Apply(Request(v1::AGREEMENT_ACTION_APPROVE, kSiro)),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "four-eyes: second approval by the same principal"));
  EXPECT_EQ(StatusAfter(history_), v1::AGREEMENT_DRAFT);
}

TEST_F(AgreementLifecycleTest, PrincipalWithoutGovernanceRoleIsRefused) {
  TransitionRequest request =
      Request(v1::AGREEMENT_ACTION_APPROVE, kCaldicottGuardian);
  request.actor.has_governance_role = false;
  EXPECT_THAT(Apply(request), StatusIs(absl::StatusCode::kPermissionDenied,
                                       HasSubstr("lifecycle rule L2")));
}

TEST_F(AgreementLifecycleTest, DraftCannotBeActivated) {
  EXPECT_THAT(Apply(Request(v1::AGREEMENT_ACTION_ACTIVATE, kSiro)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("lifecycle rule L1")));
}

TEST_F(AgreementLifecycleTest, InvalidAgreementCannotBeApproved) {
  agreement_.clear_retention();
  EXPECT_THAT(Apply(Request(v1::AGREEMENT_ACTION_APPROVE, kSiro)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("lifecycle rule L3")));
}

TEST_F(AgreementLifecycleTest, SuspendNeedsReasonAndResumeRestores) {
  ApproveAndActivate();
  TransitionRequest suspend = Request(v1::AGREEMENT_ACTION_SUSPEND, kSiro);
  suspend.reason.clear();
  EXPECT_THAT(Apply(suspend), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("lifecycle rule L5")));
  suspend.reason = "breach under investigation";
  ASSERT_THAT(Apply(suspend), IsOk());
  EXPECT_EQ(StatusAfter(history_), v1::AGREEMENT_SUSPENDED);
  ASSERT_THAT(Apply(Request(v1::AGREEMENT_ACTION_RESUME, kCaldicottGuardian)),
              IsOk());
  EXPECT_EQ(StatusAfter(history_), v1::AGREEMENT_ACTIVE);
}

TEST_F(AgreementLifecycleTest, ExpiryOnlyAfterExpiryDateAndIsFinal) {
  ApproveAndActivate();
  TransitionRequest expire =
      Request(v1::AGREEMENT_ACTION_EXPIRE, "urn:equilink:system:scheduler");
  expire.actor.has_governance_role = false;
  EXPECT_THAT(Apply(expire), StatusIs(absl::StatusCode::kFailedPrecondition,
                                      HasSubstr("lifecycle rule L4")));
  expire.time = At(absl::CivilDay(2028, 4, 1));
  ASSERT_THAT(Apply(expire), IsOk());
  EXPECT_EQ(StatusAfter(history_), v1::AGREEMENT_EXPIRED);
  EXPECT_THAT(Apply(Request(v1::AGREEMENT_ACTION_RESUME, kSiro,
                            absl::CivilDay(2028, 4, 1))),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(AgreementLifecycleTest, TerminationIsFinal) {
  ApproveAndActivate();
  ASSERT_THAT(Apply(Request(v1::AGREEMENT_ACTION_TERMINATE, kSiro)), IsOk());
  EXPECT_THAT(Apply(Request(v1::AGREEMENT_ACTION_RESUME, kSiro)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("lifecycle rule L1")));
}

TEST_F(AgreementLifecycleTest, ChangedContentUnderSameVersionIsRefused) {
  ASSERT_THAT(Apply(Request(v1::AGREEMENT_ACTION_APPROVE, kCaldicottGuardian)),
              IsOk());
  agreement_.mutable_flows(0)->set_max_records_per_batch(50000);
  EXPECT_THAT(
      Apply(Request(v1::AGREEMENT_ACTION_APPROVE, kSiro)),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("lifecycle rule L6")));
}

TEST(EffectiveStatusTest, ActiveAgreementPastEndDateIsExpired) {
  const v1::Agreement agreement =
      LoadExample(kSubmissionExample, v1::AGREEMENT_ACTIVE);
  EXPECT_EQ(EffectiveStatus(agreement, absl::CivilDay(2028, 3, 31)),
            v1::AGREEMENT_ACTIVE);
  EXPECT_EQ(EffectiveStatus(agreement, absl::CivilDay(2028, 4, 1)),
            v1::AGREEMENT_EXPIRED);
}

TEST(SuccessorVersionTest, NewVersionChainsToThePrevious) {
  const v1::Agreement previous =
      LoadExample(kSubmissionExample, v1::AGREEMENT_ACTIVE);
  v1::Agreement next = previous;
  next.set_version(2);
  next.mutable_flows(0)->set_max_records_per_batch(10000);
  EXPECT_THAT(CheckSuccessorVersion(previous, next),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("lifecycle rule L7")));
  next.set_supersedes_hash(AgreementVersionHash(previous));
  EXPECT_THAT(CheckSuccessorVersion(previous, next), IsOk());
  next.set_version(3);
  EXPECT_THAT(CheckSuccessorVersion(previous, next), Not(IsOk()));
}

}  // namespace
}  // namespace equilink::governance
