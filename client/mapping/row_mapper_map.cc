// Mapping one row. This is the per-row hot path: no regex, no allocation
// beyond what filling the output needs, and values only ever go into the
// output record or identifiers, never into an issue.

#include <cmath>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "client/mapping/row_mapper.h"
#include "common/normalise/nhs_number.h"
#include "common/normalise/postcode.h"

namespace equilink::client {
namespace {

// Sessions above this are a typing error, not a service.
constexpr uint32_t kMaxSessions = 10000;

// absl::StripAsciiWhitespace with the same whitespace set, inlined: absl's
// calls a non-inlined predicate per byte, and every value of every row passes
// through here.
constexpr bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
         c == '\r';
}

absl::string_view TrimAsciiWhitespace(absl::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && IsAsciiSpace(text[begin])) ++begin;
  while (end > begin && IsAsciiSpace(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

void AddIssue(MappedRow* out, absl::string_view column, absl::string_view rule,
              Severity severity) {
  RowIssue& issue = out->issues.emplace_back();
  issue.row_number = out->row_number;
  issue.field.assign(column.data(), column.size());
  issue.rule.assign(rule.data(), rule.size());
  issue.severity = severity;
  if (severity == Severity::kReject) out->rejected = true;
}

void Reset(MappedRow* out, int row_number) {
  out->row_number = row_number;
  PersonIdentifiers& ids = out->ids;
  ids.local_record_id.clear();
  ids.local_client_id.clear();
  ids.nhs_number.clear();
  ids.forename.clear();
  ids.surname.clear();
  ids.date_of_birth.reset();
  ids.sex_code.clear();
  ids.postcode.clear();
  ids.address_line.clear();
  ids.locality.clear();
  out->record.Clear();
  out->issues.clear();
  out->rejected = false;
}

void SetIsoDate(absl::CivilDay day, std::string* out) {
  char buffer[10];
  FormatIsoDate(day, buffer);
  out->assign(buffer, sizeof(buffer));
}

// Whole years from `born` to `on`.
int AgeOn(absl::CivilDay born, absl::CivilDay on) {
  int years = static_cast<int>(on.year() - born.year());
  if (on.month() < born.month() ||
      (on.month() == born.month() && on.day() < born.day())) {
    --years;
  }
  return years;
}

// "SURNAME, Forename" or "Forename Middle Surname"; fills only empty parts so
// that separate forename and surname columns win.
void SplitFullName(absl::string_view name, PersonIdentifiers* ids) {
  absl::string_view forename, surname;
  const size_t comma = name.find(',');
  if (comma != absl::string_view::npos) {
    surname = absl::StripAsciiWhitespace(name.substr(0, comma));
    forename = absl::StripAsciiWhitespace(name.substr(comma + 1));
  } else {
    const size_t first_space = name.find_first_of(" \t");
    const size_t last_space = name.find_last_of(" \t");
    if (first_space == absl::string_view::npos) {
      surname = name;
    } else {
      forename = name.substr(0, first_space);
      surname = name.substr(last_space + 1);
    }
  }
  if (ids->forename.empty())
    ids->forename.assign(forename.data(), forename.size());
  if (ids->surname.empty()) ids->surname.assign(surname.data(), surname.size());
}

}  // namespace

void RowMapper::Map(const CsvRow& row, MappedRow* out) const {
  Reset(out, row.row_number);
  out->ids.organisation_code = organisation_code_;
  out->ids.postcode_scheme = postcode_scheme_;
  out->ids.national_id_scheme = national_id_scheme_;
  if (row.fields.size() != header_size_) {
    // Columns are shifted: nothing in the row can be trusted.
    AddIssue(out, "", rules::kRaggedRow, Severity::kReject);
    return;
  }
  for (int index : row.invalid_utf8_fields) {
    const std::string* column = used_column_names_[index];
    if (column != nullptr) {
      AddIssue(out, *column, rules::kInvalidUtf8, Severity::kReject);
    }
  }
  RowFacts facts;
  for (const ColumnPlan& plan : plans_) {
    const absl::string_view value = TrimAsciiWhitespace(row.fields[plan.index]);
    if (value.empty()) {
      if (plan.required || plan.field == v1::FIELD_LOCAL_RECORD_ID) {
        AddIssue(out, plan.column, rules::kRequired, Severity::kReject);
      }
      continue;
    }
    MapColumn(plan, value, row, out, &facts);
  }
  ApplyCrossFieldRules(facts, out);
}

void RowMapper::MapColumn(const ColumnPlan& plan, absl::string_view value,
                          const CsvRow& row, MappedRow* out,
                          RowFacts* facts) const {
  v1::PseudonymisedRecord& record = out->record;
  switch (plan.field) {
    case v1::FIELD_DATE_OF_BIRTH:
      // With invalid_as_missing a bad date only loses the date, not the row.
      facts->dob = MapDate(
          plan.column, value, out,
          plan.invalid_as_missing ? Severity::kWarning : Severity::kReject);
      facts->dob_plan = &plan;
      if (facts->dob.has_value()) {
        out->ids.date_of_birth = facts->dob;
        char buffer[10];
        FormatIsoDate(*facts->dob, buffer);
        record.set_birth_year_month(buffer, 7);
      }
      break;
    case v1::FIELD_REFERRAL_DATE:
      facts->referral = MapDate(plan.column, value, out);
      if (facts->referral)
        SetIsoDate(*facts->referral, record.mutable_referral_date());
      break;
    case v1::FIELD_FIRST_CONTACT_DATE:
      if (auto day = MapDate(plan.column, value, out)) {
        SetIsoDate(*day, record.mutable_first_contact_date());
      }
      break;
    case v1::FIELD_DISCHARGE_DATE:
      facts->discharge = MapDate(plan.column, value, out);
      facts->discharge_plan = &plan;
      if (facts->discharge)
        SetIsoDate(*facts->discharge, record.mutable_discharge_date());
      break;
    case v1::FIELD_SESSIONS_OFFERED:
      record.set_sessions_offered(MapCount(plan, value, out).value_or(0));
      break;
    case v1::FIELD_SESSIONS_ATTENDED:
      record.set_sessions_attended(MapCount(plan, value, out).value_or(0));
      facts->attended_plan = &plan;
      break;
    case v1::FIELD_SEX:
    case v1::FIELD_ETHNICITY:
    case v1::FIELD_SERVICE_TYPE:
    case v1::FIELD_REFERRAL_SOURCE:
      MapCode(plan, value, out);
      break;
    case v1::FIELD_POSTCODE:
      MapPostcode(plan, value, out);
      break;
    case v1::FIELD_OUTCOME_SCORE:
      MapOutcome(plan, value, row, out);
      break;
    case v1::FIELD_NEED_FLAG:
      MapNeed(plan, value, out);
      break;
    default:
      MapIdentity(plan, value, out);
      break;
  }
}

void RowMapper::MapIdentity(const ColumnPlan& plan, absl::string_view value,
                            MappedRow* out) const {
  PersonIdentifiers& ids = out->ids;
  switch (plan.field) {
    case v1::FIELD_LOCAL_RECORD_ID:
      ids.local_record_id.assign(value.data(), value.size());
      break;
    case v1::FIELD_LOCAL_CLIENT_ID:
      ids.local_client_id.assign(value.data(), value.size());
      break;
    case v1::FIELD_NHS_NUMBER: {
      ids.nhs_number.assign(value.data(), value.size());
      // A failed check is only a warning: the row still counts, and the
      // pseudonymiser records the status instead of a token.
      const NhsNumberCheck check =
          national_id_scheme_ == NationalIdScheme::kUnchecked
              ? ReadUncheckedNationalId(value).check
              : CheckNhsNumber(value).check;
      if (check == NhsNumberCheck::kInvalidFormat) {
        AddIssue(out, plan.column, rules::kNhsNumberFormat, Severity::kWarning);
      } else if (check == NhsNumberCheck::kInvalidChecksum) {
        AddIssue(out, plan.column, rules::kNhsNumberChecksum,
                 Severity::kWarning);
      }
      break;
    }
    case v1::FIELD_FORENAME:
      ids.forename.assign(value.data(), value.size());
      break;
    case v1::FIELD_SURNAME:
      ids.surname.assign(value.data(), value.size());
      break;
    case v1::FIELD_FULL_NAME:
      SplitFullName(value, &ids);
      break;
    case v1::FIELD_ADDRESS_LINE:
      if (!ids.address_line.empty()) ids.address_line.push_back(' ');
      ids.address_line.append(value.data(), value.size());
      break;
    case v1::FIELD_LOCALITY:
      if (!ids.locality.empty()) ids.locality.push_back(' ');
      ids.locality.append(value.data(), value.size());
      break;
    default:
      break;
  }
}

void RowMapper::MapPostcode(const ColumnPlan& plan, absl::string_view value,
                            MappedRow* out) const {
  out->ids.postcode.assign(value.data(), value.size());
  if (postcode_scheme_ == PostcodeScheme::kFreeText) {
    // Not a UK postcode, so there is no LSOA to look up.
    if (!FreeTextPostcode(value).has_value()) {
      AddIssue(out, plan.column, rules::kPostcodeFormat, Severity::kWarning);
    }
    return;
  }
  const std::optional<std::string> canonical = CanonicalPostcode(value);
  if (!canonical.has_value()) {
    AddIssue(out, plan.column, rules::kPostcodeFormat, Severity::kWarning);
    return;
  }
  if (postcodes_ == nullptr) return;
  const std::optional<absl::string_view> lsoa =
      postcodes_->FindLsoa(*canonical);
  if (!lsoa.has_value()) {
    AddIssue(out, plan.column, rules::kPostcodeNotInLookup, Severity::kWarning);
    return;
  }
  out->record.set_lsoa_code(lsoa->data(), lsoa->size());
}

void RowMapper::MapCode(const ColumnPlan& plan, absl::string_view value,
                        MappedRow* out) const {
  v1::PseudonymisedRecord& record = out->record;
  const ValueMapper* mapper = nullptr;
  std::string* code = nullptr;
  switch (plan.field) {
    case v1::FIELD_SEX:
      mapper = &*sex_;
      code = record.mutable_sex_code();
      break;
    case v1::FIELD_ETHNICITY:
      mapper = &*ethnicity_;
      code = record.mutable_ethnic_category();
      break;
    case v1::FIELD_SERVICE_TYPE:
      mapper = &*service_type_;
      code = record.mutable_service_type();
      break;
    default:
      mapper = &*referral_source_;
      code = record.mutable_referral_source();
      break;
  }
  if (!mapper->Map(value, code)) {
    AddIssue(out, plan.column, rules::kCodeset, Severity::kReject);
    return;
  }
  if (plan.field == v1::FIELD_SEX) out->ids.sex_code = *code;
}

void RowMapper::MapOutcome(const ColumnPlan& plan, absl::string_view value,
                           const CsvRow& row, MappedRow* out) const {
  double total = 0;
  if (!absl::SimpleAtod(value, &total) || !std::isfinite(total)) {
    AddIssue(out, plan.column, rules::kNumberFormat, Severity::kReject);
    return;
  }
  if (total < plan.range.min || total > plan.range.max) {
    AddIssue(out, plan.column, rules::kScoreRange, Severity::kReject);
    return;
  }
  v1::OutcomeScore* outcome = out->record.add_outcomes();
  outcome->set_instrument(plan.instrument);
  outcome->set_timepoint(plan.timepoint);
  outcome->set_total(total);
  if (plan.date_index < 0) return;
  const absl::string_view date =
      TrimAsciiWhitespace(row.fields[plan.date_index]);
  if (date.empty()) return;
  if (auto day = MapDate(plan.date_column, date, out)) {
    SetIsoDate(*day, outcome->mutable_date());
  }
}

void RowMapper::MapNeed(const ColumnPlan& plan, absl::string_view value,
                        MappedRow* out) const {
  char lower[64];
  if (value.size() > sizeof(lower)) return;  // no yes-value is that long
  for (size_t i = 0; i < value.size(); ++i) {
    lower[i] = absl::ascii_tolower(value[i]);
  }
  if (!yes_values_.contains(absl::string_view(lower, value.size()))) return;
  for (const std::string& need : out->record.needs()) {
    if (need == plan.need_code) return;
  }
  out->record.add_needs(plan.need_code);
}

std::optional<absl::CivilDay> RowMapper::MapDate(absl::string_view column,
                                                 absl::string_view value,
                                                 MappedRow* out,
                                                 Severity failure) const {
  const std::optional<absl::CivilDay> day =
      ParseDateWithAny(value, date_formats_);
  if (!day.has_value()) {
    AddIssue(out, column, rules::kDateFormat, failure);
    return std::nullopt;
  }
  if (*day > today_) {
    AddIssue(out, column, rules::kDateInFuture, failure);
    return std::nullopt;
  }
  return day;
}

std::optional<uint32_t> RowMapper::MapCount(const ColumnPlan& plan,
                                            absl::string_view value,
                                            MappedRow* out) const {
  uint32_t count = 0;
  if (!absl::SimpleAtoi(value, &count) || count > kMaxSessions) {
    AddIssue(out, plan.column, rules::kNumberFormat, Severity::kReject);
    return std::nullopt;
  }
  return count;
}

void RowMapper::ApplyCrossFieldRules(const RowFacts& facts,
                                     MappedRow* out) const {
  v1::PseudonymisedRecord& record = out->record;
  if (facts.dob && facts.referral) {
    if (*facts.referral < *facts.dob) {
      AddIssue(out, facts.dob_plan->column, rules::kDateOrder,
               Severity::kReject);
    } else {
      record.set_age_at_referral(
          static_cast<uint32_t>(AgeOn(*facts.dob, *facts.referral)));
    }
  }
  if (facts.discharge && facts.referral && *facts.discharge < *facts.referral) {
    AddIssue(out, facts.discharge_plan->column, rules::kDateOrder,
             Severity::kWarning);
  }
  if (record.sessions_offered() > 0 &&
      record.sessions_attended() > record.sessions_offered()) {
    AddIssue(out, facts.attended_plan->column, rules::kSessionCounts,
             Severity::kReject);
  }
}

}  // namespace equilink::client
