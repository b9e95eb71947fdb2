#ifndef EQUILINK_CLIENT_PIPELINE_SYNTHETIC_NAMES_H_
#define EQUILINK_CLIENT_PIPELINE_SYNTHETIC_NAMES_H_

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace equilink::client {

// About 200 forenames and 200 surnames for synthetic exports.
absl::Span<const absl::string_view> SyntheticForenames();
absl::Span<const absl::string_view> SyntheticSurnames();

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_PIPELINE_SYNTHETIC_NAMES_H_
