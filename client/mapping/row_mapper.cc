#include "client/mapping/row_mapper.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/memory/memory.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/mapping/mapping_profile.h"
#include "common/status/status_macros.h"

// Creation: everything about the profile and the header that does not depend
// on a row. Mapping rows is in row_mapper_map.cc.

namespace equilink::client {
namespace {

constexpr absl::string_view kDefaultYesValues[] = {"y", "yes", "true", "1"};

// "A", "B", ..., "Z", "AA": how a spreadsheet names column `index` (0-based).
std::string SpreadsheetColumn(size_t index) {
  std::string name;
  for (size_t n = index + 1; n > 0; n = (n - 1) / 26) {
    name.insert(name.begin(), static_cast<char>('A' + (n - 1) % 26));
  }
  return name;
}

const v1::ValueMap* FindValueMap(const v1::MappingProfile& profile,
                                 v1::CanonicalField field) {
  for (const v1::ValueMap& map : profile.value_maps()) {
    if (map.field() == field) return &map;
  }
  return nullptr;
}

// Where each header column is, by its trimmed text.
class HeaderIndex {
 public:
  explicit HeaderIndex(const std::vector<std::string>& header)
      : used_(header.size(), false) {
    for (size_t i = 0; i < header.size(); ++i) {
      const std::string name(absl::StripAsciiWhitespace(header[i]));
      index_of_.try_emplace(name, static_cast<int>(i));
      ++occurrences_[name];
    }
  }

  // The index of a column the profile names (and marks it used), or -1 with
  // an error naming the column.
  int Locate(const std::string& column, absl::string_view role,
             std::vector<std::string>* errors) {
    auto it = index_of_.find(absl::StripAsciiWhitespace(column));
    if (it == index_of_.end()) {
      errors->push_back(absl::StrCat("MISSING_COLUMN: column \"", column,
                                     "\" (", role,
                                     ") is not in the file's header"));
      return -1;
    }
    if (occurrences_[it->first] > 1) {
      errors->push_back(
          absl::StrCat("DUPLICATE_HEADER: column \"", column,
                       "\" appears more than once in the header"));
      return -1;
    }
    used_[it->second] = true;
    return it->second;
  }

  bool used(size_t index) const { return used_[index]; }

 private:
  absl::flat_hash_map<std::string, int> index_of_;
  absl::flat_hash_map<std::string, int> occurrences_;
  std::vector<bool> used_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<RowMapper>> RowMapper::Create(
    const v1::MappingProfile& profile, const CsvRow& header,
    const PostcodeLookup* postcodes) {
  return Create(profile, header, postcodes,
                absl::ToCivilDay(absl::Now(), absl::LocalTimeZone()));
}

absl::StatusOr<std::unique_ptr<RowMapper>> RowMapper::Create(
    const v1::MappingProfile& profile, const CsvRow& header,
    const PostcodeLookup* postcodes, absl::CivilDay today) {
  EQ_RETURN_IF_ERROR(ValidateMappingProfile(profile));
  auto mapper = absl::WrapUnique(new RowMapper());
  mapper->postcodes_ = postcodes;
  mapper->today_ = today;
  mapper->organisation_code_ = profile.organisation_code();
  if (profile.postcode_format() == v1::POSTCODE_FORMAT_FREE_TEXT) {
    mapper->postcode_scheme_ = PostcodeScheme::kFreeText;
  }
  if (profile.national_id_check() == v1::NATIONAL_ID_CHECK_NONE) {
    mapper->national_id_scheme_ = NationalIdScheme::kUnchecked;
  }
  if (profile.date_formats().empty()) {
    for (absl::string_view pattern : kDefaultDateFormats) {
      EQ_ASSIGN_OR_RETURN(DateFormat format, DateFormat::Compile(pattern));
      mapper->date_formats_.push_back(std::move(format));
    }
  }
  for (const std::string& pattern : profile.date_formats()) {
    EQ_ASSIGN_OR_RETURN(DateFormat format, DateFormat::Compile(pattern));
    mapper->date_formats_.push_back(std::move(format));
  }
  if (profile.yes_values().empty()) {
    for (absl::string_view yes : kDefaultYesValues) {
      mapper->yes_values_.emplace(yes);
    }
  }
  for (const std::string& yes : profile.yes_values()) {
    mapper->yes_values_.insert(
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(yes)));
  }
  EQ_RETURN_IF_ERROR(mapper->BuildValueMaps(profile));
  EQ_RETURN_IF_ERROR(mapper->PlanColumns(profile, header.fields));
  return mapper;
}

absl::Status RowMapper::BuildValueMaps(const v1::MappingProfile& profile) {
  struct Target {
    v1::CanonicalField field;
    std::optional<ValueMapper>* mapper;
  };
  const Target targets[] = {{v1::FIELD_SEX, &sex_},
                            {v1::FIELD_ETHNICITY, &ethnicity_},
                            {v1::FIELD_SERVICE_TYPE, &service_type_},
                            {v1::FIELD_REFERRAL_SOURCE, &referral_source_}};
  for (const Target& target : targets) {
    EQ_ASSIGN_OR_RETURN(
        ValueMapper mapper,
        ValueMapper::Create(target.field, FindValueMap(profile, target.field)));
    target.mapper->emplace(std::move(mapper));
  }
  return absl::OkStatus();
}

absl::Status RowMapper::PlanColumns(const v1::MappingProfile& profile,
                                    const std::vector<std::string>& header) {
  header_size_ = header.size();
  HeaderIndex index(header);
  std::vector<std::string> errors;
  for (const v1::ColumnMapping& column : profile.columns()) {
    ColumnPlan plan;
    plan.index = index.Locate(column.column(),
                              v1::CanonicalField_Name(column.field()), &errors);
    plan.field = column.field();
    plan.required = column.required();
    plan.invalid_as_missing = column.invalid_as_missing();
    plan.column = column.column();
    plan.instrument = column.outcome_instrument();
    plan.timepoint = column.outcome_timepoint();
    plan.range = OutcomeScoreRange(plan.instrument).value_or(ScoreRange{});
    plan.need_code = column.need_code();
    if (!column.outcome_date_column().empty()) {
      plan.date_column = column.outcome_date_column();
      plan.date_index =
          index.Locate(plan.date_column, "outcome_date_column", &errors);
    }
    if (plan.field != v1::FIELD_IGNORE) plans_.push_back(std::move(plan));
  }
  for (size_t i = 0; i < header.size(); ++i) {
    if (!index.used(i) && profile.reject_unmapped_columns()) {
      errors.push_back(absl::StrCat("UNMAPPED_COLUMN: header column ", i + 1,
                                    " (", SpreadsheetColumn(i),
                                    ") is not named in the profile"));
    }
  }
  if (!errors.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("header: ", absl::StrJoin(errors, "; ")));
  }
  used_column_names_.assign(header.size(), nullptr);
  for (const ColumnPlan& plan : plans_) {
    used_column_names_[plan.index] = &plan.column;
    if (plan.date_index >= 0) {
      used_column_names_[plan.date_index] = &plan.date_column;
    }
  }
  return absl::OkStatus();
}

}  // namespace equilink::client
