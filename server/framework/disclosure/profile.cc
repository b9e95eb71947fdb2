#include "server/framework/disclosure/profile.h"

#include <array>

#include "absl/strings/str_cat.h"

namespace equilink::framework::disclosure {
namespace {

// Every version of every profile ever used stays here: a release records the
// name and version it was produced with, and must stay reproducible. The
// current version of a name is its last entry.
const std::array<Profile, 3>& Registry() {
  static const std::array<Profile, 3> profiles = {
      Profile{.name = "NHSD_2018",
              .version = 1,
              .suppress_counts_from = 1,
              .suppress_counts_to = 7,
              .rounding_base = 5,
              .min_numerator_for_value = 0,
              .min_denominator_for_value = 0,
              .min_contributors_for_mean = 8,
              .small_count_max = 7},
      Profile{.name = "SMALL10",
              .version = 1,
              .suppress_counts_from = 0,
              .suppress_counts_to = 9,
              .rounding_base = 1,
              .min_numerator_for_value = 10,
              .min_denominator_for_value = 10,
              .min_contributors_for_mean = 10,
              .small_count_max = 9},
      Profile{.name = "DSR10",
              .version = 1,
              .suppress_counts_from = 1,
              .suppress_counts_to = 0,
              .rounding_base = 1,
              .min_numerator_for_value = 10,
              .min_denominator_for_value = 0,
              .min_contributors_for_mean = 0,
              .small_count_max = 9},
  };
  return profiles;
}

}  // namespace

std::optional<int64_t> Profile::ShowCount(int64_t count) const {
  if (count >= suppress_counts_from && count <= suppress_counts_to) {
    return std::nullopt;
  }
  if (rounding_base <= 1) return count;
  // Nearest multiple; counts are integers, so a tie cannot arise for base 5.
  return (count + rounding_base / 2) / rounding_base * rounding_base;
}

absl::StatusOr<const Profile*> FindProfile(absl::string_view name) {
  const Profile* newest = nullptr;
  for (const Profile& profile : Registry()) {
    if (profile.name == name &&
        (newest == nullptr || profile.version > newest->version)) {
      newest = &profile;
    }
  }
  if (newest == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("no disclosure control profile named '", name, "'"));
  }
  return newest;
}

absl::StatusOr<const Profile*> FindProfile(absl::string_view name,
                                           int version) {
  for (const Profile& profile : Registry()) {
    if (profile.name == name && profile.version == version) return &profile;
  }
  return absl::NotFoundError(absl::StrCat(
      "no disclosure control profile named '", name, "' version ", version));
}

}  // namespace equilink::framework::disclosure
