// The gateway-wide bound on submitted batches in memory
// (server/api/ingest_budget.h).

#include "server/api/ingest_budget.h"

#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/status/retry_after.h"
#include "gtest/gtest.h"

namespace equilink::api {
namespace {

TEST(IngestBudgetTest, TakesWhatFitsAndRecordsThePeak) {
  IngestBudget budget(100);
  EXPECT_TRUE(budget.Acquire(60, absl::ZeroDuration()).ok());
  EXPECT_TRUE(budget.Acquire(40, absl::ZeroDuration()).ok());
  EXPECT_EQ(budget.in_use(), 100);
  budget.Release(60);
  budget.Release(40);
  EXPECT_EQ(budget.in_use(), 0);
  EXPECT_EQ(budget.peak(), 100);
}

TEST(IngestBudgetTest, FullBudgetRefusesWithARetryHintAfterTheWait) {
  IngestBudget budget(100);
  ASSERT_TRUE(budget.Acquire(90, absl::ZeroDuration()).ok());
  const absl::Time start = absl::Now();
  const absl::Status refused = budget.Acquire(20, absl::Milliseconds(50));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  ASSERT_TRUE(RetryAfter(refused).has_value());
  EXPECT_GT(*RetryAfter(refused), absl::ZeroDuration());
  EXPECT_EQ(budget.in_use(), 90);  // the refused batch took nothing
}

TEST(IngestBudgetTest, AWaitingBatchGetsInOnceRoomIsGivenBack) {
  IngestBudget budget(100);
  ASSERT_TRUE(budget.Acquire(90, absl::ZeroDuration()).ok());
  absl::Notification acquired;
  std::thread waiter([&] {
    EXPECT_TRUE(budget.Acquire(50, absl::Seconds(10)).ok());
    acquired.Notify();
  });
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_FALSE(acquired.HasBeenNotified());
  budget.Release(90);
  waiter.join();
  EXPECT_EQ(budget.in_use(), 50);
  EXPECT_LE(budget.peak(), 100);
}

TEST(IngestBudgetTest, ABatchLargerThanTheBudgetPassesWhenNothingIsHeld) {
  IngestBudget budget(100);
  EXPECT_TRUE(budget.Acquire(500, absl::ZeroDuration()).ok());
  EXPECT_FALSE(budget.Acquire(1, absl::Milliseconds(1)).ok());
}

TEST(IngestBudgetTest, ZeroCapacityIsUnbounded) {
  IngestBudget budget(0);
  EXPECT_TRUE(budget.Acquire(int64_t{1} << 40, absl::ZeroDuration()).ok());
  EXPECT_TRUE(budget.Acquire(int64_t{1} << 40, absl::ZeroDuration()).ok());
}

}  // namespace
}  // namespace equilink::api
