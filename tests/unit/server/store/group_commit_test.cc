// Group commit in SqliteStore: concurrency, grouping, duplicates inside a
// group, failures shared by a group and draining on Close. Grouping is made
// deterministic by holding the database's write lock from a second
// connection, so the writer thread waits in BEGIN IMMEDIATE while the test
// queues more calls behind it.

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/sqlite_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/unit/server/store/store_test_util.h"

namespace equilink::store {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using testing::IsOkAndHolds;
using testing::MakeBatch;
using testing::RawConnection;
using testing::WaitFor;

class GroupCommitTest : public ::testing::Test {
 protected:
  void Open(int busy_timeout_ms) {
    SqliteOptions options;
    options.path = path_;
    options.busy_timeout_ms = busy_timeout_ms;
    EQ_ASSERT_OK_AND_ASSIGN(store_, SqliteStore::Open(options));
  }
  // Commits `batch` on a new thread into `*out`.
  std::thread CommitAsync(BatchWrite batch, absl::StatusOr<CommitResult>* out) {
    return std::thread([this, batch = std::move(batch), out]() mutable {
      *out = store_->CommitBatch(std::move(batch));
    });
  }
  bool WriterHolds(size_t in_flight, size_t queued) {
    return WaitFor([&] {
      SqliteStore::Stats stats = store_->GetStats();
      return stats.in_flight == in_flight && stats.queued == queued;
    });
  }

  ::equilink::testing::TempDir dir_;
  const std::string path_ = dir_.File("store.db");
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(GroupCommitTest, ConcurrentCommitsAreAllDurableAndGrouped) {
  Open(5000);
  constexpr int kThreads = 8;
  constexpr int kBatchesPerThread = 20;
  constexpr int kRecords = 50;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatchesPerThread; ++b) {
        const uint64_t first_key = (t * kBatchesPerThread + b) * kRecords;
        auto result = store_->CommitBatch(
            MakeBatch("RX1", "s" + std::to_string(t), b, kRecords, first_key));
        if (!result.ok() || result->already_stored) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(failures, ::testing::Each(0));

  const SqliteStore::Stats stats = store_->GetStats();
  EXPECT_EQ(stats.batches, kThreads * kBatchesPerThread);
  EXPECT_LT(stats.transactions, stats.batches);  // grouping happened
  EXPECT_EQ(stats.failed_transactions, 0);
  store_.reset();
  Open(5000);  // all of it is durable
  for (int t = 0; t < kThreads; ++t) {
    const std::string sub = "s" + std::to_string(t);
    EXPECT_THAT(store_->RecordsInSubmission("RX1", sub),
                IsOkAndHolds(kBatchesPerThread * kRecords));
    EXPECT_THAT(store_->DurableSequences("RX1", sub),
                IsOkAndHolds(::testing::SizeIs(kBatchesPerThread)));
  }
}

TEST_F(GroupCommitTest, DuplicateInsideOneGroupIsStoredOnce) {
  Open(10000);
  RawConnection lock(path_);
  ASSERT_EQ(lock.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  absl::StatusOr<CommitResult> blocker, first, second;
  std::thread t0 = CommitAsync(MakeBatch("RX1", "s0", 0, 1, 900), &blocker);
  ASSERT_TRUE(WriterHolds(1, 0));  // the writer waits for the lock
  std::thread t1 = CommitAsync(MakeBatch("RX1", "s1", 0, 3, 0), &first);
  std::thread t2 = CommitAsync(MakeBatch("RX1", "s1", 0, 3, 0), &second);
  ASSERT_TRUE(WriterHolds(1, 2));
  ASSERT_EQ(lock.Exec("COMMIT"), SQLITE_OK);
  t0.join();
  t1.join();
  t2.join();
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  EXPECT_NE(first->already_stored, second->already_stored);
  EXPECT_EQ(first->ack, "ack-s1-0");
  EXPECT_EQ(second->ack, "ack-s1-0");
  EXPECT_EQ(store_->GetStats().transactions, 2);  // blocker, then the pair
  EXPECT_EQ(lock.QueryInt("SELECT count(*) FROM batches"), 2);
  EXPECT_EQ(lock.QueryInt("SELECT count(*) FROM records"), 4);
}

TEST_F(GroupCommitTest, ConstraintFailureIsConfinedToItsBatch) {
  Open(10000);
  RawConnection lock(path_);
  ASSERT_EQ(lock.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  absl::StatusOr<CommitResult> blocker, good1, bad, good2;
  std::thread t0 = CommitAsync(MakeBatch("RX1", "s0", 0, 1, 900), &blocker);
  ASSERT_TRUE(WriterHolds(1, 0));
  BatchWrite broken = MakeBatch("RX1", "s1", 1, 4, 10);
  broken.records[2].record_pseudonym.clear();
  std::thread t1 = CommitAsync(MakeBatch("RX1", "s1", 0, 4, 0), &good1);
  ASSERT_TRUE(WriterHolds(1, 1));
  std::thread t2 = CommitAsync(broken, &bad);
  ASSERT_TRUE(WriterHolds(1, 2));
  std::thread t3 = CommitAsync(MakeBatch("RX1", "s1", 2, 4, 20), &good2);
  ASSERT_TRUE(WriterHolds(1, 3));
  ASSERT_EQ(lock.Exec("COMMIT"), SQLITE_OK);
  for (std::thread* t : {&t0, &t1, &t2, &t3}) t->join();
  EXPECT_THAT(good1, IsOk());
  EXPECT_THAT(good2, IsOk());
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument,
                            ::testing::HasSubstr("record 2 of batch")));
  EXPECT_EQ(store_->GetStats().transactions, 2);
  EXPECT_THAT(store_->DurableSequences("RX1", "s1"),
              IsOkAndHolds(::testing::ElementsAre(0, 2)));
  EXPECT_THAT(store_->RecordsInSubmission("RX1", "s1"), IsOkAndHolds(8));
}

TEST_F(GroupCommitTest, FailedTransactionFailsEveryCallerAndKeepsEarlierData) {
  Open(50);
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s1", 0, 5, 0)), IsOk());
  RawConnection lock(path_);
  ASSERT_EQ(lock.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  constexpr int kCallers = 6;
  std::vector<absl::StatusOr<CommitResult>> results(kCallers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCallers; ++i) {
    threads.push_back(CommitAsync(
        MakeBatch("RX1", "s1", i + 1, 5, 100 * (i + 1)), &results[i]));
  }
  for (std::thread& thread : threads) thread.join();
  for (const auto& result : results) {
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kUnavailable));
  }
  EXPECT_GE(store_->GetStats().failed_transactions, 1);
  ASSERT_EQ(lock.Exec("COMMIT"), SQLITE_OK);
  EXPECT_THAT(store_->DurableSequences("RX1", "s1"),
              IsOkAndHolds(::testing::ElementsAre(0)));
  EXPECT_THAT(store_->RecordsInSubmission("RX1", "s1"), IsOkAndHolds(5));
  // Retried once the lock is gone, they go through.
  EXPECT_THAT(store_->CommitBatch(MakeBatch("RX1", "s1", 1, 5, 100)), IsOk());
}

TEST_F(GroupCommitTest, CloseDrainsQueuedBatches) {
  Open(10000);
  RawConnection lock(path_);
  ASSERT_EQ(lock.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  absl::StatusOr<CommitResult> r0, r1, r2;
  std::thread t0 = CommitAsync(MakeBatch("RX1", "s1", 0, 2, 0), &r0);
  ASSERT_TRUE(WriterHolds(1, 0));
  std::thread t1 = CommitAsync(MakeBatch("RX1", "s1", 1, 2, 10), &r1);
  std::thread t2 = CommitAsync(MakeBatch("RX1", "s1", 2, 2, 20), &r2);
  ASSERT_TRUE(WriterHolds(1, 2));
  std::thread closer([this] { store_->Close(); });
  // Calls made after Close has begun are refused.
  ASSERT_TRUE(WaitFor([this] { return store_->GetStats().closing; }));
  EXPECT_THAT(store_->CommitBatch(MakeBatch("RX1", "s1", 9, 1, 90)),
              StatusIs(absl::StatusCode::kUnavailable));
  ASSERT_EQ(lock.Exec("COMMIT"), SQLITE_OK);
  closer.join();
  for (std::thread* t : {&t0, &t1, &t2}) t->join();
  EXPECT_THAT(r0, IsOk());
  EXPECT_THAT(r1, IsOk());
  EXPECT_THAT(r2, IsOk());
  EXPECT_THAT(store_->DurableSequences("RX1", "s1"),
              IsOkAndHolds(::testing::ElementsAre(0, 1, 2)));
}

}  // namespace
}  // namespace equilink::store
