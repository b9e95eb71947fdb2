#ifndef EQUILINK_CLIENT_MAPPING_DATE_FORMAT_H_
#define EQUILINK_CLIENT_MAPPING_DATE_FORMAT_H_

// Date patterns of the exports, parsed without strptime (whose %b depends on
// the locale of the machine the CLI happens to run on).
//
// Directives: %d day (1-2 digits), %m month (1-2 digits), %Y year (4 digits),
// %y year (2 digits: 69-99 -> 19xx, 00-68 -> 20xx, as POSIX), %b month
// abbreviation (Jan, Sep or Sept; any case), %B full English month name (any
// case; the abbreviation is accepted too), %% a literal %. Any other character
// must match itself. Dates outside 1900-2100 do not parse. A trailing time of
// day (" 00:00" or " 00:00:00", as Excel appends) is ignored.

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace equilink::client {

class DateFormat {
 public:
  // Compiles `pattern`. InvalidArgument (rule BAD_DATE_FORMAT) for an unknown
  // directive or a pattern without exactly one day, month and year.
  static absl::StatusOr<DateFormat> Compile(absl::string_view pattern);

  // The date `text` denotes, or nullopt when it does not match the whole text
  // or is not a real calendar date. Does not allocate.
  std::optional<absl::CivilDay> Parse(absl::string_view text) const;

 private:
  enum class Kind {
    kDay,
    kMonth,
    kYear4,
    kYear2,
    kMonthAbbrev,
    kMonthName,
    kLiteral
  };
  struct Element {
    Kind kind;
    char literal;
  };
  explicit DateFormat(std::vector<Element> elements)
      : elements_(std::move(elements)) {}

  std::vector<Element> elements_;
};

// Tries each format in order; the first match wins.
std::optional<absl::CivilDay> ParseDateWithAny(
    absl::string_view text, const std::vector<DateFormat>& formats);

// Writes "YYYY-MM-DD" (10 chars) into out. REQUIRES: year in 1000-9999.
void FormatIsoDate(absl::CivilDay day, char out[10]);

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_MAPPING_DATE_FORMAT_H_
