#include "client/mapping/mapping_profile.h"

#include <fstream>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/mapping/date_format.h"
#include "client/mapping/value_mapper.h"
#include "common/status/text_proto.h"
#include "common/validate/record_rules.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace equilink::client {
namespace {

// Collects text-format syntax errors instead of letting protobuf print them.
class ErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    errors_.push_back(
        absl::StrCat("line ", line + 1, " column ", column + 1, ": ", message));
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber,
                  const std::string&) override {}
  std::string Joined() const { return absl::StrJoin(errors_, "; "); }

 private:
  std::vector<std::string> errors_;
};

// Fields a profile may map from one column only.
bool IsSingleValued(v1::CanonicalField field) {
  switch (field) {
    case v1::FIELD_IGNORE:
    case v1::FIELD_ADDRESS_LINE:
    case v1::FIELD_LOCALITY:
    case v1::FIELD_OUTCOME_SCORE:
    case v1::FIELD_NEED_FLAG:
      return false;
    default:
      return true;
  }
}

bool IsNeedCode(absl::string_view code) {
  if (code.empty()) return false;
  for (char c : code) {
    if (!absl::ascii_isupper(c) && !absl::ascii_isdigit(c) && c != '_') {
      return false;
    }
  }
  return true;
}

class ProfileChecker {
 public:
  explicit ProfileChecker(const v1::MappingProfile& profile)
      : profile_(profile) {}

  absl::Status Check() {
    CheckHeader();
    for (int i = 0; i < profile_.columns_size(); ++i) CheckColumn(i);
    if (!mapped_.contains(v1::FIELD_LOCAL_RECORD_ID)) {
      Error("MISSING_LOCAL_RECORD_ID",
            "no column maps FIELD_LOCAL_RECORD_ID (the referral or case id)");
    }
    CheckValueMaps();
    if (errors_.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat("mapping profile: ", absl::StrJoin(errors_, "; ")));
  }

 private:
  void Error(absl::string_view rule, absl::string_view detail) {
    errors_.push_back(absl::StrCat(rule, ": ", detail));
  }

  void CheckHeader() {
    if (profile_.profile_id().empty()) {
      Error("MISSING_PROFILE_ID", "profile_id is empty");
    }
    if (profile_.organisation_code().empty()) {
      Error("MISSING_ORGANISATION_CODE", "organisation_code is empty");
    }
    const std::string& d = profile_.delimiter();
    if (!d.empty() &&
        (d.size() != 1 || d[0] == '"' || d[0] == '\r' || d[0] == '\n')) {
      Error("BAD_DELIMITER",
            "delimiter must be one character, not a quote "
            "or line end");
    }
    for (const std::string& format : profile_.date_formats()) {
      absl::StatusOr<DateFormat> compiled = DateFormat::Compile(format);
      if (!compiled.ok()) errors_.emplace_back(compiled.status().message());
    }
    for (const std::string& yes : profile_.yes_values()) {
      if (absl::StripAsciiWhitespace(yes).empty()) {
        Error("EMPTY_YES_VALUE", "yes_values has an empty entry");
      }
    }
    // Text format rejects unknown names but accepts unknown numbers.
    if (!v1::PostcodeFormat_IsValid(profile_.postcode_format())) {
      Error("UNKNOWN_POSTCODE_FORMAT",
            absl::StrCat("postcode_format ", profile_.postcode_format(),
                         " is not a known format"));
    }
    if (!v1::NationalIdCheck_IsValid(profile_.national_id_check())) {
      Error("UNKNOWN_NATIONAL_ID_CHECK",
            absl::StrCat("national_id_check ", profile_.national_id_check(),
                         " is not a known check"));
    }
  }

  void CheckColumn(int index) {
    const v1::ColumnMapping& column = profile_.columns(index);
    const std::string where = absl::StrCat(
        "column \"", column.column(), "\" (columns entry ", index + 1, ")");
    const v1::CanonicalField field = column.field();
    if (absl::StripAsciiWhitespace(column.column()).empty()) {
      Error("EMPTY_COLUMN_NAME",
            absl::StrCat("columns entry ", index + 1, " has no column name"));
    } else if (!columns_.insert(column.column()).second) {
      Error("DUPLICATE_COLUMN", absl::StrCat(where, " is listed twice"));
    }
    if (field == v1::CANONICAL_FIELD_UNSPECIFIED ||
        !v1::CanonicalField_IsValid(field)) {
      Error("UNKNOWN_FIELD", absl::StrCat(where, " has no known field"));
      return;
    }
    if (IsSingleValued(field) && !mapped_.emplace(field, index).second) {
      Error("DUPLICATE_MAPPING",
            absl::StrCat(where, " maps ", v1::CanonicalField_Name(field),
                         ", which another column already maps"));
    }
    mapped_.emplace(field, index);
    if (field == v1::FIELD_OUTCOME_SCORE) {
      CheckOutcome(column, where);
    } else if (!column.outcome_instrument().empty() ||
               !column.outcome_timepoint().empty() ||
               !column.outcome_date_column().empty()) {
      Error("MISPLACED_OPTION",
            absl::StrCat(where,
                         " sets an outcome option but is not "
                         "FIELD_OUTCOME_SCORE"));
    }
    if (field == v1::FIELD_NEED_FLAG) {
      if (column.need_code().empty()) {
        Error("NEED_FLAG_WITHOUT_CODE",
              absl::StrCat(where, " has no need_code"));
      } else if (!IsNeedCode(column.need_code())) {
        Error(
            "BAD_NEED_CODE",
            absl::StrCat(where, " need_code must be upper case, digits and _"));
      }
    } else if (!column.need_code().empty()) {
      Error("MISPLACED_OPTION",
            absl::StrCat(where, " sets need_code but is not FIELD_NEED_FLAG"));
    }
    if (column.invalid_as_missing() && field != v1::FIELD_DATE_OF_BIRTH) {
      Error("MISPLACED_OPTION",
            absl::StrCat(where,
                         " sets invalid_as_missing but is not "
                         "FIELD_DATE_OF_BIRTH"));
    }
  }

  void CheckOutcome(const v1::ColumnMapping& column, const std::string& where) {
    if (column.outcome_instrument().empty()) {
      Error("OUTCOME_WITHOUT_INSTRUMENT",
            absl::StrCat(where, " has no outcome_instrument"));
    } else if (!OutcomeScoreRange(column.outcome_instrument()).has_value()) {
      Error("UNKNOWN_INSTRUMENT",
            absl::StrCat(where, " names an unknown outcome_instrument \"",
                         column.outcome_instrument(), "\""));
    }
    if (column.outcome_timepoint().empty()) {
      Error("OUTCOME_WITHOUT_TIMEPOINT",
            absl::StrCat(where, " has no outcome_timepoint"));
    } else if (!IsValidOutcomeTimepoint(column.outcome_timepoint())) {
      Error("BAD_TIMEPOINT",
            absl::StrCat(where,
                         " outcome_timepoint must be BASELINE, REVIEW, "
                         "EXIT or FOLLOW_UP"));
    }
    const std::string key = absl::StrCat(column.outcome_instrument(), "/",
                                         column.outcome_timepoint());
    if (!outcomes_.insert(key).second) {
      Error("DUPLICATE_MAPPING", absl::StrCat(where, " repeats outcome ", key));
    }
  }

  void CheckValueMaps() {
    absl::flat_hash_set<int> seen;
    for (const v1::ValueMap& map : profile_.value_maps()) {
      const std::string name = v1::CanonicalField_IsValid(map.field())
                                   ? v1::CanonicalField_Name(map.field())
                                   : absl::StrCat(map.field());
      if (CodesetOf(map.field()) == nullptr) {
        Error("VALUE_MAP_FIELD",
              absl::StrCat("value map for ", name,
                           ": only FIELD_SEX, FIELD_ETHNICITY, "
                           "FIELD_SERVICE_TYPE and FIELD_REFERRAL_SOURCE "
                           "have value maps"));
        continue;
      }
      if (!seen.insert(map.field()).second) {
        Error("DUPLICATE_VALUE_MAP", absl::StrCat("two value maps for ", name));
      }
      absl::StatusOr<ValueMapper> mapper =
          ValueMapper::Create(map.field(), &map);
      if (!mapper.ok()) errors_.emplace_back(mapper.status().message());
    }
  }

  const v1::MappingProfile& profile_;
  std::vector<std::string> errors_;
  std::set<std::string> columns_;
  std::set<std::string> outcomes_;
  absl::flat_hash_map<int, int> mapped_;  // single-valued field -> entry
};

}  // namespace

absl::Status ValidateMappingProfile(const v1::MappingProfile& profile) {
  return ProfileChecker(profile).Check();
}

absl::StatusOr<v1::MappingProfile> ParseMappingProfile(absl::string_view text) {
  v1::MappingProfile profile;
  ErrorCollector errors;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), &profile)) {
    return absl::InvalidArgumentError(
        absl::StrCat("mapping profile syntax: ", errors.Joined()));
  }
  // The profile id travels in every SubmissionBatch, whose binary form needs
  // UTF-8 strings.
  if (absl::Status utf8 = CheckStringFieldsAreUtf8(profile); !utf8.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("mapping profile: ", utf8.message()));
  }
  if (absl::Status s = ValidateMappingProfile(profile); !s.ok()) return s;
  return profile;
}

absl::StatusOr<v1::MappingProfile> LoadMappingProfile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read mapping profile ", path));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  absl::StatusOr<v1::MappingProfile> profile =
      ParseMappingProfile(contents.str());
  if (!profile.ok()) {
    return absl::Status(profile.status().code(),
                        absl::StrCat(path, ": ", profile.status().message()));
  }
  return profile;
}

char ProfileDelimiter(const v1::MappingProfile& profile) {
  return profile.delimiter().empty() ? ',' : profile.delimiter()[0];
}

}  // namespace equilink::client
