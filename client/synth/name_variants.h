#ifndef EQUILINK_CLIENT_SYNTH_NAME_VARIANTS_H_
#define EQUILINK_CLIENT_SYNTH_NAME_VARIANTS_H_

// The other ways a name gets written down: nicknames (Thomas -> Tom) and
// alternative romanisations or spellings (Mohammed / Muhammad / Mohamed,
// Siobhan / Shivaun, Łukasz / Lukasz). These are what exact-match linkage
// misses, and they fall unevenly across ethnic groups.

#include <optional>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace equilink::client::synth {

// The nicknames commonly used for `forename` (empty when none).
absl::Span<const absl::string_view> NicknamesOf(absl::string_view forename);

// The other spellings of `name` (a forename or surname), excluding `name`
// itself; empty when it has none. The view lives as long as the program.
absl::Span<const absl::string_view> SpellingsOf(absl::string_view name);

}  // namespace equilink::client::synth

#endif  // EQUILINK_CLIENT_SYNTH_NAME_VARIANTS_H_
