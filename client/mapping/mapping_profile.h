#ifndef EQUILINK_CLIENT_MAPPING_MAPPING_PROFILE_H_
#define EQUILINK_CLIENT_MAPPING_MAPPING_PROFILE_H_

// Loading and checking a MappingProfile (proto/equilink/v1/mapping.proto), the
// protobuf text file that says how one organisation's export maps onto the
// canonical record. Profiles are written by hand, so every error names the
// rule that failed and where, to be fixed without reading code.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "equilink/v1/mapping.pb.h"

namespace equilink::client {

// Parses protobuf text format and validates the result. InvalidArgument with
// the line and column of a syntax error, or with the failed rules.
absl::StatusOr<v1::MappingProfile> ParseMappingProfile(absl::string_view text);

// Reads and parses the file at `path`; NotFound when it cannot be read.
absl::StatusOr<v1::MappingProfile> LoadMappingProfile(const std::string& path);

// Checks the profile's own consistency (not against any file). Returns
// InvalidArgument listing every broken rule, each as "RULE: detail", e.g.
//   MISSING_PROFILE_ID, MISSING_ORGANISATION_CODE, BAD_DELIMITER,
//   BAD_DATE_FORMAT, EMPTY_COLUMN_NAME, UNKNOWN_FIELD, DUPLICATE_COLUMN,
//   DUPLICATE_MAPPING, OUTCOME_WITHOUT_INSTRUMENT, OUTCOME_WITHOUT_TIMEPOINT,
//   UNKNOWN_INSTRUMENT, BAD_TIMEPOINT, NEED_FLAG_WITHOUT_CODE, BAD_NEED_CODE,
//   MISPLACED_OPTION, MISSING_LOCAL_RECORD_ID, VALUE_MAP_FIELD,
//   DUPLICATE_VALUE_MAP, VALUE_MAP_BAD_CODE, VALUE_MAP_DUPLICATE_LOCAL,
//   EMPTY_YES_VALUE, UNKNOWN_POSTCODE_FORMAT, UNKNOWN_NATIONAL_ID_CHECK.
// MISPLACED_OPTION also covers invalid_as_missing on a column that is not
// FIELD_DATE_OF_BIRTH.
absl::Status ValidateMappingProfile(const v1::MappingProfile& profile);

// The profile's delimiter, "," when unset. REQUIRES: a validated profile.
char ProfileDelimiter(const v1::MappingProfile& profile);

// Date formats tried when a profile lists none.
inline constexpr absl::string_view kDefaultDateFormats[] = {
    "%d/%m/%Y", "%Y-%m-%d", "%d-%b-%Y", "%d.%m.%Y", "%d %B %Y"};

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_MAPPING_MAPPING_PROFILE_H_
