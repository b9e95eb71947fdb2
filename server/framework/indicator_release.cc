#include "server/framework/indicator_release.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/status_macros.h"

namespace equilink::framework {
namespace {

std::string ShownCount(const std::optional<int64_t>& count) {
  return count.has_value() ? absl::StrCat(*count) : "*";
}

std::string ValueNote(const disclosure::ShownCell& shown) {
  if (shown.value.has_value()) return "";
  if (shown.value_withheld == disclosure::Withheld::kUndefined) {
    return "no value: nobody in the denominator";
  }
  return absl::StrCat("suppressed: ",
                      disclosure::WithheldName(shown.value_withheld));
}

v1::IndicatorValueRow Row(const IndicatorTable& table,
                          const IndicatorCell& cell,
                          const disclosure::ShownCell& shown,
                          const IndicatorRelease& release,
                          const std::string& period) {
  v1::IndicatorValueRow row;
  row.set_indicator_id(table.indicator_id);
  row.set_indicator_name(table.indicator_name);
  // A district's cell is an area of its own, as Fingertips lays them out;
  // every other breakdown is a category of the ICS.
  const bool district =
      cell.breakdown == v1::INDICATOR_BREAKDOWN_LOCAL_AUTHORITY &&
      cell.category != "unknown";
  row.set_area_code(district ? cell.category : release.ics_code);
  row.set_area_name(district ? cell.category_name : release.ics_name);
  row.set_area_type(district ? "Local authority" : "ICS");
  if (cell.breakdown != v1::INDICATOR_BREAKDOWN_ICS && !district) {
    row.set_category_type(BreakdownName(cell.breakdown));
    row.set_category(cell.category_name);
  }
  row.set_time_period(period);
  row.set_value_shown(shown.value.has_value());
  if (shown.value.has_value()) {
    row.set_value(*shown.value);
    if (shown.lower.has_value()) row.set_lower_ci_95(*shown.lower);
    if (shown.upper.has_value()) row.set_upper_ci_95(*shown.upper);
  }
  row.set_count(ShownCount(shown.numerator));
  row.set_denominator(ShownCount(shown.denominator));
  row.set_value_note(ValueNote(shown));
  row.set_disclosure_profile(
      absl::StrCat(shown.profile_name, " v", shown.profile_version));
  row.set_imd_version(table.imd_version);
  row.set_catalogue_version(release.catalogue_version);
  return row;
}

v1::InequalityRow Inequality(const IndicatorTable& table) {
  v1::InequalityRow row;
  row.set_indicator_id(table.indicator_id);
  if (table.inequality_breakdown != v1::INDICATOR_BREAKDOWN_UNSPECIFIED) {
    row.set_breakdown(BreakdownName(table.inequality_breakdown));
  }
  if (!table.inequality.has_value()) {
    row.set_note(table.inequality_note);
    return row;
  }
  const stats::InequalityResult& result = *table.inequality;
  row.set_computed(true);
  row.set_sii(result.sii.value);
  row.set_sii_lower_95(result.sii.interval.lower);
  row.set_sii_upper_95(result.sii.interval.upper);
  // A ratio of two fitted values means something for a rate or a
  // proportion; for a mean change, which can be near zero or negative at
  // either end, it does not (phe_sii reports the RII only when asked).
  const bool ratio_meaningful =
      table.value_type == v1::INDICATOR_VALUE_PROPORTION ||
      table.value_type == v1::INDICATOR_VALUE_RATE;
  if (ratio_meaningful && result.rii.has_value()) {
    row.set_rii_computed(true);
    row.set_rii(result.rii->value);
    row.set_rii_lower_95(result.rii->interval.lower);
    row.set_rii_upper_95(result.rii->interval.upper);
  }
  return row;
}

}  // namespace

std::string DayText(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

absl::StatusOr<v1::IndicatorResponse> ReleaseIndicators(
    const Population& population, const IndicatorRelease& release,
    disclosure::ReleaseLedger* ledger) {
  if (release.profile == nullptr) {
    return absl::InvalidArgumentError("a release needs a disclosure profile");
  }
  v1::IndicatorCatalogue requested;
  for (const v1::IndicatorDefinition* indicator : release.indicators) {
    if (indicator->source() != v1::INDICATOR_SOURCE_SUBMITTED) {
      return absl::InvalidArgumentError(
          absl::StrCat("indicator ", indicator->id(),
                       " comes from an external source; it is not computed "
                       "from submitted data"));
    }
    *requested.add_indicators() = *indicator;
  }
  EQ_ASSIGN_OR_RETURN(
      std::vector<IndicatorTable> tables,
      ComputeCatalogue(requested, population, release.engine, release.threads));

  const disclosure::Period period{DayText(population.period().first_day),
                                  DayText(population.period().last_day)};
  const std::string period_text =
      absl::StrCat(period.first_day, " to ", period.last_day);
  disclosure::Release record{
      .release_id = release.release_id,
      .consumer_org = release.consumer_organisation,
      .agreement_id = release.agreement_id,
      .agreement_version = release.agreement_version,
      .profile = release.profile,
      .released_at_unix_seconds = release.released_at_unix_seconds,
  };
  v1::IndicatorResponse response;
  response.set_release_id(release.release_id);
  for (const IndicatorTable& table : tables) {
    const disclosure::Table controlled = ToDisclosureTable(table);
    EQ_ASSIGN_OR_RETURN(const std::vector<disclosure::ShownCell> shown,
                        disclosure::ApplyProfile(*release.profile, controlled));
    for (disclosure::ReleasedCell& cell :
         disclosure::ReleasedCellsOf(controlled, period, shown)) {
      record.cells.push_back(std::move(cell));
    }
    for (size_t i = 0; i < table.cells.size(); ++i) {
      *response.add_rows() =
          Row(table, table.cells[i], shown[i], release, period_text);
    }
    *response.add_inequalities() = Inequality(table);
  }
  // Shown only once the ledger has it: a refusal returns no figure.
  EQ_RETURN_IF_ERROR(ledger->CheckAndRecord(record));
  return response;
}

}  // namespace equilink::framework
