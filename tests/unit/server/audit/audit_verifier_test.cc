#include "server/audit/audit_verifier.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/audit/audit_reader.h"
#include "server/audit/checkpoint_export.h"
#include "server/audit/entry_hash.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/server/audit/audit_test_util.h"
#include "tests/unit/server/store/store_test_util.h"

namespace equilink::audit {
namespace {

using ::equilink::store::testing::RawConnection;
using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using equilink::v1::AuditVerifyReport;

constexpr int kEntries = 10;  // checkpoints at 4 and 8

// The tamperer's first step: the append-only triggers are no barrier to
// someone with write access to the file.
void DropGuards(RawConnection* raw) {
  ASSERT_EQ(raw->Exec("DROP TRIGGER audit_entry_no_update;"
                      "DROP TRIGGER audit_entry_no_delete;"
                      "DROP TRIGGER audit_checkpoint_no_update;"
                      "DROP TRIGGER audit_checkpoint_no_delete;"),
            SQLITE_OK);
}

class AuditVerifierTest : public testing::AuditLogFixture {
 protected:
  void SetUp() override {
    AuditLogFixture::SetUp();
    WriteLog(kEntries);
    raw_ = std::make_unique<RawConnection>(log_path());
    DropGuards(raw_.get());
  }

  // Verifies the file both ways, VerifyAuditLog and VerifyAuditEntries over
  // what ReadStoredAuditLog returns (what `equilink audit verify` does with
  // entries streamed from the gateway), and expects the same report.
  AuditVerifyReport Verify() {
    absl::StatusOr<AuditVerifyReport> report =
        VerifyAuditLog(log_path(), *verifier_);
    EXPECT_TRUE(report.ok()) << report.status();
    absl::StatusOr<StoredAuditLog> stored =
        ReadStoredAuditLog(log_path(), 0, 0);
    EXPECT_TRUE(stored.ok()) << stored.status();
    if (!report.ok() || !stored.ok()) return AuditVerifyReport();
    absl::StatusOr<AuditVerifyReport> from_entries =
        VerifyAuditEntries(stored->entries, stored->checkpoints, *verifier_);
    EXPECT_TRUE(from_entries.ok()) << from_entries.status();
    if (from_entries.ok()) {
      EXPECT_EQ(from_entries->SerializeAsString(), report->SerializeAsString())
          << "VerifyAuditEntries: " << from_entries->ShortDebugString()
          << "\nVerifyAuditLog: " << report->ShortDebugString();
    }
    return *report;
  }

  // Rewrites the hashes of every entry from `from` on, as an attacker who
  // knows the format would, so the chain is self-consistent again. Entries
  // are rebuilt from the test data plus the stored reason (the only column
  // the tests edit before calling this).
  void RehashFrom(int from) {
    std::string previous = raw_->QueryText(absl::StrCat(
        "SELECT entry_hash FROM audit_entry WHERE sequence = ", from - 1));
    for (int s = from; s <= kEntries; ++s) {
      equilink::v1::AuditEntry entry = testing::BatchDecision(s);
      entry.set_sequence(s);
      entry.set_time_unix_micros(1'750'000'000'000'000);
      entry.set_reason(raw_->QueryText(
          absl::StrCat("SELECT reason FROM audit_entry WHERE sequence = ", s)));
      entry.set_previous_hash(previous);
      const std::string hash = ComputeEntryHash(entry);
      ASSERT_EQ(raw_->Exec(absl::StrCat(
                    "UPDATE audit_entry SET previous_hash = x'",
                    absl::BytesToHexString(previous), "', entry_hash = x'",
                    absl::BytesToHexString(hash), "' WHERE sequence = ", s)),
                SQLITE_OK);
      previous = hash;
    }
  }

  std::unique_ptr<RawConnection> raw_;
};

TEST_F(AuditVerifierTest, UntouchedLogIsOk) {
  const AuditVerifyReport report = Verify();
  EXPECT_TRUE(report.ok()) << report.detail();
  EXPECT_EQ(report.problem(), equilink::v1::AUDIT_PROBLEM_NONE);
}

TEST_F(AuditVerifierTest, EditedRowIsNamedAsAltered) {
  ASSERT_EQ(raw_->Exec("UPDATE audit_entry SET records_accepted = 1 "
                       "WHERE sequence = 6"),
            SQLITE_OK);
  const AuditVerifyReport report = Verify();
  EXPECT_FALSE(report.ok());
  EXPECT_EQ(report.problem(), equilink::v1::AUDIT_ENTRY_ALTERED);
  EXPECT_EQ(report.problem_sequence(), 6u);
  EXPECT_EQ(report.entries_checked(), 5u);
  EXPECT_EQ(report.checkpoints_checked(), 1u);
}

TEST_F(AuditVerifierTest, EditedDecisionIsNamedAsAltered) {
  ASSERT_EQ(raw_->Exec("UPDATE audit_entry SET decision = 1, reason = '' "
                       "WHERE sequence = 5"),
            SQLITE_OK);
  const AuditVerifyReport report = Verify();
  EXPECT_EQ(report.problem(), equilink::v1::AUDIT_ENTRY_ALTERED);
  EXPECT_EQ(report.problem_sequence(), 5u);
}

TEST_F(AuditVerifierTest, EditedPersonIsNamedAsAltered) {
  ASSERT_EQ(raw_->Exec("UPDATE audit_entry SET person = "
                       "'urn:equilink:person:someone-else' WHERE sequence = 7"),
            SQLITE_OK);
  const AuditVerifyReport report = Verify();
  EXPECT_EQ(report.problem(), equilink::v1::AUDIT_ENTRY_ALTERED);
  EXPECT_EQ(report.problem_sequence(), 7u);
}

TEST_F(AuditVerifierTest, DeletedRowIsNamedAsRemoved) {
  ASSERT_EQ(raw_->Exec("DELETE FROM audit_entry WHERE sequence = 3"),
            SQLITE_OK);
  const AuditVerifyReport report = Verify();
  EXPECT_EQ(report.problem(), equilink::v1::AUDIT_ENTRY_REMOVED);
  EXPECT_EQ(report.problem_sequence(), 3u);
  EXPECT_EQ(report.entries_checked(), 2u);
}

TEST_F(AuditVerifierTest, DeletedAndRenumberedRowIsNamedAsRemoved) {
  ASSERT_EQ(raw_->Exec("DELETE FROM audit_entry WHERE sequence = 3;"
                       "UPDATE audit_entry SET sequence = sequence - 1 "
                       "WHERE sequence > 3"),
            SQLITE_OK);
  const AuditVerifyReport report = Verify();
  EXPECT_EQ(report.problem(), equilink::v1::AUDIT_ENTRY_REMOVED);
  EXPECT_EQ(report.problem_sequence(), 3u);
}

TEST_F(AuditVerifierTest, SwappedRowsAreNamedAsReordered) {
  ASSERT_EQ(
      raw_->Exec("UPDATE audit_entry SET sequence = 1000 "
                 "WHERE sequence = 7;"
                 "UPDATE audit_entry SET sequence = 7 WHERE sequence = 6;"
                 "UPDATE audit_entry SET sequence = 6 WHERE sequence = 1000"),
      SQLITE_OK);
  const AuditVerifyReport report = Verify();
  EXPECT_EQ(report.problem(), equilink::v1::AUDIT_ENTRY_REORDERED);
  EXPECT_EQ(report.problem_sequence(), 6u);
  EXPECT_EQ(report.entries_checked(), 5u);
}

TEST_F(AuditVerifierTest, TruncatedTailBelowACheckpointIsNamedAsRemoved) {
  ASSERT_EQ(raw_->Exec("DELETE FROM audit_entry WHERE sequence > 7"),
            SQLITE_OK);
  const AuditVerifyReport report = Verify();
  EXPECT_EQ(report.problem(), equilink::v1::AUDIT_ENTRY_REMOVED);
  EXPECT_EQ(report.problem_sequence(), 8u);
}

TEST_F(AuditVerifierTest, RehashedRewriteIsCaughtByTheCheckpoint) {
  ASSERT_EQ(raw_->Exec("UPDATE audit_entry SET reason = 'nothing to see' "
                       "WHERE sequence = 2"),
            SQLITE_OK);
  RehashFrom(2);
  const AuditVerifyReport report = Verify();
  EXPECT_EQ(report.problem(), equilink::v1::AUDIT_CHECKPOINT_HASH_MISMATCH);
  EXPECT_EQ(report.problem_sequence(), 4u);
}

TEST_F(AuditVerifierTest, ForgedCheckpointSignatureIsDetected) {
  ASSERT_EQ(raw_->Exec("UPDATE audit_checkpoint SET signature = "
                       "zeroblob(64) WHERE sequence = 8"),
            SQLITE_OK);
  const AuditVerifyReport report = Verify();
  EXPECT_EQ(report.problem(), equilink::v1::AUDIT_CHECKPOINT_BAD_SIGNATURE);
  EXPECT_EQ(report.problem_sequence(), 8u);
  EXPECT_EQ(report.checkpoints_checked(), 1u);
}

TEST_F(AuditVerifierTest, CheckpointSignedByAnotherKeyIsDetected) {
  ASSERT_THAT(CheckpointSigner::GenerateKeyFile(dir_.File("other.pem")),
              IsOk());
  EQ_ASSERT_OK_AND_ASSIGN(
      auto other, CheckpointSigner::LoadFromFile(dir_.File("other.pem")));
  equilink::v1::AuditCheckpoint forged;
  forged.set_sequence(4);
  forged.set_entry_hash(
      raw_->QueryText("SELECT entry_hash FROM audit_entry WHERE sequence = 4"));
  forged.set_time_unix_micros(1);

  // Honest about its key id: an unknown key.
  forged.set_key_id(other->key_id());
  EQ_ASSERT_OK_AND_ASSIGN(std::string signature,
                          other->Sign(CheckpointSignedBytes(forged)));
  forged.set_signature(signature);
  EQ_ASSERT_OK_AND_ASSIGN(AuditVerifyReport report,
                          VerifyAuditLog(log_path(), *verifier_, {forged}));
  EXPECT_EQ(report.problem(), equilink::v1::AUDIT_CHECKPOINT_UNKNOWN_KEY);
  EXPECT_EQ(report.problem_sequence(), 4u);

  // Claiming the gateway's key id: the signature fails.
  forged.set_key_id(verifier_->key_id());
  EQ_ASSERT_OK_AND_ASSIGN(signature,
                          other->Sign(CheckpointSignedBytes(forged)));
  forged.set_signature(signature);
  EQ_ASSERT_OK_AND_ASSIGN(report,
                          VerifyAuditLog(log_path(), *verifier_, {forged}));
  EXPECT_EQ(report.problem(), equilink::v1::AUDIT_CHECKPOINT_BAD_SIGNATURE);
}

TEST_F(AuditVerifierTest, PublishedCheckpointCatchesDeletedCheckpointRows) {
  EQ_ASSERT_OK_AND_ASSIGN(std::vector<equilink::v1::AuditCheckpoint> stored,
                          [&] {
                            std::unique_ptr<AuditLog> log = OpenLog();
                            return log->Checkpoints();
                          }());
  EQ_ASSERT_OK_AND_ASSIGN(const std::string published,
                          CheckpointsToJsonLines(stored));
  // Rewrite history and remove the checkpoints that would betray it.
  ASSERT_EQ(raw_->Exec("UPDATE audit_entry SET reason = 'nothing to see' "
                       "WHERE sequence = 2; DELETE FROM audit_checkpoint"),
            SQLITE_OK);
  RehashFrom(2);
  EXPECT_TRUE(Verify().ok());  // locally consistent, as documented

  EQ_ASSERT_OK_AND_ASSIGN(const auto parsed,
                          ParseCheckpointJsonLines(published));
  EQ_ASSERT_OK_AND_ASSIGN(const AuditVerifyReport report,
                          VerifyAuditLog(log_path(), *verifier_, parsed));
  EXPECT_EQ(report.problem(), equilink::v1::AUDIT_CHECKPOINT_HASH_MISMATCH);
  EXPECT_EQ(report.problem_sequence(), 4u);
}

TEST_F(AuditVerifierTest, ReadStoredAuditLogPagesEntriesWithTheirCheckpoints) {
  EQ_ASSERT_OK_AND_ASSIGN(const StoredAuditLog first,
                          ReadStoredAuditLog(log_path(), 0, 5));
  ASSERT_EQ(first.entries.size(), 5u);
  EXPECT_EQ(first.entries.front().sequence(), 1u);
  EXPECT_EQ(first.entries.back().sequence(), 5u);
  ASSERT_EQ(first.checkpoints.size(), 1u);  // at 4; the one at 8 is not due
  EXPECT_EQ(first.checkpoints[0].sequence(), 4u);

  EQ_ASSERT_OK_AND_ASSIGN(const StoredAuditLog rest,
                          ReadStoredAuditLog(log_path(), 5, 100));
  ASSERT_EQ(rest.entries.size(), 5u);
  EXPECT_EQ(rest.entries.front().sequence(), 6u);
  ASSERT_EQ(rest.checkpoints.size(), 1u);
  EXPECT_EQ(rest.checkpoints[0].sequence(), 8u);

  // The pages together verify like the whole file.
  std::vector<equilink::v1::AuditEntry> entries = first.entries;
  entries.insert(entries.end(), rest.entries.begin(), rest.entries.end());
  std::vector<equilink::v1::AuditCheckpoint> checkpoints = first.checkpoints;
  checkpoints.insert(checkpoints.end(), rest.checkpoints.begin(),
                     rest.checkpoints.end());
  EQ_ASSERT_OK_AND_ASSIGN(const AuditVerifyReport report,
                          VerifyAuditEntries(entries, checkpoints, *verifier_));
  EXPECT_TRUE(report.ok()) << report.detail();
  EXPECT_EQ(report.entries_checked(), 10u);
  EXPECT_EQ(report.checkpoints_checked(), 2u);
}

TEST_F(AuditVerifierTest, ReadStoredAuditLogReturnsRowsAsStoredUnverified) {
  ASSERT_EQ(raw_->Exec("UPDATE audit_entry SET reason = 'rewritten' "
                       "WHERE sequence = 3"),
            SQLITE_OK);
  EQ_ASSERT_OK_AND_ASSIGN(const StoredAuditLog stored,
                          ReadStoredAuditLog(log_path(), 0, 0));
  ASSERT_EQ(stored.entries.size(), 10u);
  EXPECT_EQ(stored.entries[2].reason(), "rewritten");
  EXPECT_EQ(stored.checkpoints.size(), 2u);
}

TEST_F(AuditVerifierTest, LogNotStartingAtEntryOneIsNamedAsRemoved) {
  EQ_ASSERT_OK_AND_ASSIGN(const StoredAuditLog tail,
                          ReadStoredAuditLog(log_path(), 2, 0));
  EQ_ASSERT_OK_AND_ASSIGN(
      const AuditVerifyReport report,
      VerifyAuditEntries(tail.entries, tail.checkpoints, *verifier_));
  EXPECT_EQ(report.problem(), equilink::v1::AUDIT_ENTRY_REMOVED);
  EXPECT_EQ(report.problem_sequence(), 1u);
}

TEST(VerifyAuditLogTest, MissingFileIsNotFoundAndIsNotCreated) {
  equilink::testing::TempDir dir;
  ASSERT_THAT(CheckpointSigner::GenerateKeyFile(dir.File("k.pem")), IsOk());
  EQ_ASSERT_OK_AND_ASSIGN(auto signer,
                          CheckpointSigner::LoadFromFile(dir.File("k.pem")));
  EQ_ASSERT_OK_AND_ASSIGN(const std::string pem, signer->PublicKeyPem());
  EQ_ASSERT_OK_AND_ASSIGN(auto verifier,
                          CheckpointVerifier::FromPublicKeyPem(pem));
  EXPECT_THAT(VerifyAuditLog(dir.File("none.db"), *verifier),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(ReadStoredAuditLog(dir.File("none.db"), 0, 0),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(equilink::testing::ReadFileOrEmpty(dir.File("none.db")).empty());
}

}  // namespace
}  // namespace equilink::audit
