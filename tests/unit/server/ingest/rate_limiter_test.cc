#include "server/ingest/rate_limiter.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace equilink::ingest {
namespace {

using ::equilink::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

// A clock that only moves when the limiter sleeps or the test advances it.
struct FakeTime {
  absl::Time now = absl::FromUnixSeconds(1700000000);
  absl::Duration slept;
  RateLimiter::Options Options(double rate, double burst) {
    RateLimiter::Options options;
    options.records_per_second = rate;
    options.burst_records = burst;
    options.clock = [this] { return now; };
    options.sleep = [this](absl::Duration d) {
      slept += d;
      now += d;
    };
    return options;
  }
};

TEST(RateLimiterTest, BurstPassesAtOnce) {
  FakeTime time;
  RateLimiter limiter(time.Options(100, 1000));
  EXPECT_TRUE(limiter.Acquire("8HX12", 1000).ok());
  EXPECT_EQ(time.slept, absl::ZeroDuration());
}

TEST(RateLimiterTest, ShortShortfallWaitsForTokens) {
  FakeTime time;
  RateLimiter limiter(time.Options(100, 1000));
  ASSERT_TRUE(limiter.Acquire("8HX12", 1000).ok());
  EXPECT_TRUE(limiter.Acquire("8HX12", 50).ok());  // 0.5 s of refill
  EXPECT_EQ(time.slept, absl::Milliseconds(500));
}

TEST(RateLimiterTest, LongShortfallIsRefusedWithARetryHintAndTakesNothing) {
  FakeTime time;
  RateLimiter limiter(time.Options(100, 1000));
  ASSERT_TRUE(limiter.Acquire("8HX12", 1000).ok());
  EXPECT_THAT(
      limiter.Acquire("8HX12", 300),
      StatusIs(absl::StatusCode::kResourceExhausted,
               AllOf(HasSubstr("S11"), HasSubstr("retry after 3.0 s"))));
  EXPECT_EQ(time.slept, absl::ZeroDuration());
  time.now += absl::Seconds(3);
  EXPECT_TRUE(limiter.Acquire("8HX12", 300).ok());
}

TEST(RateLimiterTest, OrganisationsHaveTheirOwnBuckets) {
  FakeTime time;
  RateLimiter limiter(time.Options(100, 1000));
  ASSERT_TRUE(limiter.Acquire("8HX12", 1000).ok());
  EXPECT_TRUE(limiter.Acquire("8JK34", 1000).ok());
  EXPECT_EQ(time.slept, absl::ZeroDuration());
}

TEST(RateLimiterTest, BatchLargerThanTheBurstCanNeverPass) {
  FakeTime time;
  RateLimiter limiter(time.Options(100, 1000));
  EXPECT_THAT(
      limiter.Acquire("8HX12", 1001),
      StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("burst")));
}

}  // namespace
}  // namespace equilink::ingest
