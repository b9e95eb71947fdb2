#include "server/framework/population.h"

#include <optional>

#include "absl/time/civil_time.h"
#include "gtest/gtest.h"

namespace equilink::framework {
namespace {

TEST(ParseDayTest, AcceptsRealDays) {
  EXPECT_EQ(ParseDay("2026-03-31"), absl::CivilDay(2026, 3, 31));
  EXPECT_EQ(ParseDay("2024-02-29"), absl::CivilDay(2024, 2, 29));
}

TEST(ParseDayTest, RefusesDaysThatDoNotExist) {
  EXPECT_EQ(ParseDay("2026-02-30"), std::nullopt);
  EXPECT_EQ(ParseDay("2026-13-01"), std::nullopt);
  EXPECT_EQ(ParseDay("2026-3-31"), std::nullopt);
}

// Found by indicator_request_fuzz: "2026- 3-31" was taken as 31 March,
// because each part went to SimpleAtoi, which skips spaces and takes a sign.
TEST(ParseDayTest, RefusesAnythingButDigitsInEachPart) {
  EXPECT_EQ(ParseDay("2026- 3-31"), std::nullopt);
  EXPECT_EQ(ParseDay("2026-+3-31"), std::nullopt);
  EXPECT_EQ(ParseDay("2026-03-+1"), std::nullopt);
  EXPECT_EQ(ParseDay(" 202-03-31"), std::nullopt);
  EXPECT_EQ(ParseDay("-001-03-31"), std::nullopt);
}

TEST(ParseRequestPeriodTest, AcceptsAnOrderedPeriodOfAtMostFiveYears) {
  const std::optional<Period> period =
      ParseRequestPeriod("2025-04-01", "2026-03-31");
  ASSERT_TRUE(period.has_value());
  EXPECT_EQ(period->first_day, absl::CivilDay(2025, 4, 1));
  EXPECT_EQ(period->last_day, absl::CivilDay(2026, 3, 31));
  EXPECT_TRUE(ParseRequestPeriod("2026-01-01", "2026-01-01").has_value());
}

TEST(ParseRequestPeriodTest, RefusesReversedLongOrMalformedPeriods) {
  EXPECT_FALSE(ParseRequestPeriod("2026-03-31", "2025-04-01").has_value());
  EXPECT_FALSE(ParseRequestPeriod("2015-01-01", "2026-01-01").has_value());
  EXPECT_FALSE(ParseRequestPeriod("2025-04-01", "2026- 3-31").has_value());
  EXPECT_FALSE(ParseRequestPeriod("", "2026-03-31").has_value());
}

}  // namespace
}  // namespace equilink::framework
