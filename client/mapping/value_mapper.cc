#include "client/mapping/value_mapper.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/validate/record_rules.h"

namespace equilink::client {
namespace {

constexpr size_t kStackBytes = 128;

// Lower- or upper-cases `text` into `buffer` when it fits; returns the view,
// or nullopt when the value is too long to be any value in a map.
std::optional<absl::string_view> CaseFold(absl::string_view text, bool upper,
                                          char (&buffer)[kStackBytes]) {
  if (text.size() > kStackBytes) return std::nullopt;
  for (size_t i = 0; i < text.size(); ++i) {
    buffer[i] =
        upper ? absl::ascii_toupper(text[i]) : absl::ascii_tolower(text[i]);
  }
  return absl::string_view(buffer, text.size());
}

}  // namespace

CodeValidator CodesetOf(v1::CanonicalField field) {
  switch (field) {
    case v1::FIELD_SEX:
      return &IsValidSexCode;
    case v1::FIELD_ETHNICITY:
      return &IsValidEthnicCategory;
    case v1::FIELD_SERVICE_TYPE:
      return &IsValidServiceType;
    case v1::FIELD_REFERRAL_SOURCE:
      return &IsValidReferralSource;
    default:
      return nullptr;
  }
}

absl::StatusOr<ValueMapper> ValueMapper::Create(v1::CanonicalField field,
                                                const v1::ValueMap* map) {
  const CodeValidator validator = CodesetOf(field);
  if (validator == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("VALUE_MAP_FIELD: ", v1::CanonicalField_Name(field),
                     " has no codeset to map onto"));
  }
  ValueMapper mapper(validator,
                     map == nullptr || map->pass_through_valid_codes());
  if (map == nullptr) return mapper;
  for (const v1::ValueMapEntry& entry : map->entries()) {
    const std::string local =
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(entry.local()));
    if (local.empty() || local.size() > kStackBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "VALUE_MAP_BAD_LOCAL: a ", v1::CanonicalField_Name(field),
          " entry has an empty or over-long local value"));
    }
    if (!validator(entry.code())) {
      return absl::InvalidArgumentError(
          absl::StrCat("VALUE_MAP_BAD_CODE: ", v1::CanonicalField_Name(field),
                       " entry \"", entry.local(), "\" maps to \"",
                       entry.code(), "\", which is not in the codeset"));
    }
    if (!mapper.by_lower_local_.emplace(local, entry.code()).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "VALUE_MAP_DUPLICATE_LOCAL: ", v1::CanonicalField_Name(field),
          " lists \"", entry.local(), "\" more than once (ignoring case)"));
    }
  }
  return mapper;
}

bool ValueMapper::Map(absl::string_view raw, std::string* code) const {
  const absl::string_view value = absl::StripAsciiWhitespace(raw);
  char buffer[kStackBytes];
  if (auto lower = CaseFold(value, /*upper=*/false, buffer)) {
    auto it = by_lower_local_.find(*lower);
    if (it != by_lower_local_.end()) {
      code->assign(it->second);
      return true;
    }
  }
  if (!pass_through_) return false;
  auto upper = CaseFold(value, /*upper=*/true, buffer);
  if (!upper.has_value() || !validator_(*upper)) return false;
  code->assign(upper->data(), upper->size());
  return true;
}

}  // namespace equilink::client
