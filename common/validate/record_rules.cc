#include "common/validate/record_rules.h"

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "common/pseudo/bloom_spec.h"

// Everything here runs on the gateway's hot path for every record, so the
// checks compare against small constant tables and never allocate: the only
// std::string built is the field name of a violation, which is rare.

namespace equilink {
namespace {

constexpr absl::string_view kServiceTypes[] = {
    "EARLY_HELP_FAMILY", "PARENTING",      "YOUTH_WORK",
    "MENTORING",         "MH_WELLBEING",   "COUNSELLING",
    "YOUNG_CARERS",      "FOOD_HAF",       "HOUSING_HOMELESSNESS",
    "DOMESTIC_ABUSE",    "EXPLOITATION",   "HEALTH_EDUCATION_ASTHMA",
    "ORAL_HEALTH",       "HEALTHY_WEIGHT", "SOCIAL_PRESCRIBING",
    "ADVICE_INCOME_MAX", "OTHER",
};

constexpr absl::string_view kReferralSources[] = {
    "GP",    "SP_LINK_WORKER", "SCHOOL",     "SELF",           "FAMILY",
    "CAMHS", "SOCIAL_CARE",    "OTHER_VCSE", "HEALTH_VISITOR", "OTHER",
};

constexpr absl::string_view kTimepoints[] = {"BASELINE", "REVIEW", "EXIT",
                                             "FOLLOW_UP"};

struct InstrumentRange {
  absl::string_view instrument;
  ScoreRange range;
};

constexpr InstrumentRange kInstrumentRanges[] = {
    {"WEMWBS14", {14, 70}},       {"SWEMWBS7", {7, 35}},
    {"SDQ_TOTAL", {0, 40}},       {"ONS4_LIFE_SATISFACTION", {0, 10}},
    {"ONS4_WORTHWHILE", {0, 10}}, {"ONS4_HAPPINESS", {0, 10}},
    {"ONS4_ANXIETY", {0, 10}},    {"GBO", {0, 10}},
    {"YP_CORE", {0, 40}},         {"RCADS25", {0, 75}},
};

template <size_t N>
bool IsOneOf(absl::string_view code, const absl::string_view (&set)[N]) {
  for (absl::string_view candidate : set) {
    if (candidate == code) return true;
  }
  return false;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Parses exactly `text.size()` ASCII digits; -1 when any is not a digit.
int ParseDigits(absl::string_view text) {
  int value = 0;
  for (char c : text) {
    if (!IsDigit(c)) return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

bool IsLeapYear(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int DaysInMonth(int year, int month) {
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeapYear(year)) return 29;
  return kDays[month - 1];
}

bool IsYearInRange(int year) { return year >= 1900 && year <= 2100; }

RecordViolation Violation(v1::RecordRejectReason reason, const char* field) {
  return RecordViolation{reason, field};
}

bool IsToken(const std::string& bytes) { return bytes.size() == kTokenBytes; }

std::optional<RecordViolation> CheckIdentity(
    const v1::PseudonymisedRecord& record) {
  if (record.record_pseudonym().empty()) {
    return Violation(v1::REJECT_MISSING_RECORD_PSEUDONYM, "record_pseudonym");
  }
  if (!IsToken(record.record_pseudonym())) {
    return Violation(v1::REJECT_MALFORMED_TOKEN, "record_pseudonym");
  }
  if (!record.client_pseudonym().empty() &&
      !IsToken(record.client_pseudonym())) {
    return Violation(v1::REJECT_MALFORMED_TOKEN, "client_pseudonym");
  }
  const v1::NhsNumberStatus status = record.nhs_number_status();
  if (status == v1::NHS_NUMBER_STATUS_UNSPECIFIED ||
      !v1::NhsNumberStatus_IsValid(status)) {
    return Violation(v1::REJECT_INVALID_NHS_STATUS, "nhs_number_status");
  }
  const bool has_token = !record.nhs_number_token().empty();
  if (status == v1::NHS_NUMBER_VALID || status == v1::NATIONAL_ID_UNCHECKED) {
    if (!has_token) {
      return Violation(v1::REJECT_INVALID_NHS_STATUS, "nhs_number_token");
    }
    if (!IsToken(record.nhs_number_token())) {
      return Violation(v1::REJECT_MALFORMED_TOKEN, "nhs_number_token");
    }
  } else if (has_token) {
    // A token without a valid status would let an unchecked number link.
    return Violation(v1::REJECT_INVALID_NHS_STATUS, "nhs_number_token");
  }
  return std::nullopt;
}

std::optional<RecordViolation> CheckMatchKeys(
    const v1::PseudonymisedRecord& record) {
  uint32_t seen = 0;  // bit k set once kind k has appeared
  for (const v1::MatchKeyToken& key : record.match_keys()) {
    const int kind = key.kind();
    if (kind == v1::MATCH_KEY_KIND_UNSPECIFIED ||
        !v1::MatchKeyKind_IsValid(kind) || kind >= 32) {
      return Violation(v1::REJECT_MALFORMED_TOKEN, "match_keys");
    }
    if (!IsToken(key.token())) {
      return Violation(v1::REJECT_MALFORMED_TOKEN, "match_keys");
    }
    if (seen & (1u << kind)) {
      return Violation(v1::REJECT_MALFORMED_TOKEN, "match_keys");
    }
    seen |= 1u << kind;
  }
  return std::nullopt;
}

std::optional<RecordViolation> CheckBloom(
    const v1::PseudonymisedRecord& record) {
  uint32_t seen = 0;
  for (const v1::BloomEncoding& encoding : record.bloom()) {
    if (encoding.field() == v1::BLOOM_RECORD_CLK) {
      // A clkhash schema chooses the length; the engine holds up to 1024 bits.
      const size_t bytes = encoding.bits().size();
      if (bytes == 0 || bytes > kMaxRecordClkBits / 8) {
        return Violation(v1::REJECT_MALFORMED_BLOOM, "bloom");
      }
      const uint32_t bit = 1u << encoding.field();
      if (seen & bit) return Violation(v1::REJECT_MALFORMED_BLOOM, "bloom");
      seen |= bit;
      continue;
    }
    const std::optional<BloomFieldSpec> spec =
        FindBloomFieldSpec(encoding.field());
    if (!spec.has_value() || encoding.field() >= 32) {
      return Violation(v1::REJECT_MALFORMED_BLOOM, "bloom");
    }
    if (encoding.bits().size() != spec->bit_length / 8) {
      return Violation(v1::REJECT_MALFORMED_BLOOM, "bloom");
    }
    const uint32_t bit = 1u << encoding.field();
    if (seen & bit) return Violation(v1::REJECT_MALFORMED_BLOOM, "bloom");
    seen |= bit;
  }
  return std::nullopt;
}

bool IsOptionalIsoDate(const std::string& text) {
  return text.empty() || IsIsoDate(text);
}

std::optional<RecordViolation> CheckDatesAndCodes(
    const v1::PseudonymisedRecord& record) {
  if (!record.birth_year_month().empty() &&
      !IsYearMonth(record.birth_year_month())) {
    return Violation(v1::REJECT_INVALID_DATE, "birth_year_month");
  }
  if (!IsOptionalIsoDate(record.referral_date())) {
    return Violation(v1::REJECT_INVALID_DATE, "referral_date");
  }
  if (!IsOptionalIsoDate(record.first_contact_date())) {
    return Violation(v1::REJECT_INVALID_DATE, "first_contact_date");
  }
  if (!IsOptionalIsoDate(record.discharge_date())) {
    return Violation(v1::REJECT_INVALID_DATE, "discharge_date");
  }
  if (!record.sex_code().empty() && !IsValidSexCode(record.sex_code())) {
    return Violation(v1::REJECT_INVALID_CODE, "sex_code");
  }
  if (!record.ethnic_category().empty() &&
      !IsValidEthnicCategory(record.ethnic_category())) {
    return Violation(v1::REJECT_INVALID_CODE, "ethnic_category");
  }
  if (!record.service_type().empty() &&
      !IsValidServiceType(record.service_type())) {
    return Violation(v1::REJECT_INVALID_CODE, "service_type");
  }
  if (!record.referral_source().empty() &&
      !IsValidReferralSource(record.referral_source())) {
    return Violation(v1::REJECT_INVALID_CODE, "referral_source");
  }
  if (!record.lsoa_code().empty() && !IsValidLsoaCode(record.lsoa_code())) {
    return Violation(v1::REJECT_INVALID_LSOA, "lsoa_code");
  }
  return std::nullopt;
}

std::optional<RecordViolation> CheckServiceFacts(
    const v1::PseudonymisedRecord& record) {
  for (const v1::OutcomeScore& outcome : record.outcomes()) {
    const std::optional<ScoreRange> range =
        OutcomeScoreRange(outcome.instrument());
    if (!range.has_value()) {
      return Violation(v1::REJECT_INVALID_CODE, "outcomes.instrument");
    }
    if (!IsValidOutcomeTimepoint(outcome.timepoint())) {
      return Violation(v1::REJECT_INVALID_CODE, "outcomes.timepoint");
    }
    if (!IsOptionalIsoDate(outcome.date())) {
      return Violation(v1::REJECT_INVALID_DATE, "outcomes.date");
    }
    const double total = outcome.total();
    // NaN fails both comparisons, so test finiteness explicitly.
    if (!std::isfinite(total) || total < range->min || total > range->max) {
      return Violation(v1::REJECT_SCORE_OUT_OF_RANGE, "outcomes.total");
    }
  }
  if (record.sessions_offered() > 0 &&
      record.sessions_attended() > record.sessions_offered()) {
    return Violation(v1::REJECT_SCORE_OUT_OF_RANGE, "sessions_attended");
  }
  return std::nullopt;
}

}  // namespace

bool IsValidSexCode(absl::string_view code) {
  return code.size() == 1 &&
         (code[0] == '1' || code[0] == '2' || code[0] == '9' || code[0] == 'X');
}

bool IsValidEthnicCategory(absl::string_view code) {
  if (code == "99") return true;
  if (code.size() != 1) return false;
  const char c = code[0];
  // The Data Dictionary skips I, O and Q (they read like digits) and T-Y.
  return (c >= 'A' && c <= 'H') || (c >= 'J' && c <= 'N') || c == 'P' ||
         c == 'R' || c == 'S' || c == 'Z';
}

bool IsValidServiceType(absl::string_view code) {
  return IsOneOf(code, kServiceTypes);
}

bool IsValidReferralSource(absl::string_view code) {
  return IsOneOf(code, kReferralSources);
}

bool IsValidOutcomeTimepoint(absl::string_view code) {
  return IsOneOf(code, kTimepoints);
}

bool IsValidLsoaCode(absl::string_view code) {
  if (code.size() != 9) return false;
  if (code[0] != 'E' && code[0] != 'W') return false;
  if (code[1] != '0' || code[2] != '1') return false;
  return ParseDigits(code.substr(3)) >= 0;
}

bool IsIsoDate(absl::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  const int year = ParseDigits(text.substr(0, 4));
  const int month = ParseDigits(text.substr(5, 2));
  const int day = ParseDigits(text.substr(8, 2));
  if (!IsYearInRange(year) || month < 1 || month > 12) return false;
  return day >= 1 && day <= DaysInMonth(year, month);
}

bool IsYearMonth(absl::string_view text) {
  if (text.size() != 7 || text[4] != '-') return false;
  const int year = ParseDigits(text.substr(0, 4));
  const int month = ParseDigits(text.substr(5, 2));
  return IsYearInRange(year) && month >= 1 && month <= 12;
}

std::optional<ScoreRange> OutcomeScoreRange(absl::string_view instrument) {
  for (const InstrumentRange& entry : kInstrumentRanges) {
    if (entry.instrument == instrument) return entry.range;
  }
  return std::nullopt;
}

std::optional<RecordViolation> CheckPseudonymisedRecord(
    const v1::PseudonymisedRecord& record) {
  if (auto v = CheckIdentity(record)) return v;
  if (auto v = CheckMatchKeys(record)) return v;
  if (auto v = CheckBloom(record)) return v;
  if (auto v = CheckDatesAndCodes(record)) return v;
  return CheckServiceFacts(record);
}

}  // namespace equilink
