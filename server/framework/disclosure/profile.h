#ifndef EQUILINK_SERVER_FRAMEWORK_DISCLOSURE_PROFILE_H_
#define EQUILINK_SERVER_FRAMEWORK_DISCLOSURE_PROFILE_H_

// Named, versioned statistical disclosure control profiles (governance.md,
// extract check E7). A data sharing agreement names one profile for its
// aggregate outputs; every shown cell records the name and version of the
// profile that produced it, so a later change of rules is a new version, never
// a silent edit.
//
// The profiles are data: one row per rule set, read by ApplyProfile (table
// control) and by ReleaseLedger (differencing). The rules:
//
//  NHSD_2018 v1  NHS Digital "Disclosure control methodology for Hospital
//    Episode Statistics (HES) and Emergency Care Data Set (ECDS)", applied by
//    the Secondary Care Analysis team from September 2018 (digital.nhs.uk,
//    .../change-to-disclosure-control-methodology-for-hes-and-ecds-from-
//    september-2018; extended to SRHAD in 2020). Below national level counts
//    of 1 to 7 are shown as '*' and all other counts are rounded to the
//    nearest 5; percentages and rates are computed from the rounded figures;
//    a mean or median to which 1 to 7 people contributed is '*'. Zero is not
//    in the 1-7 band and rounds to 0, so a true zero is shown as 0: the method
//    treats a structural or true zero as no disclosure of a person.
//  SMALL10 v1  UK LLC TRE output rule: any count below 10, including 0, is
//    suppressed, and so is any value based on fewer than 10 people.
//  DSR10 v1  OHID/PHE convention (Fingertips, BSOL): no rate, directly
//    standardised or crude, where the count is below 10. It governs rates
//    only; counts are shown as they are, as Fingertips publishes them.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace equilink::framework::disclosure {

struct Profile {
  std::string name{};
  int version = 0;

  // Counts in [suppress_counts_from, suppress_counts_to] are suppressed ('*').
  // An empty range (from > to) suppresses no count.
  int64_t suppress_counts_from = 1;
  int64_t suppress_counts_to = 0;
  // Shown counts are rounded to the nearest multiple; 1 leaves them exact.
  int64_t rounding_base = 1;

  // A proportion or rate is withheld when its numerator is below this
  // (DSR10's "no rate where the count is < 10").
  int64_t min_numerator_for_value = 0;
  // A proportion or rate is withheld when its denominator is below this
  // (SMALL10's "no value based on fewer than 10 people").
  int64_t min_denominator_for_value = 0;
  // A mean or median is withheld when fewer people than this contributed
  // (and at least one did: no one contributing means there is no value).
  int64_t min_contributors_for_mean = 0;

  // The largest count the profile treats as small. The release ledger
  // refuses a release whose difference from an earlier one is a count in
  // [1, small_count_max].
  int64_t small_count_max = 0;

  // Applies the count rules to one count: nullopt when it is suppressed,
  // else the count as shown (rounded when the profile rounds).
  // REQUIRES: count >= 0.
  std::optional<int64_t> ShowCount(int64_t count) const;
  // True when the profile rounds shown counts, so a shown count is not exact.
  bool rounds() const { return rounding_base > 1; }
};

// The profile registered under `name` ("NHSD_2018", "SMALL10", "DSR10"),
// in its current version. The pointer is to static data: valid for the life
// of the process and safe to share between threads. NotFound naming the
// profile when there is none.
absl::StatusOr<const Profile*> FindProfile(absl::string_view name);

// The profile registered under `name` at exactly `version`, for reproducing
// an earlier release. NotFound naming both when there is none.
absl::StatusOr<const Profile*> FindProfile(absl::string_view name, int version);

}  // namespace equilink::framework::disclosure

#endif  // EQUILINK_SERVER_FRAMEWORK_DISCLOSURE_PROFILE_H_
