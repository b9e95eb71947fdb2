#include "server/framework/population.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace equilink::framework {
namespace {

bool IsRecordedEthnicity(const std::string& category) {
  if (category == "Z") return true;
  return category.size() == 1 && category[0] >= 'A' && category[0] <= 'S' &&
         category[0] != 'I' && category[0] != 'O' && category[0] != 'Q';
}

Sex SexOf(const std::string& code) {
  if (code == "1") return Sex::kMale;
  if (code == "2") return Sex::kFemale;
  return Sex::kNotKnown;
}

// Interns `text` into `codes`; nullopt when the code space is full.
std::optional<Code> Intern(const std::string& text,
                           std::vector<std::string>* codes,
                           absl::flat_hash_map<std::string, Code>* code_of) {
  const auto it = code_of->find(text);
  if (it != code_of->end()) return it->second;
  if (codes->size() > std::numeric_limits<Code>::max()) return std::nullopt;
  const Code code = static_cast<Code>(codes->size());
  codes->push_back(text);
  code_of->emplace(text, code);
  return code;
}

}  // namespace

std::optional<absl::CivilDay> ParseDay(const std::string& text) {
  int year = 0;
  int month = 0;
  int day = 0;
  // Digits only: SimpleAtoi alone would also take "+1", " 3" or "-0".
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  for (const size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) {
      return std::nullopt;
    }
  }
  if (!absl::SimpleAtoi(text.substr(0, 4), &year) ||
      !absl::SimpleAtoi(text.substr(5, 2), &month) ||
      !absl::SimpleAtoi(text.substr(8, 2), &day)) {
    return std::nullopt;
  }
  const absl::CivilDay civil(year, month, day);
  // CivilDay normalises 2026-02-30 to March: such a date is not a date.
  if (civil.year() != year || civil.month() != month || civil.day() != day) {
    return std::nullopt;
  }
  return civil;
}

std::optional<Period> ParseRequestPeriod(const std::string& first_day,
                                         const std::string& last_day) {
  const std::optional<absl::CivilDay> first = ParseDay(first_day);
  const std::optional<absl::CivilDay> last = ParseDay(last_day);
  if (!first.has_value() || !last.has_value() || *last < *first ||
      *last - *first > kMaxRequestPeriodDays) {
    return std::nullopt;
  }
  return Period{*first, *last};
}

EthnicGroup EthnicGroupOf(const std::string& category) {
  if (category == "Z") return EthnicGroup::kNotStated;
  if (!IsRecordedEthnicity(category)) return EthnicGroup::kNotKnown;
  const char c = category[0];
  if (c <= 'C') return EthnicGroup::kWhite;
  if (c <= 'G') return EthnicGroup::kMixed;
  if (c <= 'L') return EthnicGroup::kAsian;
  if (c <= 'P') return EthnicGroup::kBlack;
  return EthnicGroup::kOther;
}

const char* EthnicGroupName(EthnicGroup group) {
  switch (group) {
    case EthnicGroup::kWhite:
      return "White";
    case EthnicGroup::kMixed:
      return "Mixed";
    case EthnicGroup::kAsian:
      return "Asian or Asian British";
    case EthnicGroup::kBlack:
      return "Black or Black British";
    case EthnicGroup::kOther:
      return "Other ethnic group";
    case EthnicGroup::kNotStated:
      return "Not stated";
    case EthnicGroup::kNotKnown:
      return "Not known";
  }
  return "Not known";
}

const char* SexName(Sex sex) {
  switch (sex) {
    case Sex::kMale:
      return "Male";
    case Sex::kFemale:
      return "Female";
    case Sex::kNotKnown:
      return "Not known";
  }
  return "Not known";
}

int AgeBandOf(const v1::PseudonymisedRecord& record) {
  // age_at_referral is 0 both for a baby and when unknown: only a record
  // with a referral date states an age.
  if (record.referral_date().empty()) return kAgeBandCount - 1;
  const uint32_t age = record.age_at_referral();
  if (age <= 4) return 0;
  if (age <= 9) return 1;
  if (age <= 14) return 2;
  if (age <= 17) return 3;
  if (age <= 25) return 4;
  return kAgeBandCount - 1;
}

const char* AgeBandName(int band) {
  static constexpr const char* kNames[kAgeBandCount] = {
      "0-4", "5-9", "10-14", "15-17", "18-25", "Not known"};
  return band >= 0 && band < kAgeBandCount ? kNames[band] : "Not known";
}

std::optional<Code> Population::FindCode(const std::string& text) const {
  const auto it = code_of_.find(text);
  if (it == code_of_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<std::unique_ptr<Population>> Population::Build(
    store::sqlite::Database* db, const AreaLookup* areas,
    const Period& period) {
  std::unique_ptr<Population> population(new Population(areas, period));
  Population& p = *population;
  Intern("", &p.codes_, &p.code_of_);
  absl::flat_hash_map<std::string, uint32_t> organisation_of;
  absl::flat_hash_map<int64_t, size_t> person_index;
  // Attributes come from the most recent record that states each one:
  // the referral day it was taken from, per person.
  struct Latest {
    absl::CivilDay ethnicity = absl::CivilDay::min();
    absl::CivilDay sex = absl::CivilDay::min();
    absl::CivilDay age = absl::CivilDay::min();
    absl::CivilDay area = absl::CivilDay::min();
  };
  std::vector<Latest> latest;
  // Every linked record counts here, dated or not: the ICS register's records
  // carry no service dates but are a source a person can be linked to.
  struct Sources {
    uint32_t first = 0;
    bool several = false;
  };
  absl::flat_hash_map<int64_t, Sources> sources_of_person;

  // record_links is keyed by record_id, so joining in record_id order reads
  // both tables forward instead of seeking per person.
  EQ_ASSIGN_OR_RETURN(
      auto statement,
      db->GetCachedStatement(
          EQ_SQL_FROM_HERE,
          "SELECT l.person_id, r.record_id, r.org_code, r.payload "
          "FROM record_links l JOIN records r ON r.record_id = l.record_id "
          "ORDER BY l.record_id"));
  v1::PseudonymisedRecord record;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(const bool row, statement->Step());
    if (!row) break;
    const int64_t person_id = statement->ColumnInt64(0);
    const int64_t record_id = statement->ColumnInt64(1);
    if (!record.ParseFromString(statement->ColumnBlob(3))) {
      return absl::DataLossError(
          absl::StrCat("stored record ", record_id, " does not parse"));
    }
    const std::string org_code = statement->ColumnText(2);
    const auto [org, org_added] = organisation_of.try_emplace(
        org_code, static_cast<uint32_t>(p.organisations_.size()));
    if (org_added) p.organisations_.push_back(org_code);
    const auto [sources, first_seen] =
        sources_of_person.try_emplace(person_id, Sources{.first = org->second});
    if (!first_seen && sources->second.first != org->second) {
      sources->second.several = true;
    }

    const std::optional<absl::CivilDay> referral =
        ParseDay(record.referral_date());
    const std::optional<absl::CivilDay> first_contact =
        ParseDay(record.first_contact_date());
    const std::optional<absl::CivilDay> discharge =
        ParseDay(record.discharge_date());
    const std::optional<absl::CivilDay> start =
        referral.has_value() ? referral : first_contact;
    if (!start.has_value()) {
      ++p.undated_records_;
      continue;
    }
    if (*start > period.last_day ||
        (discharge.has_value() && *discharge < period.first_day)) {
      continue;
    }

    PersonRecord fact;
    fact.record_id = record_id;
    fact.organisation = org->second;
    fact.sessions_attended = record.sessions_attended();
    fact.ethnicity_recorded = IsRecordedEthnicity(record.ethnic_category());
    fact.nhs_number_linkable =
        record.nhs_number_status() == v1::NHS_NUMBER_VALID;
    fact.area = areas->Find(record.lsoa_code());
    fact.referral = start;
    fact.first_contact = first_contact;
    fact.discharge = discharge;
    std::optional<Code> code =
        Intern(record.service_type(), &p.codes_, &p.code_of_);
    bool codes_fit = code.has_value();
    fact.service_type = code.value_or(0);
    for (const std::string& need : record.needs()) {
      code = Intern(need, &p.codes_, &p.code_of_);
      codes_fit = codes_fit && code.has_value();
      fact.needs.push_back(code.value_or(0));
    }
    for (const v1::OutcomeScore& score : record.outcomes()) {
      const std::optional<Code> instrument =
          Intern(score.instrument(), &p.codes_, &p.code_of_);
      const std::optional<Code> timepoint =
          Intern(score.timepoint(), &p.codes_, &p.code_of_);
      codes_fit = codes_fit && instrument.has_value() && timepoint.has_value();
      fact.outcomes.push_back(OutcomeFact{.instrument = instrument.value_or(0),
                                          .timepoint = timepoint.value_or(0),
                                          .day = ParseDay(score.date()),
                                          .total = score.total()});
    }
    if (!codes_fit) {
      return absl::ResourceExhaustedError(
          "more than 65,535 distinct service, need, instrument and timepoint "
          "codes in one period");
    }

    const auto [index, person_added] =
        person_index.try_emplace(person_id, p.persons_.size());
    if (person_added) {
      p.persons_.emplace_back();
      p.persons_.back().person_id = person_id;
      latest.emplace_back();
    }
    Person& person = p.persons_[index->second];
    Latest& seen = latest[index->second];
    if (fact.area != nullptr && *start >= seen.area) {
      person.area = fact.area;
      seen.area = *start;
    }
    if (fact.ethnicity_recorded && *start >= seen.ethnicity) {
      person.ethnic_group = EthnicGroupOf(record.ethnic_category());
      seen.ethnicity = *start;
    } else if (person.ethnic_group == EthnicGroup::kNotKnown &&
               !record.ethnic_category().empty()) {
      person.ethnic_group = EthnicGroupOf(record.ethnic_category());
    }
    const Sex sex = SexOf(record.sex_code());
    if (sex != Sex::kNotKnown && *start >= seen.sex) {
      person.sex = sex;
      seen.sex = *start;
    }
    const int band = AgeBandOf(record);
    if (band != kAgeBandCount - 1 && *start >= seen.age) {
      person.age_band = band;
      seen.age = *start;
    }
    person.records.push_back(std::move(fact));
  }
  for (Person& person : p.persons_) {
    person.linked_across_sources = sources_of_person[person.person_id].several;
    std::stable_sort(person.records.begin(), person.records.end(),
                     [](const PersonRecord& a, const PersonRecord& b) {
                       return *a.referral < *b.referral;
                     });
  }
  return population;
}

}  // namespace equilink::framework
