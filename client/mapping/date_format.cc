#include "client/mapping/date_format.h"

#include <cstddef>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace equilink::client {
namespace {

constexpr absl::string_view kMonthNames[] = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads between min_digits and max_digits digits at text[*pos]; -1 if fewer.
int ReadNumber(absl::string_view text, size_t* pos, size_t min_digits,
               size_t max_digits) {
  int value = 0;
  size_t n = 0;
  while (n < max_digits && *pos < text.size() && IsDigit(text[*pos])) {
    value = value * 10 + (text[*pos] - '0');
    ++*pos;
    ++n;
  }
  return n >= min_digits ? value : -1;
}

// Month 1-12 from an English name or abbreviation at text[*pos]; -1 if none.
int ReadMonthName(absl::string_view text, size_t* pos, bool allow_full) {
  size_t end = *pos;
  while (end < text.size() && absl::ascii_isalpha(text[end])) ++end;
  const absl::string_view word = text.substr(*pos, end - *pos);
  for (int m = 0; m < 12; ++m) {
    const absl::string_view name = kMonthNames[m];
    const bool abbrev =
        word.size() == 3 && absl::EqualsIgnoreCase(word, name.substr(0, 3));
    const bool sept = m == 8 && absl::EqualsIgnoreCase(word, "sept");
    const bool full = allow_full && absl::EqualsIgnoreCase(word, name);
    if (abbrev || sept || full) {
      *pos = end;
      return m + 1;
    }
  }
  return -1;
}

// " 00:00" or "T00:00:00" and the like, which Excel and ISO timestamps add.
bool IsTimeOfDaySuffix(absl::string_view rest) {
  if (rest.empty()) return true;
  if (rest[0] != ' ' && rest[0] != 'T') return false;
  rest.remove_prefix(1);
  rest = absl::StripLeadingAsciiWhitespace(rest);
  if (rest.empty()) return false;
  for (char c : rest) {
    if (!IsDigit(c) && c != ':' && c != '.') return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<DateFormat> DateFormat::Compile(absl::string_view pattern) {
  std::vector<Element> elements;
  int days = 0, months = 0, years = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') {
      elements.push_back({Kind::kLiteral, pattern[i]});
      continue;
    }
    if (++i == pattern.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "BAD_DATE_FORMAT: date format \"", pattern, "\" ends with %"));
    }
    switch (pattern[i]) {
      case 'd':
        elements.push_back({Kind::kDay, 0});
        ++days;
        break;
      case 'm':
        elements.push_back({Kind::kMonth, 0});
        ++months;
        break;
      case 'b':
        elements.push_back({Kind::kMonthAbbrev, 0});
        ++months;
        break;
      case 'B':
        elements.push_back({Kind::kMonthName, 0});
        ++months;
        break;
      case 'Y':
        elements.push_back({Kind::kYear4, 0});
        ++years;
        break;
      case 'y':
        elements.push_back({Kind::kYear2, 0});
        ++years;
        break;
      case '%':
        elements.push_back({Kind::kLiteral, '%'});
        break;
      default:
        return absl::InvalidArgumentError(absl::StrCat(
            "BAD_DATE_FORMAT: date format \"", pattern,
            "\" has an unsupported directive %", pattern.substr(i, 1),
            " (supported: %d %m %Y %y %b %B)"));
    }
  }
  if (days != 1 || months != 1 || years != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "BAD_DATE_FORMAT: date format \"", pattern,
        "\" needs exactly one day, one month and one year directive"));
  }
  return DateFormat(std::move(elements));
}

std::optional<absl::CivilDay> DateFormat::Parse(absl::string_view text) const {
  int year = -1, month = -1, day = -1;
  size_t pos = 0;
  for (const Element& element : elements_) {
    switch (element.kind) {
      case Kind::kDay:
        day = ReadNumber(text, &pos, 1, 2);
        break;
      case Kind::kMonth:
        month = ReadNumber(text, &pos, 1, 2);
        break;
      case Kind::kYear4:
        year = ReadNumber(text, &pos, 4, 4);
        break;
      case Kind::kYear2:
        year = ReadNumber(text, &pos, 2, 2);
        if (year >= 0) year += year >= 69 ? 1900 : 2000;
        break;
      case Kind::kMonthAbbrev:
        month = ReadMonthName(text, &pos, false);
        break;
      case Kind::kMonthName:
        month = ReadMonthName(text, &pos, true);
        break;
      case Kind::kLiteral:
        if (pos >= text.size() || text[pos] != element.literal) {
          return std::nullopt;
        }
        ++pos;
        break;
    }
    if ((element.kind == Kind::kDay && day < 0) ||
        ((element.kind == Kind::kMonth || element.kind == Kind::kMonthAbbrev ||
          element.kind == Kind::kMonthName) &&
         month < 0) ||
        ((element.kind == Kind::kYear4 || element.kind == Kind::kYear2) &&
         year < 0)) {
      return std::nullopt;
    }
  }
  if (!IsTimeOfDaySuffix(text.substr(pos))) return std::nullopt;
  if (year < 1900 || year > 2100 || month < 1 || month > 12 || day < 1) {
    return std::nullopt;
  }
  const absl::CivilDay result(year, month, day);
  // CivilDay normalises 31 April to 1 May; a real date survives unchanged.
  if (result.month() != month || result.day() != day) return std::nullopt;
  return result;
}

std::optional<absl::CivilDay> ParseDateWithAny(
    absl::string_view text, const std::vector<DateFormat>& formats) {
  for (const DateFormat& format : formats) {
    if (auto day = format.Parse(text)) return day;
  }
  return std::nullopt;
}

void FormatIsoDate(absl::CivilDay day, char out[10]) {
  int year = static_cast<int>(day.year());
  for (int i = 3; i >= 0; --i) {
    out[i] = static_cast<char>('0' + year % 10);
    year /= 10;
  }
  out[4] = '-';
  out[5] = static_cast<char>('0' + day.month() / 10);
  out[6] = static_cast<char>('0' + day.month() % 10);
  out[7] = '-';
  out[8] = static_cast<char>('0' + day.day() / 10);
  out[9] = static_cast<char>('0' + day.day() % 10);
}

}  // namespace equilink::client
