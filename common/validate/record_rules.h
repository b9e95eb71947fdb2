#ifndef EQUILINK_COMMON_VALIDATE_RECORD_RULES_H_
#define EQUILINK_COMMON_VALIDATE_RECORD_RULES_H_

// The rules a pseudonymised record must meet. The client applies them before
// submitting and the gateway applies them again on receipt, because it never
// trusts the client; both sides use this one implementation so they cannot
// drift apart.

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "equilink/v1/record.pb.h"
#include "equilink/v1/submission.pb.h"

namespace equilink {

// NHS Data Dictionary person stated gender code: 1, 2, 9, X.
bool IsValidSexCode(absl::string_view code);
// NHS Data Dictionary ethnic category: A-H, J-N, P, R, S, Z (not stated), 99
// (not known).
bool IsValidEthnicCategory(absl::string_view code);
// The controlled service-type list (reference/vcse-records.md): MH_WELLBEING,
// YOUNG_CARERS, ...
bool IsValidServiceType(absl::string_view code);
bool IsValidReferralSource(absl::string_view code);
bool IsValidOutcomeTimepoint(absl::string_view code);
// An English or Welsh LSOA code: E01 or W01 followed by six digits.
bool IsValidLsoaCode(absl::string_view code);
// YYYY-MM-DD, a real calendar date between 1900-01-01 and 2100-12-31.
bool IsIsoDate(absl::string_view text);
// YYYY-MM with month 01-12 and year 1900-2100.
bool IsYearMonth(absl::string_view text);

struct ScoreRange {
  double min = 0;
  double max = 0;
};
// The valid range of an outcome instrument's total score, or nullopt for an
// unknown instrument.
std::optional<ScoreRange> OutcomeScoreRange(absl::string_view instrument);

struct RecordViolation {
  v1::RecordRejectReason reason = v1::RECORD_REJECT_REASON_UNSPECIFIED;
  std::string field;  // proto field name, e.g. "ethnic_category"; never a value
};

// Checks every rule for one record: token and encoding shapes (32-byte tokens,
// known Bloom fields of the specified lengths, no repeated field), NHS status
// consistent with the token, dates, codes, LSOA and score ranges. Returns the
// first violation, or nullopt when valid.
std::optional<RecordViolation> CheckPseudonymisedRecord(
    const v1::PseudonymisedRecord& record);

}  // namespace equilink

#endif  // EQUILINK_COMMON_VALIDATE_RECORD_RULES_H_
