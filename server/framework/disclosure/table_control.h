#ifndef EQUILINK_SERVER_FRAMEWORK_DISCLOSURE_TABLE_CONTROL_H_
#define EQUILINK_SERVER_FRAMEWORK_DISCLOSURE_TABLE_CONTROL_H_

// Disclosure control of one indicator table (governance.md, check E7): the
// cells of one indicator and period by the categories of its breakdowns
// (IMD quintile or decile, ethnicity group, sex, age band, local authority)
// and the total over the ICS, each with a numerator count, a denominator
// count or population, a value and its confidence limits.
//
// Primary suppression applies the profile's count rules to every numerator
// and denominator (see profile.h).
//
// Secondary suppression. A table is modelled as groups: a group is a set of
// member cells whose counts add up to a total cell that is also in the table
// (the five IMD quintiles and the ICS total; several breakdowns share that
// total; a two-way table has one group per row and one per column). Each
// group is one linear equation, total = sum of members, so when exactly one
// of its cells is withheld while the others are shown, that cell is
// recovered by subtraction. While any group has exactly one withheld cell,
// the shown member with the smallest count (the least information lost; the
// lower index on a tie) is withheld too, or the total when no member is
// shown; this repeats over all groups until none changes, because a cell
// withheld for one group can leave a single withheld cell in another (a
// cascade across the rows and columns of a two-way table). Numerators and
// denominators are two separate tables of counts and are each protected this
// way. A group's members must add up to its total exactly: people with an
// unknown LSOA or ethnicity belong in an explicit "unknown" category cell
// that takes part in the group, else ApplyProfile refuses the table.
//
// Why this applies to NHSD_2018 too. NHS Digital's method drops secondary
// suppression on the grounds that rounding the other cells makes subtraction
// inexact, and it is: a rounded count is known only to within +/-2. But the
// error of the subtraction is the sum of those of the shown cells, and in a
// small group it is narrower than the '*' band: a total shown 20 (18..22)
// and one other member shown 10 (8..12) leave the '*' member in 6..14, which
// with 1..7 pins it to 6 or 7. Governance E7 and the agreements'
// OutputControls.secondary_suppression ask for it, so every profile gets it.
//
// Values. A proportion or rate is withheld whenever its numerator or its
// denominator is withheld (primarily or secondarily): value x denominator
// gives back the numerator (exactly for exact counts, to within the rounding
// otherwise), and numerator / value gives back the denominator. The
// denominator itself stays shown when only the numerator is withheld: it is
// usually a public population and hiding it would protect nothing once the
// value is gone. The confidence limits go with the value, since they bracket
// it tightly. A mean or median depends on its contributors only.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/framework/disclosure/profile.h"

namespace equilink::framework::disclosure {

// The breakdown of the cell covering the whole ICS population.
inline constexpr char kTotalBreakdown[] = "total";

enum class Measure {
  // numerator / denominator x multiplier, computed here from the shown
  // counts (so from the rounded figures under a rounding profile).
  kProportion,
  kCrudeRate,
  // Supplied by the caller (CellInput::value); withheld per the profile.
  kStandardisedRate,
  kMean,  // or a median
};

struct CellInput {
  std::string breakdown{};  // "imd_quintile", "ethnicity", ..., kTotalBreakdown
  std::string category{};   // "1", "A", "unknown", "all"
  int64_t numerator = 0;
  int64_t denominator = 0;  // people or population
  // Used for kStandardisedRate and kMean; a proportion or crude rate is
  // computed from the counts instead.
  double value = 0;
  std::optional<double> lower{};  // confidence limits, as the caller computed
  std::optional<double> upper{};  // them (passed through, see below)
  int64_t contributors = 0;       // kMean: people whose values were averaged
};

struct Group {
  std::string name{};  // for error messages: "imd_quintile", "row sex=F"
  size_t total = 0;    // index into Table::cells
  std::vector<size_t> members{};
};

struct Table {
  std::string indicator_id{};
  Measure measure = Measure::kProportion;
  double multiplier = 100;  // 100 for a percentage, 100000 per 100,000
  std::vector<CellInput> cells{};
  std::vector<Group> groups{};
};

// Why a figure is not shown.
enum class Withheld {
  kNo,
  // Primary: the profile's count rule.
  kSmallCount,
  // Protects another withheld cell of a group.
  kSecondary,
  // A value whose numerator or denominator is withheld.
  kRevealsSuppressedCount,
  // A value based on fewer people than the profile allows.
  kTooFewPeople,
  // No value exists (zero denominator, no contributors).
  kUndefined,
};
// A short English name for logs and reports: "small count", "secondary
// suppression", ...
absl::string_view WithheldName(Withheld reason);

struct ShownCell {
  std::string breakdown{};
  std::string category{};
  std::optional<int64_t> numerator{};    // nullopt is shown as '*'
  std::optional<int64_t> denominator{};  // nullopt is shown as '*'
  std::optional<double> value{};
  std::optional<double> lower{};
  std::optional<double> upper{};
  Withheld numerator_withheld = Withheld::kNo;
  Withheld denominator_withheld = Withheld::kNo;
  Withheld value_withheld = Withheld::kNo;
  std::string profile_name{};
  int profile_version = 0;

  // True when any figure is withheld for disclosure (not merely undefined).
  bool suppressed() const;
};

// Applies `profile` to `table`: one ShownCell per input cell, in order.
// Confidence limits pass through unchanged when the value is shown: NHS
// Digital's method needs no further control for complex statistics (CIs,
// DSRs), and the limits of a withheld value are withheld with it.
// InvalidArgument naming the indicator and group (never a count) when a group
// refers to a cell that does not exist or lists its total among its members,
// when a count is negative, or when the members of a group do not add up to
// its total.
absl::StatusOr<std::vector<ShownCell>> ApplyProfile(const Profile& profile,
                                                    const Table& table);

}  // namespace equilink::framework::disclosure

#endif  // EQUILINK_SERVER_FRAMEWORK_DISCLOSURE_TABLE_CONTROL_H_
