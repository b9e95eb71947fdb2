#ifndef EQUILINK_SERVER_EXTRACT_RELEASED_FIELDS_H_
#define EQUILINK_SERVER_EXTRACT_RELEASED_FIELDS_H_

// Which fields of a stored record an extract releases, applied to the stored
// bytes themselves.
//
// A pull releases a few short fields of every record; most of a stored
// record is what it must never release (the providers' tokens, match keys
// and Bloom encodings). Parsing every record whole and then clearing fields
// by reflection spent most of a pull on bytes that were thrown away. The
// filter walks the protobuf wire format instead: it copies the bytes of the
// released fields, in the order stored, and skips the rest, so only the
// released fields are ever parsed. Only the field numbers named are kept, so
// a field the record type does not define (written by a newer client) is
// dropped, never passed through: a release holds only what the agreement
// names.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace equilink::extract {

class ReleasedFieldFilter {
 public:
  // `released_field_numbers`: PseudonymisedRecord field numbers to keep.
  explicit ReleasedFieldFilter(const std::vector<int>& released_field_numbers);

  // Walks the serialized record `payload`. Appends the released fields'
  // bytes (tags included) to `*released` when it is not null, and points
  // `*nhs_number_token` at the record's NHS number token within `payload`
  // (empty when it has none). Returns false, with `*released` unspecified,
  // when `payload` is not well-formed wire format.
  bool Split(absl::string_view payload, std::string* released,
             absl::string_view* nhs_number_token) const;

 private:
  // Indexed by field number; PseudonymisedRecord's are all small.
  std::vector<bool> released_;
};

}  // namespace equilink::extract

#endif  // EQUILINK_SERVER_EXTRACT_RELEASED_FIELDS_H_
