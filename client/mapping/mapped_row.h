#ifndef EQUILINK_CLIENT_MAPPING_MAPPED_ROW_H_
#define EQUILINK_CLIENT_MAPPING_MAPPED_ROW_H_

// What the mapper makes of one CSV row: identifiers (kept on the VCSE machine),
// the non-identity part of the record, and the issues found. An issue names
// the row, the column and the rule, and never the value: the rejects report
// built from issues is shared with people who must not see the data.

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/pseudo/person_identifiers.h"
#include "equilink/v1/record.pb.h"

namespace equilink::client {

enum class Severity {
  kReject,   // the row is not submitted
  kWarning,  // the row is submitted; the field is left empty or unverified
};

absl::string_view SeverityName(Severity severity);  // "reject", "warning"

struct RowIssue {
  int row_number = 0;  // spreadsheet row (CsvRow::row_number)
  std::string field;   // the export's column name; empty for the whole row
  std::string rule;    // one of the rule names below
  Severity severity = Severity::kReject;
};

struct MappedRow {
  int row_number = 0;
  PersonIdentifiers ids;
  // Non-identity fields only: birth_year_month, lsoa_code, sex_code,
  // ethnic_category, age_at_referral, service facts, outcomes and needs. The
  // pseudonymiser fills the identity fields.
  v1::PseudonymisedRecord record;
  std::vector<RowIssue> issues;
  bool rejected = false;  // true when any issue has Severity::kReject
};

// Rule names used in RowIssue::rule.
namespace rules {
inline constexpr absl::string_view kRequired = "REQUIRED";
inline constexpr absl::string_view kDateFormat = "DATE_FORMAT";
inline constexpr absl::string_view kDateInFuture = "DATE_IN_FUTURE";
inline constexpr absl::string_view kDateOrder = "DATE_ORDER";
inline constexpr absl::string_view kCodeset = "CODESET";
inline constexpr absl::string_view kScoreRange = "SCORE_RANGE";
inline constexpr absl::string_view kNumberFormat = "NUMBER_FORMAT";
inline constexpr absl::string_view kSessionCounts = "SESSION_COUNTS";
inline constexpr absl::string_view kNhsNumberChecksum = "NHS_NUMBER_CHECKSUM";
inline constexpr absl::string_view kNhsNumberFormat = "NHS_NUMBER_FORMAT";
inline constexpr absl::string_view kPostcodeFormat = "POSTCODE_FORMAT";
inline constexpr absl::string_view kPostcodeNotInLookup =
    "POSTCODE_NOT_IN_LOOKUP";
inline constexpr absl::string_view kRaggedRow = "RAGGED_ROW";
inline constexpr absl::string_view kInvalidUtf8 = "INVALID_UTF8";
}  // namespace rules

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_MAPPING_MAPPED_ROW_H_
