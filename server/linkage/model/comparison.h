#ifndef EQUILINK_SERVER_LINKAGE_MODEL_COMPARISON_H_
#define EQUILINK_SERVER_LINKAGE_MODEL_COMPARISON_H_

// The field comparisons of the Fellegi-Sunter model and their levels.
// Every comparison grades the agreement of one feature of two records into a
// small number of levels, strongest agreement first (level 0) and plain
// disagreement last. docs/LINKAGE.md ("Probabilistic stage") gives the levels
// and why they are where they are.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "equilink/v1/linkage.pb.h"

namespace equilink::linkage {

enum class ComparisonId : uint8_t {
  kNhsNumber = 0,
  kForename,
  kSurname,
  kDateOfBirth,
  kBirthYearMonth,
  kSex,
  kAddress,
  kPostcode,
  kLocality,
  kLsoa,
  kRecordClk,
};
inline constexpr int kComparisonCount = 11;
// No comparison has more levels than this (checked when settings are read),
// so per-level tables are fixed-size arrays.
inline constexpr int kMaxLevels = 8;

// Level -1: the comparison is null for the pair (a side is missing, or a
// stronger comparison of correlated evidence stands in for it) and
// contributes nothing to the score.
inline constexpr int8_t kNullLevel = -1;

struct ComparisonVector {
  std::array<int8_t, kComparisonCount> level;

  int8_t operator[](ComparisonId id) const {
    return level[static_cast<int>(id)];
  }
  int8_t& operator[](ComparisonId id) { return level[static_cast<int>(id)]; }
  // A vector with every comparison null.
  static ComparisonVector Null() {
    ComparisonVector v;
    v.level.fill(kNullLevel);
    return v;
  }
  friend bool operator==(const ComparisonVector&,
                         const ComparisonVector&) = default;
};

inline ComparisonId ComparisonAt(int index) {
  return static_cast<ComparisonId>(index);
}
const char* ComparisonName(ComparisonId id);
v1::LinkageComparison ComparisonToProto(ComparisonId id);
std::optional<ComparisonId> ComparisonFromProto(v1::LinkageComparison value);

// True for the comparisons whose levels are exact encoding / Dice at least
// each threshold / else (names, date of birth, address, postcode, locality,
// record CLK). The others have fixed levels.
bool UsesDiceThresholds(ComparisonId id);
// Descending; empty for comparisons without Dice levels.
std::vector<double> DefaultDiceThresholds(ComparisonId id);

// The level layout of a Dice comparison with `threshold_count` thresholds:
// 0 = exact encoding, 1..threshold_count = Dice >= threshold[i - 1], then (for
// the forename only) names swapped, then else.
inline constexpr int kExactLevel = 0;
int LevelCount(ComparisonId id, int threshold_count);
// The forename level for "forename and surname swapped"; -1 for other ids.
int SwappedNamesLevel(ComparisonId id, int threshold_count);
// Human-readable level names for reports ("exact", "dice>=0.90", "else").
std::vector<std::string> LevelLabels(ComparisonId id,
                                     const std::vector<double>& thresholds);

// The fixed levels of the other comparisons.
namespace nhs_level {
inline constexpr int8_t kAgree = 0;
inline constexpr int8_t kDisagreeChecked = 1;  // both Modulus 11-checked
inline constexpr int8_t kDisagreeUnchecked = 2;
}  // namespace nhs_level
namespace year_month_level {
inline constexpr int8_t kExact = 0;
inline constexpr int8_t kWithinOneMonth = 1;
inline constexpr int8_t kSameYear = 2;
inline constexpr int8_t kElse = 3;
}  // namespace year_month_level
namespace binary_level {  // sex, LSOA
inline constexpr int8_t kAgree = 0;
inline constexpr int8_t kDisagree = 1;
}  // namespace binary_level

}  // namespace equilink::linkage

#endif  // EQUILINK_SERVER_LINKAGE_MODEL_COMPARISON_H_
