#include "client/mapping/date_format.h"

#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace equilink::client {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;

std::optional<absl::CivilDay> ParseWith(absl::string_view pattern,
                                        absl::string_view text) {
  absl::StatusOr<DateFormat> format = DateFormat::Compile(pattern);
  EXPECT_THAT(format, IsOk());
  if (!format.ok()) return std::nullopt;
  return format->Parse(text);
}

TEST(DateFormatTest, DayMonthYear) {
  EXPECT_EQ(ParseWith("%d/%m/%Y", "12/03/2014"), absl::CivilDay(2014, 3, 12));
  EXPECT_EQ(ParseWith("%d/%m/%Y", "1/3/2014"), absl::CivilDay(2014, 3, 1));
  EXPECT_EQ(ParseWith("%Y-%m-%d", "2014-03-12"), absl::CivilDay(2014, 3, 12));
  EXPECT_EQ(ParseWith("%d.%m.%Y", "29.02.2016"), absl::CivilDay(2016, 2, 29));
}

TEST(DateFormatTest, MonthNamesInAnyCase) {
  EXPECT_EQ(ParseWith("%d-%b-%Y", "12-Mar-2014"), absl::CivilDay(2014, 3, 12));
  EXPECT_EQ(ParseWith("%d-%b-%Y", "12-MAR-2014"), absl::CivilDay(2014, 3, 12));
  EXPECT_EQ(ParseWith("%d-%b-%Y", "5-sept-2014"), absl::CivilDay(2014, 9, 5));
  EXPECT_EQ(ParseWith("%d %B %Y", "5 September 2014"),
            absl::CivilDay(2014, 9, 5));
  EXPECT_EQ(ParseWith("%d %B %Y", "5 sep 2014"), absl::CivilDay(2014, 9, 5));
  EXPECT_FALSE(ParseWith("%d-%b-%Y", "12-September-2014").has_value());
  EXPECT_FALSE(ParseWith("%d-%b-%Y", "12-Mrz-2014").has_value());
}

TEST(DateFormatTest, TwoDigitYearsPivotAt69) {
  EXPECT_EQ(ParseWith("%d/%m/%y", "12/03/14"), absl::CivilDay(2014, 3, 12));
  EXPECT_EQ(ParseWith("%d/%m/%y", "12/03/75"), absl::CivilDay(1975, 3, 12));
}

TEST(DateFormatTest, RejectsImpossibleAndPartialDates) {
  EXPECT_FALSE(ParseWith("%d/%m/%Y", "31/04/2014").has_value());
  EXPECT_FALSE(ParseWith("%d/%m/%Y", "29/02/2015").has_value());
  EXPECT_FALSE(ParseWith("%d/%m/%Y", "00/02/2015").has_value());
  EXPECT_FALSE(ParseWith("%d/%m/%Y", "12/13/2014").has_value());
  EXPECT_FALSE(ParseWith("%d/%m/%Y", "12/03/14").has_value());
  EXPECT_FALSE(ParseWith("%d/%m/%Y", "12/03/2014x").has_value());
  EXPECT_FALSE(ParseWith("%d/%m/%Y", "2014-03-12").has_value());
  EXPECT_FALSE(ParseWith("%d/%m/%Y", "").has_value());
  EXPECT_FALSE(ParseWith("%d/%m/%Y", "12/03/1899").has_value());
  EXPECT_FALSE(ParseWith("%d/%m/%Y", "12/03/2101").has_value());
}

TEST(DateFormatTest, IgnoresATrailingTimeOfDay) {
  EXPECT_EQ(ParseWith("%d/%m/%Y", "12/03/2014 00:00"),
            absl::CivilDay(2014, 3, 12));
  EXPECT_EQ(ParseWith("%Y-%m-%d", "2014-03-12T09:30:00"),
            absl::CivilDay(2014, 3, 12));
  EXPECT_FALSE(ParseWith("%d/%m/%Y", "12/03/2014 noon").has_value());
}

TEST(DateFormatTest, CompileRejectsBadPatterns) {
  for (const char* pattern :
       {"%d/%m", "%d/%m/%Y/%Y", "%d/%q/%Y", "%d/%m/%Y%", "%H:%M", ""}) {
    EXPECT_THAT(DateFormat::Compile(pattern),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         ::testing::HasSubstr("BAD_DATE_FORMAT")))
        << pattern;
  }
}

TEST(DateFormatTest, FirstMatchingFormatWins) {
  std::vector<DateFormat> formats;
  for (const char* p : {"%d/%m/%Y", "%Y-%m-%d", "%d-%b-%Y"}) {
    formats.push_back(*DateFormat::Compile(p));
  }
  EXPECT_EQ(ParseDateWithAny("2014-03-12", formats),
            absl::CivilDay(2014, 3, 12));
  EXPECT_EQ(ParseDateWithAny("12-Mar-2014", formats),
            absl::CivilDay(2014, 3, 12));
  EXPECT_FALSE(ParseDateWithAny("March 12th", formats).has_value());
}

TEST(DateFormatTest, FormatIsoDate) {
  char buffer[10];
  FormatIsoDate(absl::CivilDay(2014, 3, 2), buffer);
  EXPECT_EQ(absl::string_view(buffer, 10), "2014-03-02");
}

}  // namespace
}  // namespace equilink::client
