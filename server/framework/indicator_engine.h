#ifndef EQUILINK_SERVER_FRAMEWORK_INDICATOR_ENGINE_H_
#define EQUILINK_SERVER_FRAMEWORK_INDICATOR_ENGINE_H_

// Computes one catalogue indicator over a period's linked population: the
// whole-ICS cell, a cell per category of each breakdown the catalogue allows,
// each with numerator, denominator, value and 95% confidence interval (Wilson
// for proportions, Byar's or exact Poisson for rates, t for means), and the
// slope and relative indices of inequality across IMD deciles (quintiles
// when deciles are not an allowed breakdown), as Fingertips computes them.
//
// The figures are the true ones: disclosure control is applied afterwards,
// per the consumer's agreement (ApplyDisclosure), so one computation can be
// released under different profiles and the release ledger sees the true
// counts behind what it shows.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "equilink/v1/indicators.pb.h"
#include "server/framework/disclosure/profile.h"
#include "server/framework/disclosure/table_control.h"
#include "server/framework/population.h"
#include "server/framework/stats/inequality.h"

namespace equilink::framework {

struct IndicatorCell {
  v1::IndicatorBreakdown breakdown = v1::INDICATOR_BREAKDOWN_ICS;
  std::string category;       // "1", "E08000025", "White", "all"
  std::string category_name;  // for people: "Most deprived 20%", a district
  // Proportions and rates: the persons counted and the persons (or resident
  // children) they are counted among. Means: the persons with a value, and
  // the persons who could have had one (a baseline score, a referral): the
  // completion behind a paired change.
  int64_t numerator = 0;
  int64_t denominator = 0;
  std::optional<double> value;  // absent when undefined (no denominator)
  std::optional<double> lower;
  std::optional<double> upper;
};

struct IndicatorTable {
  std::string indicator_id;
  std::string indicator_name;
  v1::IndicatorValueType value_type = v1::INDICATOR_VALUE_PROPORTION;
  double multiplier = 1;
  std::string imd_version;
  std::vector<IndicatorCell> cells;  // cells[0] is the whole ICS
  // Across IMD deciles (or quintiles); absent with the reason when fewer
  // than five had a value.
  v1::IndicatorBreakdown inequality_breakdown =
      v1::INDICATOR_BREAKDOWN_UNSPECIFIED;
  std::optional<stats::InequalityResult> inequality;
  std::string inequality_note;
};

struct EngineOptions {
  // The ICS's local authority districts: the geography of the resident
  // population behind rates. Required for rate indicators.
  std::vector<std::string> local_authorities;
  int inequality_repetitions = stats::kDefaultRepetitions;
};

// InvalidArgument for an external indicator, or a rate without the ICS's
// local authorities.
absl::StatusOr<IndicatorTable> ComputeIndicator(
    const v1::IndicatorDefinition& indicator, const Population& population,
    const EngineOptions& options);

// Every indicator of `catalogue` computed from submitted data, in catalogue
// order, on `threads` threads (indicators are independent; the population
// is read-only). The first error stops nothing else but is returned.
absl::StatusOr<std::vector<IndicatorTable>> ComputeCatalogue(
    const v1::IndicatorCatalogue& catalogue, const Population& population,
    const EngineOptions& options, int threads);

// The table as `profile` lets it be shown: the whole-ICS cell and the
// categories of each breakdown whose people add up to it (every breakdown
// but organisation and service type, where one person can be in several)
// form the groups of secondary suppression.
absl::StatusOr<std::vector<disclosure::ShownCell>> ApplyDisclosure(
    const IndicatorTable& table, const disclosure::Profile& profile);
// The table ApplyDisclosure controls (for the release ledger's record).
disclosure::Table ToDisclosureTable(const IndicatorTable& table);

// Display name of a breakdown: "IMD quintile", "Ethnic group", ...
const char* BreakdownName(v1::IndicatorBreakdown breakdown);

}  // namespace equilink::framework

#endif  // EQUILINK_SERVER_FRAMEWORK_INDICATOR_ENGINE_H_
