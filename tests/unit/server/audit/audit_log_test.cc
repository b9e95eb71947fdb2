#include "server/audit/audit_log.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/audit/audit_reader.h"
#include "server/audit/audit_verifier.h"
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
using testing::BatchDecision;
using ::testing::Not;

class AuditLogTest : public testing::AuditLogFixture {};

TEST_F(AuditLogTest, AppendAssignsSequenceTimeAndChain) {
  std::unique_ptr<AuditLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  EQ_ASSERT_OK_AND_ASSIGN(const auto first, log->Append(BatchDecision(1)));
  EQ_ASSERT_OK_AND_ASSIGN(const auto second, log->Append(BatchDecision(2)));
  EXPECT_EQ(first.sequence(), 1u);
  EXPECT_EQ(second.sequence(), 2u);
  EXPECT_EQ(first.time_unix_micros(), 1'750'000'000'000'000);
  EXPECT_EQ(first.previous_hash(), GenesisHash());
  EXPECT_EQ(second.previous_hash(), first.entry_hash());
  EXPECT_EQ(second.entry_hash(), ComputeEntryHash(second));
}

TEST_F(AuditLogTest, AppendedLogVerifies) {
  WriteLog(10);
  EQ_ASSERT_OK_AND_ASSIGN(const auto report,
                          VerifyAuditLog(log_path(), *verifier_));
  EXPECT_TRUE(report.ok()) << report.detail();
  EXPECT_EQ(report.entries_checked(), 10u);
  EXPECT_EQ(report.last_sequence(), 10u);
  EXPECT_EQ(report.checkpoints_checked(), 2u);  // at 4 and 8
}

TEST_F(AuditLogTest, EmptyLogVerifies) {
  ASSERT_NE(OpenLog(), nullptr);
  EQ_ASSERT_OK_AND_ASSIGN(const auto report,
                          VerifyAuditLog(log_path(), *verifier_));
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.entries_checked(), 0u);
}

TEST_F(AuditLogTest, EntriesSurviveReopenAndTheChainContinues) {
  WriteLog(3);
  {
    std::unique_ptr<AuditLog> log = OpenLog();
    ASSERT_NE(log, nullptr);
    EQ_ASSERT_OK_AND_ASSIGN(const auto fourth, log->Append(BatchDecision(4)));
    EXPECT_EQ(fourth.sequence(), 4u);
  }
  RawConnection raw(log_path());
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM audit_entry"), 4);
  EXPECT_EQ(raw.QueryText("PRAGMA journal_mode"), "wal");
  EQ_ASSERT_OK_AND_ASSIGN(const auto report,
                          VerifyAuditLog(log_path(), *verifier_));
  EXPECT_TRUE(report.ok()) << report.detail();
  EXPECT_EQ(report.entries_checked(), 4u);
}

TEST_F(AuditLogTest, RefusedEntryIsNotStored) {
  std::unique_ptr<AuditLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  equilink::v1::AuditEntry entry = BatchDecision(1);
  entry.set_reason("record 9434765919 rejected");
  EXPECT_THAT(log->Append(entry), StatusIs(absl::StatusCode::kInvalidArgument));
  RawConnection raw(log_path());
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM audit_entry"), 0);
}

TEST_F(AuditLogTest, AppendFailsWhileAnotherConnectionHoldsTheWriteLock) {
  AuditLog::Options options = LogOptions(/*checkpoint_interval=*/4);
  options.busy_timeout_ms = 50;
  std::unique_ptr<AuditLog> log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  ASSERT_THAT(log->Append(BatchDecision(1)), IsOk());

  RawConnection raw(log_path());
  ASSERT_EQ(raw.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  EXPECT_THAT(log->Append(BatchDecision(2)),
              StatusIs(absl::StatusCode::kUnavailable));
  ASSERT_EQ(raw.Exec("ROLLBACK"), SQLITE_OK);

  // Nothing half-written: the next append takes sequence 2.
  EQ_ASSERT_OK_AND_ASSIGN(const auto next, log->Append(BatchDecision(3)));
  EXPECT_EQ(next.sequence(), 2u);
}

TEST_F(AuditLogTest, AppendFailsWhenTheWriteFails) {
  std::unique_ptr<AuditLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  ASSERT_THAT(log->Append(BatchDecision(1)), IsOk());
  // Stands in for any write error the disk or SQLite can raise mid-append.
  RawConnection raw(log_path());
  ASSERT_EQ(raw.Exec("CREATE TRIGGER fail BEFORE INSERT ON audit_entry "
                     "BEGIN SELECT RAISE(ABORT, 'disk gone'); END"),
            SQLITE_OK);
  EXPECT_THAT(log->Append(BatchDecision(2)), Not(IsOk()));
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM audit_entry"), 1);
}

TEST_F(AuditLogTest, StoredRowsRefuseUpdateAndDelete) {
  WriteLog(4);  // one checkpoint, at 4
  RawConnection raw(log_path());
  EXPECT_NE(raw.Exec("UPDATE audit_entry SET reason = 'x'"), SQLITE_OK);
  EXPECT_NE(raw.Exec("DELETE FROM audit_entry"), SQLITE_OK);
  EXPECT_NE(raw.Exec("DELETE FROM audit_checkpoint"), SQLITE_OK);
}

TEST_F(AuditLogTest, ConcurrentAppendsFormOneChain) {
  std::unique_ptr<AuditLog> log = OpenLog(/*checkpoint_interval=*/16);
  ASSERT_NE(log, nullptr);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < 25; ++i) {
        EXPECT_THAT(log->Append(BatchDecision(t * 100 + i)), IsOk());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EQ_ASSERT_OK_AND_ASSIGN(const auto report,
                          VerifyAuditLog(log_path(), *verifier_));
  EXPECT_TRUE(report.ok()) << report.detail();
  EXPECT_EQ(report.entries_checked(), 100u);
  EXPECT_EQ(report.checkpoints_checked(), 6u);
}

TEST_F(AuditLogTest, ConcurrentCallersEachGetTheirOwnStoredEntry) {
  std::unique_ptr<AuditLog> log = OpenLog(/*checkpoint_interval=*/16);
  ASSERT_NE(log, nullptr);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  std::vector<std::vector<equilink::v1::AuditEntry>> returned(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&log, &returned, t] {
      for (int i = 0; i < kPerThread; ++i) {
        absl::StatusOr<equilink::v1::AuditEntry> entry =
            log->Append(BatchDecision(t * 1000 + i));
        ASSERT_THAT(entry, IsOk());
        returned[t].push_back(*entry);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EQ_ASSERT_OK_AND_ASSIGN(const StoredAuditLog stored,
                          ReadStoredAuditLog(log_path(), 0, 0));
  ASSERT_EQ(stored.entries.size(), size_t{kThreads * kPerThread});
  std::set<uint64_t> sequences;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      const equilink::v1::AuditEntry& mine = returned[t][i];
      // Each caller got back its own decision, exactly as stored.
      EXPECT_EQ(mine.request_id(), absl::StrCat("sub-", t * 1000 + i));
      ASSERT_GE(mine.sequence(), 1u);
      ASSERT_LE(mine.sequence(), stored.entries.size());
      EXPECT_EQ(stored.entries[mine.sequence() - 1].SerializeAsString(),
                mine.SerializeAsString());
      sequences.insert(mine.sequence());
    }
  }
  EXPECT_EQ(sequences.size(), size_t{kThreads * kPerThread});  // gapless
  EQ_ASSERT_OK_AND_ASSIGN(const auto report,
                          VerifyAuditLog(log_path(), *verifier_));
  EXPECT_TRUE(report.ok()) << report.detail();
}

TEST_F(AuditLogTest, QueuedCallersShareOneTransaction) {
  // The log reads its clock once per transaction, so the number of distinct
  // entry times is the number of commits.
  std::atomic<int64_t> ticks{0};
  AuditLog::Options options = LogOptions(/*checkpoint_interval=*/0);
  options.clock = [&ticks] { return absl::FromUnixSeconds(++ticks); };
  std::unique_ptr<AuditLog> log = OpenLog(options);
  ASSERT_NE(log, nullptr);

  // Hold the write lock so the first caller waits in its transaction while
  // the other seven queue behind it.
  RawConnection raw(log_path());
  ASSERT_EQ(raw.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back(
        [&log, t] { EXPECT_THAT(log->Append(BatchDecision(t)), IsOk()); });
  }
  absl::SleepFor(absl::Milliseconds(300));
  ASSERT_EQ(raw.Exec("ROLLBACK"), SQLITE_OK);
  for (std::thread& thread : threads) thread.join();

  EQ_ASSERT_OK_AND_ASSIGN(const StoredAuditLog stored,
                          ReadStoredAuditLog(log_path(), 0, 0));
  ASSERT_EQ(stored.entries.size(), 8u);
  std::set<int64_t> commit_times;
  for (const auto& entry : stored.entries) {
    commit_times.insert(entry.time_unix_micros());
  }
  // The first caller's own transaction, then one for everyone queued.
  EXPECT_LE(commit_times.size(), 2u);
}

TEST_F(AuditLogTest, AFailedGroupFailsEveryCallerInIt) {
  AuditLog::Options options = LogOptions(/*checkpoint_interval=*/4);
  options.busy_timeout_ms = 100;
  std::unique_ptr<AuditLog> log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  ASSERT_THAT(log->Append(BatchDecision(1)), IsOk());

  RawConnection raw(log_path());
  ASSERT_EQ(raw.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&log, t] {
      EXPECT_THAT(log->Append(BatchDecision(10 + t)),
                  StatusIs(absl::StatusCode::kUnavailable));
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_EQ(raw.Exec("ROLLBACK"), SQLITE_OK);

  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM audit_entry"), 1);
  EQ_ASSERT_OK_AND_ASSIGN(const auto next, log->Append(BatchDecision(2)));
  EXPECT_EQ(next.sequence(), 2u);
}

TEST_F(AuditLogTest, PersonIsStoredAndHashed) {
  std::unique_ptr<AuditLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  equilink::v1::AuditEntry decision = BatchDecision(1);
  decision.mutable_principal()->set_person("urn:equilink:person:siro-01");
  EQ_ASSERT_OK_AND_ASSIGN(const auto stored, log->Append(decision));
  EXPECT_EQ(stored.principal().person(), "urn:equilink:person:siro-01");
  EQ_ASSERT_OK_AND_ASSIGN(const StoredAuditLog read,
                          ReadStoredAuditLog(log_path(), 0, 0));
  ASSERT_EQ(read.entries.size(), 1u);
  EXPECT_EQ(read.entries[0].principal().person(),
            "urn:equilink:person:siro-01");
  equilink::v1::AuditEntry without_person = stored;
  without_person.mutable_principal()->clear_person();
  EXPECT_NE(ComputeEntryHash(without_person), stored.entry_hash());
}

TEST_F(AuditLogTest, ExposesItsPathAndPublicKey) {
  std::unique_ptr<AuditLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->path(), log_path());
  EQ_ASSERT_OK_AND_ASSIGN(const std::string pem, log->PublicKeyPem());
  EQ_ASSERT_OK_AND_ASSIGN(auto verifier,
                          CheckpointVerifier::FromPublicKeyPem(pem));
  EXPECT_EQ(verifier->key_id(), log->key_id());
}

TEST_F(AuditLogTest, MakeCheckpointSignsTheNewestEntryOnce) {
  std::unique_ptr<AuditLog> log = OpenLog(/*checkpoint_interval=*/0);
  ASSERT_NE(log, nullptr);
  EXPECT_THAT(log->MakeCheckpoint(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EQ_ASSERT_OK_AND_ASSIGN(const auto entry, log->Append(BatchDecision(1)));
  ASSERT_THAT(log->Append(BatchDecision(2)), IsOk());
  EQ_ASSERT_OK_AND_ASSIGN(const auto checkpoint, log->MakeCheckpoint());
  EXPECT_EQ(checkpoint.sequence(), 2u);
  EXPECT_EQ(checkpoint.key_id(), verifier_->key_id());
  EXPECT_TRUE(verifier_->Verify(CheckpointSignedBytes(checkpoint),
                                checkpoint.signature()));
  EQ_ASSERT_OK_AND_ASSIGN(const auto again, log->MakeCheckpoint());
  EXPECT_EQ(again.signature(), checkpoint.signature());
  EQ_ASSERT_OK_AND_ASSIGN(const auto all, log->Checkpoints());
  EXPECT_EQ(all.size(), 1u);
  EXPECT_NE(entry.entry_hash(), checkpoint.entry_hash());
}

TEST_F(AuditLogTest, ExportedCheckpointsRoundTrip) {
  WriteLog(9);
  std::unique_ptr<AuditLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  EQ_ASSERT_OK_AND_ASSIGN(const auto checkpoints, log->Checkpoints());
  ASSERT_EQ(checkpoints.size(), 2u);
  EQ_ASSERT_OK_AND_ASSIGN(const auto later, log->Checkpoints(4));
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].sequence(), 8u);

  EQ_ASSERT_OK_AND_ASSIGN(const std::string lines,
                          CheckpointsToJsonLines(checkpoints));
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 2);
  EQ_ASSERT_OK_AND_ASSIGN(const auto parsed, ParseCheckpointJsonLines(lines));
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[1].SerializeAsString(), checkpoints[1].SerializeAsString());
  EXPECT_THAT(ParseCheckpointJsonLines("{\"sequence\": \"x\"}\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(AuditLogTest, OpenNeedsASigner) {
  EXPECT_THAT(AuditLog::Open(LogOptions(4), nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace equilink::audit
