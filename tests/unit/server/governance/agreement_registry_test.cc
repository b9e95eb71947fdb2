#include "server/governance/agreement_registry.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/governance/agreement_file.h"
#include "server/store/sqlite/database.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/unit/server/governance/governance_test_util.h"

namespace equilink::governance {
namespace {

using ::equilink::governance::testing::kInForceDay;
using ::equilink::governance::testing::kSubmissionExample;
using ::equilink::governance::testing::LoadExample;
using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::equilink::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

using ::equilink::governance::testing::At;
using ::equilink::governance::testing::kAuthor;
using ::equilink::governance::testing::kCaldicottGuardian;
using ::equilink::governance::testing::kSiro;
using ::equilink::governance::testing::Request;

// The submission example under another id, so one file can hold several
// independent agreements.
v1::Agreement Example(const std::string& id = "") {
  v1::Agreement agreement =
      LoadExample(kSubmissionExample, v1::AGREEMENT_DRAFT);
  if (!id.empty()) agreement.set_agreement_id(id);
  return agreement;
}

// The next version of `previous`, with a changed title.
v1::Agreement Successor(const v1::Agreement& previous) {
  v1::Agreement next = previous;
  next.set_version(previous.version() + 1);
  next.set_supersedes_hash(AgreementVersionHash(previous));
  next.set_title(absl::StrCat(previous.title(), " (revised)"));
  return next;
}

class AgreementRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    registry_.reset();
    EQ_ASSERT_OK_AND_ASSIGN(registry_, AgreementRegistry::Open(path_));
  }

  void Activate(const std::string& id, uint32_t version = 1) {
    ASSERT_THAT(registry_->Transition(
                    id, version,
                    Request(v1::AGREEMENT_ACTION_APPROVE, kCaldicottGuardian)),
                IsOk());
    ASSERT_THAT(registry_->Transition(
                    id, version, Request(v1::AGREEMENT_ACTION_APPROVE, kSiro)),
                IsOk());
    ASSERT_THAT(registry_->Transition(
                    id, version, Request(v1::AGREEMENT_ACTION_ACTIVATE, kSiro)),
                IsOk());
  }

  TempDir dir_;
  const std::string path_ = dir_.File("gateway.db");
  std::unique_ptr<AgreementRegistry> registry_;
};

TEST_F(AgreementRegistryTest, CreateGetListRoundTripSurvivesReopen) {
  const v1::Agreement agreement = Example();
  EQ_ASSERT_OK_AND_ASSIGN(StoredAgreement created,
                          registry_->Create(agreement, At(kInForceDay)));
  EXPECT_EQ(created.version_hash, AgreementVersionHash(agreement));
  EXPECT_EQ(created.status, v1::AGREEMENT_DRAFT);
  ASSERT_THAT(created.history, SizeIs(1));
  EXPECT_EQ(created.history[0].to_status(), v1::AGREEMENT_DRAFT);
  EXPECT_EQ(created.history[0].principal(), kAuthor);

  Reopen();
  EQ_ASSERT_OK_AND_ASSIGN(
      StoredAgreement loaded,
      registry_->Get(agreement.agreement_id(), agreement.version()));
  EXPECT_EQ(CanonicalAgreementBytes(loaded.agreement),
            CanonicalAgreementBytes(agreement));
  EXPECT_EQ(loaded.agreement.status(), v1::AGREEMENT_DRAFT);
  EXPECT_EQ(loaded.version_hash, created.version_hash);
  ASSERT_THAT(loaded.history, SizeIs(1));
  EXPECT_EQ(loaded.history[0].SerializeAsString(),
            created.history[0].SerializeAsString());

  EQ_ASSERT_OK_AND_ASSIGN(std::vector<StoredAgreement> all, registry_->List());
  ASSERT_THAT(all, SizeIs(1));
  EXPECT_EQ(all[0].version_hash, created.version_hash);

  EXPECT_THAT(registry_->Get(agreement.agreement_id(), 2),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(registry_->Get("no-such-agreement", 1),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(AgreementRegistryTest, OpensAFileTheStoreAlreadyMigrated) {
  // A second registry on the same file finds the schema in place.
  EQ_ASSERT_OK_AND_ASSIGN(auto other, AgreementRegistry::Open(path_));
  ASSERT_THAT(registry_->Create(Example(), At(kInForceDay)), IsOk());
  EQ_ASSERT_OK_AND_ASSIGN(std::vector<StoredAgreement> all, other->List());
  EXPECT_THAT(all, SizeIs(1));
}

TEST_F(AgreementRegistryTest, InvalidAgreementIsRefusedNamingTheRule) {
  v1::Agreement agreement = Example();
  agreement.clear_parties();
  EXPECT_THAT(registry_->Create(agreement, At(kInForceDay)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("agreement rule A2")));
  EQ_ASSERT_OK_AND_ASSIGN(std::vector<StoredAgreement> all, registry_->List());
  EXPECT_THAT(all, IsEmpty());
}

TEST_F(AgreementRegistryTest, RecreatingTheSameVersionIsIdempotent) {
  const v1::Agreement agreement = Example();
  EQ_ASSERT_OK_AND_ASSIGN(StoredAgreement first,
                          registry_->Create(agreement, At(kInForceDay)));
  // The status field is state, not content, so it does not make a conflict.
  v1::Agreement again = agreement;
  again.set_status(v1::AGREEMENT_ACTIVE);
  EQ_ASSERT_OK_AND_ASSIGN(
      StoredAgreement second,
      registry_->Create(again, At(kInForceDay) + absl::Hours(1)));
  EXPECT_EQ(second.version_hash, first.version_hash);
  EXPECT_EQ(second.status, v1::AGREEMENT_DRAFT);
  EXPECT_THAT(second.history, SizeIs(1));
  EQ_ASSERT_OK_AND_ASSIGN(std::vector<StoredAgreement> all, registry_->List());
  EXPECT_THAT(all, SizeIs(1));
}

TEST_F(AgreementRegistryTest, ChangedContentUnderTheSameVersionIsRefused) {
  const v1::Agreement agreement = Example();
  ASSERT_THAT(registry_->Create(agreement, At(kInForceDay)), IsOk());
  v1::Agreement changed = agreement;
  changed.set_title("A different title");
  EXPECT_THAT(registry_->Create(changed, At(kInForceDay)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("agreement versions are immutable")));
  EQ_ASSERT_OK_AND_ASSIGN(
      StoredAgreement stored,
      registry_->Get(agreement.agreement_id(), agreement.version()));
  EXPECT_EQ(stored.agreement.title(), agreement.title());
}

TEST_F(AgreementRegistryTest, SuccessorVersionMustFollowThePreviousOne) {
  const v1::Agreement v1_agreement = Example();
  ASSERT_THAT(registry_->Create(v1_agreement, At(kInForceDay)), IsOk());

  v1::Agreement wrong_hash = Successor(v1_agreement);
  wrong_hash.set_supersedes_hash(std::string(64, '0'));
  EXPECT_THAT(registry_->Create(wrong_hash, At(kInForceDay)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("lifecycle rule L7")));

  const v1::Agreement v2_agreement = Successor(v1_agreement);
  EQ_ASSERT_OK_AND_ASSIGN(StoredAgreement v2,
                          registry_->Create(v2_agreement, At(kInForceDay)));
  EXPECT_EQ(v2.agreement.version(), 2u);

  // Version 4 cannot follow a version 3 the registry never saw.
  v1::Agreement v4_agreement = Successor(Successor(v2_agreement));
  EXPECT_THAT(registry_->Create(v4_agreement, At(kInForceDay)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("lifecycle rule L7")));

  EQ_ASSERT_OK_AND_ASSIGN(std::vector<StoredAgreement> all, registry_->List());
  ASSERT_THAT(all, SizeIs(2));
  EXPECT_EQ(all[0].agreement.version(), 1u);
  EXPECT_EQ(all[1].agreement.version(), 2u);
}

TEST_F(AgreementRegistryTest, LifecycleWithFourEyesPersists) {
  const v1::Agreement agreement = Example();
  const std::string id = agreement.agreement_id();
  ASSERT_THAT(registry_->Create(agreement, At(kInForceDay)), IsOk());

  EXPECT_THAT(
      registry_->Transition(id, 1,
                            Request(v1::AGREEMENT_ACTION_APPROVE, kAuthor)),
      StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("four-eyes")));
  ASSERT_THAT(
      registry_->Transition(
          id, 1, Request(v1::AGREEMENT_ACTION_APPROVE, kCaldicottGuardian)),
      IsOk());
  EXPECT_THAT(
      registry_->Transition(
          id, 1, Request(v1::AGREEMENT_ACTION_APPROVE, kCaldicottGuardian)),
      StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("four-eyes")));
  // Activation before the second approval is refused by the lifecycle.
  EXPECT_THAT(registry_->Transition(
                  id, 1, Request(v1::AGREEMENT_ACTION_ACTIVATE, kSiro)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("lifecycle rule L1")));
  EQ_ASSERT_OK_AND_ASSIGN(
      v1::AgreementEvent approved,
      registry_->Transition(id, 1,
                            Request(v1::AGREEMENT_ACTION_APPROVE, kSiro)));
  EXPECT_EQ(approved.to_status(), v1::AGREEMENT_APPROVED);
  EQ_ASSERT_OK_AND_ASSIGN(
      v1::AgreementEvent activated,
      registry_->Transition(id, 1,
                            Request(v1::AGREEMENT_ACTION_ACTIVATE, kSiro)));
  EXPECT_EQ(activated.to_status(), v1::AGREEMENT_ACTIVE);

  EXPECT_THAT(
      registry_->Transition("no-such-agreement", 1,
                            Request(v1::AGREEMENT_ACTION_APPROVE, kSiro)),
      StatusIs(absl::StatusCode::kNotFound));

  Reopen();
  EQ_ASSERT_OK_AND_ASSIGN(StoredAgreement stored, registry_->Get(id, 1));
  EXPECT_EQ(stored.status, v1::AGREEMENT_ACTIVE);
  EXPECT_EQ(stored.agreement.status(), v1::AGREEMENT_ACTIVE);
  std::vector<v1::AgreementAction> actions;
  for (const v1::AgreementEvent& event : stored.history) {
    actions.push_back(event.action());
    EXPECT_EQ(event.agreement_hash(), stored.version_hash);
  }
  EXPECT_THAT(actions, ElementsAre(v1::AGREEMENT_ACTION_UNSPECIFIED,
                                   v1::AGREEMENT_ACTION_APPROVE,
                                   v1::AGREEMENT_ACTION_APPROVE,
                                   v1::AGREEMENT_ACTION_ACTIVATE));
}

TEST_F(AgreementRegistryTest, EffectiveActiveExcludesDraftSuspendedExpired) {
  ASSERT_THAT(registry_->Create(Example("DSA-ACTIVE"), At(kInForceDay)),
              IsOk());
  ASSERT_THAT(registry_->Create(Example("DSA-SUSPENDED"), At(kInForceDay)),
              IsOk());
  ASSERT_THAT(registry_->Create(Example("DSA-DRAFT"), At(kInForceDay)), IsOk());
  Activate("DSA-ACTIVE");
  Activate("DSA-SUSPENDED");
  ASSERT_THAT(registry_->Transition(
                  "DSA-SUSPENDED", 1,
                  Request(v1::AGREEMENT_ACTION_SUSPEND, kCaldicottGuardian)),
              IsOk());

  EQ_ASSERT_OK_AND_ASSIGN(std::vector<v1::Agreement> active,
                          registry_->EffectiveActive(kInForceDay));
  ASSERT_THAT(active, SizeIs(1));
  EXPECT_EQ(active[0].agreement_id(), "DSA-ACTIVE");
  EXPECT_EQ(active[0].status(), v1::AGREEMENT_ACTIVE);

  // After the expiry date nothing is active, even before the expiry job has
  // recorded it.
  const absl::CivilDay after_expiry(2028, 4, 1);
  EQ_ASSERT_OK_AND_ASSIGN(active, registry_->EffectiveActive(after_expiry));
  EXPECT_THAT(active, IsEmpty());
}

TEST_F(AgreementRegistryTest, ContentEditedInTheFileIsDataLoss) {
  const v1::Agreement agreement = Example();
  const std::string id = agreement.agreement_id();
  ASSERT_THAT(registry_->Create(agreement, At(kInForceDay)), IsOk());
  Activate(id);
  {
    // Another connection rewrites the agreed content behind the registry.
    store::sqlite::Database::Options options;
    options.path = path_;
    EQ_ASSERT_OK_AND_ASSIGN(auto raw, store::sqlite::Database::Open(options));
    // STRICT makes || yield TEXT, so the edit is cast back to a BLOB.
    ASSERT_THAT(raw->Execute("UPDATE agreements SET canonical = "
                             "CAST(canonical || x'7a01' AS BLOB)"),
                IsOk());
  }
  const absl::StatusOr<StoredAgreement> loaded = registry_->Get(id, 1);
  EXPECT_THAT(loaded, StatusIs(absl::StatusCode::kDataLoss,
                               HasSubstr(absl::StrCat(id, " version 1"))));
  EXPECT_THAT(loaded.status().message(), Not(HasSubstr(agreement.title())));
  EXPECT_THAT(registry_->List(), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(registry_->EffectiveActive(kInForceDay),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(registry_->Transition(
                  id, 1, Request(v1::AGREEMENT_ACTION_SUSPEND, kSiro)),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(AgreementRegistryTest, ContentAndHashSwappedFromAnotherRowIsDataLoss) {
  ASSERT_THAT(registry_->Create(Example("DSA-A"), At(kInForceDay)), IsOk());
  ASSERT_THAT(registry_->Create(Example("DSA-B"), At(kInForceDay)), IsOk());
  {
    store::sqlite::Database::Options options;
    options.path = path_;
    EQ_ASSERT_OK_AND_ASSIGN(auto raw, store::sqlite::Database::Open(options));
    ASSERT_THAT(
        raw->Execute("UPDATE agreements SET (canonical, version_hash) = "
                     "(SELECT canonical, version_hash FROM agreements WHERE "
                     "agreement_id = 'DSA-B') WHERE agreement_id = 'DSA-A'"),
        IsOk());
  }
  EXPECT_THAT(registry_->Get("DSA-A", 1),
              StatusIs(absl::StatusCode::kDataLoss));
}

// Two connections approving at once: BEGIN IMMEDIATE makes each read the
// other's event, so a duplicate approval by one principal fails exactly once
// and two different approvers together reach APPROVED.
TEST_F(AgreementRegistryTest, ConcurrentApprovalsSerialise) {
  EQ_ASSERT_OK_AND_ASSIGN(auto other, AgreementRegistry::Open(path_));
  constexpr int kRounds = 8;
  for (int round = 0; round < kRounds; ++round) {
    const std::string same = absl::StrCat("DSA-SAME-", round);
    const std::string pair = absl::StrCat("DSA-PAIR-", round);
    ASSERT_THAT(registry_->Create(Example(same), At(kInForceDay)), IsOk());
    ASSERT_THAT(registry_->Create(Example(pair), At(kInForceDay)), IsOk());

    absl::Status results[4];
    std::atomic<int> ready{0};
    auto approve = [&ready](AgreementRegistry* registry, const std::string& id,
                            const char* principal, absl::Status* result) {
      ready.fetch_add(1);
      while (ready.load() < 4) std::this_thread::yield();
      *result = registry
                    ->Transition(
                        id, 1, Request(v1::AGREEMENT_ACTION_APPROVE, principal))
                    .status();
    };
    std::vector<std::thread> threads;
    threads.emplace_back(approve, registry_.get(), same, kSiro, &results[0]);
    threads.emplace_back(approve, other.get(), same, kSiro, &results[1]);
    threads.emplace_back(approve, registry_.get(), pair, kSiro, &results[2]);
    threads.emplace_back(approve, other.get(), pair, kCaldicottGuardian,
                         &results[3]);
    for (std::thread& thread : threads) thread.join();

    EXPECT_NE(results[0].ok(), results[1].ok()) << "round " << round;
    for (const absl::Status& result : {results[0], results[1]}) {
      if (!result.ok()) {
        EXPECT_THAT(result, StatusIs(absl::StatusCode::kPermissionDenied,
                                     HasSubstr("four-eyes")));
      }
    }
    EXPECT_THAT(results[2], IsOk());
    EXPECT_THAT(results[3], IsOk());

    EQ_ASSERT_OK_AND_ASSIGN(StoredAgreement same_stored,
                            registry_->Get(same, 1));
    EXPECT_THAT(same_stored.history, SizeIs(2));
    EXPECT_EQ(same_stored.status, v1::AGREEMENT_DRAFT);
    EQ_ASSERT_OK_AND_ASSIGN(StoredAgreement pair_stored, other->Get(pair, 1));
    ASSERT_THAT(pair_stored.history, SizeIs(3));
    EXPECT_EQ(pair_stored.history[1].to_status(), v1::AGREEMENT_DRAFT);
    EXPECT_EQ(pair_stored.history[2].from_status(), v1::AGREEMENT_DRAFT);
    EXPECT_EQ(pair_stored.history[2].to_status(), v1::AGREEMENT_APPROVED);
    EXPECT_EQ(pair_stored.status, v1::AGREEMENT_APPROVED);
  }
}

}  // namespace
}  // namespace equilink::governance
