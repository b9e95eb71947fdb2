#ifndef EQUILINK_CLIENT_MAPPING_VALUE_MAPPER_H_
#define EQUILINK_CLIENT_MAPPING_VALUE_MAPPER_H_

// Maps an export's local wording ("White - British", "Prefer not to say") onto
// a canonical code, as a profile's ValueMap says.

#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "equilink/v1/mapping.pb.h"

namespace equilink::client {

using CodeValidator = bool (*)(absl::string_view code);

// The validator of the canonical codeset of `field` (FIELD_SEX,
// FIELD_ETHNICITY, FIELD_SERVICE_TYPE, FIELD_REFERRAL_SOURCE), or null for a
// field that has no codeset.
CodeValidator CodesetOf(v1::CanonicalField field);

// Immutable after Create; Map is const and thread-safe.
class ValueMapper {
 public:
  // `map` may be null: then only values that already are valid codes pass.
  // InvalidArgument (VALUE_MAP_BAD_CODE, VALUE_MAP_DUPLICATE_LOCAL) for a bad
  // map. REQUIRES: CodesetOf(field) != nullptr.
  static absl::StatusOr<ValueMapper> Create(v1::CanonicalField field,
                                            const v1::ValueMap* map);

  // Sets *code to the code for `raw` (matched ignoring case and surrounding
  // whitespace) and returns true, or returns false (leaving *code alone) when
  // the value is not in the map and is not a valid code that may pass
  // through. Allocates nothing for values up to 128 bytes beyond what
  // assigning *code needs.
  bool Map(absl::string_view raw, std::string* code) const;

 private:
  ValueMapper(CodeValidator validator, bool pass_through)
      : validator_(validator), pass_through_(pass_through) {}

  absl::flat_hash_map<std::string, std::string> by_lower_local_;
  CodeValidator validator_;
  bool pass_through_;
};

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_MAPPING_VALUE_MAPPER_H_
