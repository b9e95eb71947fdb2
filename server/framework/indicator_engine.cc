#include "server/framework/indicator_engine.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "server/framework/stats/confidence_intervals.h"

namespace equilink::framework {
namespace {

constexpr char kUnknown[] = "unknown";

// A catalogue condition with its codes looked up once per population.
struct Condition {
  // A listed code no record of the period holds: nothing can meet the
  // list, but an empty list is met by anything.
  bool service_listed = false;
  std::vector<Code> service_types;
  bool needs_listed = false;
  std::vector<Code> needs_any;
  uint32_t min_sessions_attended = 0;
  bool ethnicity_recorded = false;
  bool nhs_number_linkable = false;
  bool lives_in_core20 = false;
  bool has_first_contact = false;
  bool linked_to_another_source = false;
};

std::vector<Code> Codes(
    const google::protobuf::RepeatedPtrField<std::string>& texts,
    const Population& population) {
  std::vector<Code> codes;
  for (const std::string& text : texts) {
    if (std::optional<Code> code = population.FindCode(text)) {
      codes.push_back(*code);
    }
  }
  return codes;
}

Condition Resolve(const v1::RecordCondition& proto,
                  const Population& population) {
  Condition c;
  c.service_listed = !proto.service_types().empty();
  c.service_types = Codes(proto.service_types(), population);
  c.needs_listed = !proto.needs_any().empty();
  c.needs_any = Codes(proto.needs_any(), population);
  c.min_sessions_attended = proto.min_sessions_attended();
  c.ethnicity_recorded = proto.ethnicity_recorded();
  c.nhs_number_linkable = proto.nhs_number_linkable();
  c.lives_in_core20 = proto.lives_in_core20();
  c.has_first_contact = proto.has_first_contact();
  c.linked_to_another_source = proto.linked_to_another_source();
  return c;
}

bool RecordMeets(const Condition& c, const PersonRecord& r) {
  if (c.service_listed &&
      std::find(c.service_types.begin(), c.service_types.end(),
                r.service_type) == c.service_types.end()) {
    return false;
  }
  if (c.needs_listed &&
      std::none_of(r.needs.begin(), r.needs.end(), [&](Code need) {
        return std::find(c.needs_any.begin(), c.needs_any.end(), need) !=
               c.needs_any.end();
      })) {
    return false;
  }
  if (r.sessions_attended < c.min_sessions_attended) return false;
  if (c.ethnicity_recorded && !r.ethnicity_recorded) return false;
  if (c.nhs_number_linkable && !r.nhs_number_linkable) return false;
  if (c.lives_in_core20 && (r.area == nullptr || r.area->imd_quintile != 1)) {
    return false;
  }
  if (c.has_first_contact && !r.first_contact.has_value()) return false;
  return true;
}

// The records of a person that meet `c` (the person-level part included),
// into `meeting`.
void Meeting(const Condition& c, const Person& person,
             const std::vector<const PersonRecord*>& records,
             std::vector<const PersonRecord*>* meeting) {
  meeting->clear();
  if (c.linked_to_another_source && !person.linked_across_sources) return;
  for (const PersonRecord* record : records) {
    if (RecordMeets(c, *record)) meeting->push_back(record);
  }
}

// Whether any of them does: all a count needs.
bool AnyMeets(const Condition& c, const Person& person,
              const std::vector<const PersonRecord*>& records) {
  if (c.linked_to_another_source && !person.linked_across_sources) {
    return false;
  }
  for (const PersonRecord* record : records) {
    if (RecordMeets(c, *record)) return true;
  }
  return false;
}

// One person's part of a cell.
struct Contribution {
  bool counted = false;   // in the numerator
  bool eligible = false;  // in the (persons) denominator
  std::optional<double> value;
};

struct Quantity {
  const v1::IndicatorDefinition* indicator = nullptr;
  std::optional<Code> outcome_instrument;
  std::optional<Code> outcome_timepoint;
  std::vector<Code> paired_instruments;
  std::optional<Code> from_timepoint;
  std::optional<Code> to_timepoint;
};

std::optional<absl::CivilDay> DateField(const PersonRecord& r,
                                        const std::string& field) {
  if (field == "referral_date") return r.referral;
  if (field == "first_contact_date") return r.first_contact;
  if (field == "discharge_date") return r.discharge;
  return std::nullopt;
}

// The per-person quantity of a mean over the records that meet the
// numerator condition; `eligible` says whether the person could have one.
std::optional<double> PersonQuantity(
    const Quantity& q, const std::vector<const PersonRecord*>& records,
    bool* eligible) {
  const v1::IndicatorDefinition& indicator = *q.indicator;
  *eligible = !records.empty();
  if (records.empty()) return std::nullopt;
  if (indicator.has_days_between()) {
    // The first episode of care in the period: a later re-referral is a
    // second wait, but the person is counted once.
    for (const PersonRecord* r : records) {
      const auto from = DateField(*r, indicator.days_between().from_field());
      const auto to = DateField(*r, indicator.days_between().to_field());
      if (from.has_value() && to.has_value() && *to >= *from) {
        return static_cast<double>(*to - *from);
      }
    }
    return std::nullopt;
  }
  if (indicator.has_outcome_value()) {
    std::optional<double> latest;
    for (const PersonRecord* r : records) {
      for (const OutcomeFact& o : r->outcomes) {
        if (o.instrument == q.outcome_instrument &&
            o.timepoint == q.outcome_timepoint) {
          latest = o.total;
        }
      }
    }
    return latest;
  }
  // Paired scores: the first listed instrument the person has a baseline
  // on, its earliest baseline and latest follow-up (never two instruments
  // in one pair: their scales differ).
  const v1::PairedScores& pairs = indicator.paired_scores();
  *eligible = false;
  for (Code instrument : q.paired_instruments) {
    const OutcomeFact* from = nullptr;
    const OutcomeFact* to = nullptr;
    for (const PersonRecord* r : records) {
      for (const OutcomeFact& o : r->outcomes) {
        if (o.instrument != instrument) continue;
        if (o.timepoint == q.from_timepoint && from == nullptr) from = &o;
        if (o.timepoint == q.to_timepoint) to = &o;
      }
    }
    if (from == nullptr) continue;
    *eligible = true;
    if (to == nullptr) return std::nullopt;
    // Undated scores cannot be checked for the interval and are taken as
    // the service recorded them.
    if (from->day.has_value() && to->day.has_value() &&
        *to->day - *from->day <
            static_cast<int64_t>(pairs.min_days_between())) {
      return std::nullopt;
    }
    const double change = to->total - from->total;
    return pairs.lower_is_better() ? -change : change;
  }
  return std::nullopt;
}

struct Accumulator {
  std::string name;
  int64_t numerator = 0;
  int64_t denominator = 0;
  std::vector<double> values;
};

// The cells of one breakdown, in display order: fixed categories first (all
// quintiles, even empty ones: a rate's denominator and the SII need them),
// then the ones people bring (districts, organisations), then unknown.
struct BreakdownCells {
  v1::IndicatorBreakdown kind = v1::INDICATOR_BREAKDOWN_ICS;
  bool sort_found = false;  // districts, organisations, services: by code
  std::vector<std::string> order;
  absl::flat_hash_map<std::string, Accumulator> cells;

  // Called for every person: a lookup by view, a string only for a new key.
  Accumulator& Slot(absl::string_view key, absl::string_view name) {
    auto it = cells.find(key);
    if (it == cells.end()) {
      it = cells.emplace(std::string(key), Accumulator{}).first;
      it->second.name = std::string(name);
      order.emplace_back(key);
    }
    return it->second;
  }
};

bool PerRecord(v1::IndicatorBreakdown kind) {
  return kind == v1::INDICATOR_BREAKDOWN_ORGANISATION ||
         kind == v1::INDICATOR_BREAKDOWN_SERVICE_TYPE;
}

BreakdownCells StartBreakdown(v1::IndicatorBreakdown kind) {
  BreakdownCells b;
  b.kind = kind;
  switch (kind) {
    case v1::INDICATOR_BREAKDOWN_IMD_QUINTILE:
      for (int q = 1; q <= 5; ++q) {
        b.Slot(absl::StrCat(q), q == 1   ? "1 (most deprived 20%)"
                                : q == 5 ? "5 (least deprived 20%)"
                                         : absl::StrCat(q));
      }
      break;
    case v1::INDICATOR_BREAKDOWN_IMD_DECILE:
      for (int d = 1; d <= 10; ++d) {
        b.Slot(absl::StrCat(d), d == 1    ? "1 (most deprived 10%)"
                                : d == 10 ? "10 (least deprived 10%)"
                                          : absl::StrCat(d));
      }
      break;
    case v1::INDICATOR_BREAKDOWN_ETHNIC_GROUP:
      for (int g = 0; g < kEthnicGroupCount; ++g) {
        const char* name = EthnicGroupName(static_cast<EthnicGroup>(g));
        b.Slot(name, name);
      }
      break;
    case v1::INDICATOR_BREAKDOWN_SEX:
      for (int x = 0; x < kSexCount; ++x) {
        const char* name = SexName(static_cast<Sex>(x));
        b.Slot(name, name);
      }
      break;
    case v1::INDICATOR_BREAKDOWN_AGE_BAND:
      for (int band = 0; band < kAgeBandCount; ++band) {
        b.Slot(AgeBandName(band), AgeBandName(band));
      }
      break;
    default:
      b.sort_found = true;
  }
  return b;
}

}  // namespace

const char* BreakdownName(v1::IndicatorBreakdown breakdown) {
  switch (breakdown) {
    case v1::INDICATOR_BREAKDOWN_ICS:
      return "ICS";
    case v1::INDICATOR_BREAKDOWN_IMD_QUINTILE:
      return "IMD quintile";
    case v1::INDICATOR_BREAKDOWN_IMD_DECILE:
      return "IMD decile";
    case v1::INDICATOR_BREAKDOWN_ETHNIC_GROUP:
      return "Ethnic group";
    case v1::INDICATOR_BREAKDOWN_SEX:
      return "Sex";
    case v1::INDICATOR_BREAKDOWN_AGE_BAND:
      return "Age band";
    case v1::INDICATOR_BREAKDOWN_LOCAL_AUTHORITY:
      return "Local authority";
    case v1::INDICATOR_BREAKDOWN_ORGANISATION:
      return "Organisation";
    case v1::INDICATOR_BREAKDOWN_SERVICE_TYPE:
      return "Service type";
    default:
      return "Unknown breakdown";
  }
}

namespace {

// The person's category in an area or person-attribute breakdown.
std::pair<absl::string_view, absl::string_view> CategoryOf(
    v1::IndicatorBreakdown kind, const Person& person, const Area* area) {
  static constexpr const char* kNumbers[] = {"0", "1", "2", "3", "4", "5",
                                             "6", "7", "8", "9", "10"};
  switch (kind) {
    case v1::INDICATOR_BREAKDOWN_IMD_QUINTILE:
      if (area == nullptr) break;
      return {kNumbers[area->imd_quintile], ""};
    case v1::INDICATOR_BREAKDOWN_IMD_DECILE:
      if (area == nullptr) break;
      return {kNumbers[area->imd_decile], ""};
    case v1::INDICATOR_BREAKDOWN_LOCAL_AUTHORITY:
      if (area == nullptr) break;
      return {area->local_authority_code, area->local_authority_name};
    case v1::INDICATOR_BREAKDOWN_ETHNIC_GROUP: {
      const char* name = EthnicGroupName(person.ethnic_group);
      return {name, name};
    }
    case v1::INDICATOR_BREAKDOWN_SEX: {
      const char* name = SexName(person.sex);
      return {name, name};
    }
    case v1::INDICATOR_BREAKDOWN_AGE_BAND: {
      const char* name = AgeBandName(person.age_band);
      return {name, name};
    }
    default:
      break;
  }
  return {kUnknown, "Unknown, or outside the ICS"};
}

// Resident children (IoD2019 File 6) of the ICS's areas, per category.
void FillResidentDenominators(const AreaLookup& areas,
                              const absl::flat_hash_set<std::string>& ics,
                              Accumulator* total,
                              std::vector<BreakdownCells>* breakdowns) {
  Person nobody;
  for (const Area& area : areas.areas()) {
    if (!ics.contains(area.local_authority_code)) continue;
    total->denominator += area.children_0_15;
    for (BreakdownCells& b : *breakdowns) {
      auto [key, name] = CategoryOf(b.kind, nobody, &area);
      b.Slot(key, name).denominator += area.children_0_15;
    }
  }
}

void Add(const Contribution& c, Accumulator* cell) {
  if (c.counted) ++cell->numerator;
  if (c.eligible) ++cell->denominator;
  if (c.value.has_value()) cell->values.push_back(*c.value);
}

absl::StatusOr<IndicatorCell> Finish(const v1::IndicatorDefinition& indicator,
                                     v1::IndicatorBreakdown kind,
                                     const std::string& key,
                                     const Accumulator& cell) {
  IndicatorCell out;
  out.breakdown = kind;
  out.category = key;
  out.category_name = cell.name.empty() ? key : cell.name;
  out.numerator = cell.numerator;
  out.denominator = cell.denominator;
  const double multiplier = indicator.multiplier();
  switch (indicator.value_type()) {
    case v1::INDICATOR_VALUE_PROPORTION: {
      if (cell.denominator == 0) break;
      EQ_ASSIGN_OR_RETURN(
          const stats::Interval ci,
          stats::WilsonInterval(cell.numerator, cell.denominator));
      out.value = multiplier * static_cast<double>(cell.numerator) /
                  static_cast<double>(cell.denominator);
      out.lower = multiplier * ci.lower;
      out.upper = multiplier * ci.upper;
      break;
    }
    case v1::INDICATOR_VALUE_RATE: {
      if (cell.denominator == 0) break;
      EQ_ASSIGN_OR_RETURN(
          const stats::RateEstimate rate,
          stats::CrudeRate(cell.numerator,
                           static_cast<double>(cell.denominator), multiplier));
      out.value = rate.value;
      out.lower = rate.interval.lower;
      out.upper = rate.interval.upper;
      break;
    }
    default: {
      // A mean: its numerator is the people with a value.
      out.numerator = static_cast<int64_t>(cell.values.size());
      if (cell.values.empty()) break;
      if (cell.values.size() == 1) {
        out.value = cell.values[0];  // no interval from one value
        break;
      }
      EQ_ASSIGN_OR_RETURN(const stats::MeanEstimate mean,
                          stats::MeanWithInterval(cell.values));
      out.value = multiplier * mean.mean;
      out.lower = multiplier * mean.interval.lower;
      out.upper = multiplier * mean.interval.upper;
    }
  }
  return out;
}

// SII and RII across the IMD quantiles of `table`.
void Inequality(const v1::IndicatorDefinition& indicator,
                const EngineOptions& options, IndicatorTable* table) {
  const auto allowed = [&](v1::IndicatorBreakdown b) {
    return std::find(indicator.breakdowns().begin(),
                     indicator.breakdowns().end(),
                     b) != indicator.breakdowns().end();
  };
  table->inequality_breakdown = allowed(v1::INDICATOR_BREAKDOWN_IMD_DECILE)
                                    ? v1::INDICATOR_BREAKDOWN_IMD_DECILE
                                : allowed(v1::INDICATOR_BREAKDOWN_IMD_QUINTILE)
                                    ? v1::INDICATOR_BREAKDOWN_IMD_QUINTILE
                                    : v1::INDICATOR_BREAKDOWN_UNSPECIFIED;
  if (table->inequality_breakdown == v1::INDICATOR_BREAKDOWN_UNSPECIFIED) {
    table->inequality_note = "no deprivation breakdown for this indicator";
    return;
  }
  stats::InequalityOptions sii;
  sii.repetitions = options.inequality_repetitions;
  double scale_back = 1;
  switch (indicator.value_type()) {
    case v1::INDICATOR_VALUE_PROPORTION:
      sii.scale = stats::ValueScale::kProportion;
      scale_back = indicator.multiplier();
      sii.multiplier = scale_back;
      break;
    case v1::INDICATOR_VALUE_RATE:
      sii.scale = stats::ValueScale::kRate;
      break;
    default:
      sii.scale = stats::ValueScale::kNormal;
  }
  std::vector<stats::QuantileValue> quantiles;
  for (const IndicatorCell& cell : table->cells) {
    if (cell.breakdown != table->inequality_breakdown ||
        cell.category == kUnknown || !cell.value.has_value() ||
        !cell.lower.has_value()) {
      continue;
    }
    // phe_sii drops quantiles it cannot place on its scale (a proportion of
    // exactly 0 or 1 has no logit).
    absl::StatusOr<double> se = stats::StandardErrorFrom95Limits(
        sii.scale, *cell.lower / scale_back, *cell.upper / scale_back);
    const double weight = static_cast<double>(
        indicator.value_type() == v1::INDICATOR_VALUE_PROPORTION ||
                indicator.value_type() == v1::INDICATOR_VALUE_RATE
            ? cell.denominator
            : cell.numerator);
    if (!se.ok() || weight <= 0) continue;
    quantiles.push_back(stats::QuantileValue{.value = *cell.value / scale_back,
                                             .population = weight,
                                             .standard_error = *se});
  }
  if (quantiles.size() < static_cast<size_t>(stats::kMinQuantiles)) {
    table->inequality_note = absl::StrCat(
        "too few deprivation quantiles with a value (", quantiles.size(),
        " of at least ", stats::kMinQuantiles, ")");
    return;
  }
  absl::StatusOr<stats::InequalityResult> result =
      stats::SlopeAndRelativeIndex(quantiles, sii);
  if (!result.ok()) {
    table->inequality_note = std::string(result.status().message());
    return;
  }
  table->inequality = *result;
}

}  // namespace

absl::StatusOr<IndicatorTable> ComputeIndicator(
    const v1::IndicatorDefinition& indicator, const Population& population,
    const EngineOptions& options) {
  if (indicator.source() != v1::INDICATOR_SOURCE_SUBMITTED) {
    return absl::InvalidArgumentError(
        absl::StrCat("indicator ", indicator.id(),
                     " comes from an external source; it is not computed "
                     "from submitted data"));
  }
  const bool rate = indicator.value_type() == v1::INDICATOR_VALUE_RATE;
  if (rate && options.local_authorities.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("indicator ", indicator.id(),
                     " is a rate per resident child: the ICS's local "
                     "authorities are needed for its denominator"));
  }
  const absl::flat_hash_set<std::string> ics(options.local_authorities.begin(),
                                             options.local_authorities.end());
  const bool mean =
      indicator.value_type() == v1::INDICATOR_VALUE_MEAN ||
      indicator.value_type() == v1::INDICATOR_VALUE_MEAN_PAIRED_CHANGE;

  const Condition numerator =
      Resolve(indicator.numerator().condition(), population);
  const Condition denominator =
      Resolve(indicator.denominator_persons().condition(), population);
  Quantity quantity;
  quantity.indicator = &indicator;
  if (indicator.has_outcome_value()) {
    quantity.outcome_instrument =
        population.FindCode(indicator.outcome_value().instrument());
    quantity.outcome_timepoint =
        population.FindCode(indicator.outcome_value().timepoint());
  }
  if (indicator.has_paired_scores()) {
    quantity.paired_instruments =
        Codes(indicator.paired_scores().instruments(), population);
    quantity.from_timepoint =
        population.FindCode(indicator.paired_scores().from_timepoint());
    quantity.to_timepoint =
        population.FindCode(indicator.paired_scores().to_timepoint());
  }

  // One person's contribution from a set of their records.
  std::vector<const PersonRecord*> counted;
  auto contribute = [&](const Person& person,
                        const std::vector<const PersonRecord*>& records) {
    Contribution c;
    if (mean) {
      Meeting(numerator, person, records, &counted);
      bool eligible = false;
      c.value = PersonQuantity(quantity, counted, &eligible);
      c.eligible = eligible;
      c.counted = c.value.has_value();
    } else if (rate) {
      c.counted = AnyMeets(numerator, person, records);
    } else {
      c.eligible = AnyMeets(denominator, person, records);
      c.counted = c.eligible && AnyMeets(numerator, person, records);
    }
    return c;
  };

  const std::string unknown = kUnknown;
  Accumulator total;
  total.name = "Whole ICS";
  std::vector<BreakdownCells> breakdowns;
  for (int kind : indicator.breakdowns()) {
    if (kind == v1::INDICATOR_BREAKDOWN_ICS) continue;
    breakdowns.push_back(
        StartBreakdown(static_cast<v1::IndicatorBreakdown>(kind)));
  }
  if (rate) {
    FillResidentDenominators(population.areas(), ics, &total, &breakdowns);
  }

  std::vector<const PersonRecord*> all;
  // Per-record categories of one person: (organisation or service code,
  // its records); a person has a record or two, so a small list.
  std::vector<std::pair<uint32_t, std::vector<const PersonRecord*>>>
      by_category;
  size_t categories_used = 0;
  for (const Person& person : population.persons()) {
    all.clear();
    for (const PersonRecord& record : person.records) all.push_back(&record);
    const Contribution whole = contribute(person, all);
    Add(whole, &total);
    const Area* area = person.area;
    if (area != nullptr && !ics.empty() &&
        !ics.contains(area->local_authority_code)) {
      area = nullptr;  // outside the ICS: its own category, unknown
    }
    for (BreakdownCells& b : breakdowns) {
      if (!PerRecord(b.kind)) {
        auto [key, name] = CategoryOf(b.kind, person, area);
        Add(whole, &b.Slot(key, name));
        continue;
      }
      // A person served by two organisations is in both cells, counted on
      // what each organisation recorded.
      const bool by_organisation =
          b.kind == v1::INDICATOR_BREAKDOWN_ORGANISATION;
      categories_used = 0;
      for (const PersonRecord* record : all) {
        const uint32_t key =
            by_organisation ? record->organisation : record->service_type;
        size_t i = 0;
        while (i < categories_used && by_category[i].first != key) ++i;
        if (i == categories_used) {
          if (by_category.size() == categories_used) by_category.emplace_back();
          by_category[i].first = key;
          by_category[i].second.clear();
          ++categories_used;
        }
        by_category[i].second.push_back(record);
      }
      for (size_t i = 0; i < categories_used; ++i) {
        const std::string& code =
            by_organisation ? population.organisations()[by_category[i].first]
                            : population.codes()[by_category[i].first];
        const std::string& key = code.empty() ? unknown : code;
        Add(contribute(person, by_category[i].second), &b.Slot(key, key));
      }
    }
  }

  IndicatorTable table;
  table.indicator_id = indicator.id();
  table.indicator_name = indicator.name();
  table.value_type = indicator.value_type();
  table.multiplier = indicator.multiplier();
  table.imd_version = population.areas().imd_version();
  EQ_ASSIGN_OR_RETURN(
      IndicatorCell whole,
      Finish(indicator, v1::INDICATOR_BREAKDOWN_ICS, "all", total));
  table.cells.push_back(std::move(whole));
  for (BreakdownCells& b : breakdowns) {
    if (b.sort_found) {
      std::sort(b.order.begin(), b.order.end(),
                [](const std::string& x, const std::string& y) {
                  if ((x == kUnknown) != (y == kUnknown)) return y == kUnknown;
                  return x < y;
                });
    }
    // Unknown last, when anyone is in it.
    std::stable_partition(b.order.begin(), b.order.end(),
                          [](const std::string& k) { return k != kUnknown; });
    for (const std::string& key : b.order) {
      EQ_ASSIGN_OR_RETURN(IndicatorCell cell,
                          Finish(indicator, b.kind, key, b.cells[key]));
      table.cells.push_back(std::move(cell));
    }
  }
  Inequality(indicator, options, &table);
  return table;
}

absl::StatusOr<std::vector<IndicatorTable>> ComputeCatalogue(
    const v1::IndicatorCatalogue& catalogue, const Population& population,
    const EngineOptions& options, int threads) {
  std::vector<const v1::IndicatorDefinition*> submitted;
  for (const v1::IndicatorDefinition& indicator : catalogue.indicators()) {
    if (indicator.source() == v1::INDICATOR_SOURCE_SUBMITTED) {
      submitted.push_back(&indicator);
    }
  }
  std::vector<absl::StatusOr<IndicatorTable>> results(
      submitted.size(), absl::UnknownError("not computed"));
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < submitted.size(); i = next++) {
      results[i] = ComputeIndicator(*submitted[i], population, options);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& thread : pool) thread.join();
  std::vector<IndicatorTable> tables;
  tables.reserve(results.size());
  for (absl::StatusOr<IndicatorTable>& result : results) {
    if (!result.ok()) return result.status();
    tables.push_back(*std::move(result));
  }
  return tables;
}

disclosure::Table ToDisclosureTable(const IndicatorTable& table) {
  disclosure::Table input;
  input.indicator_id = table.indicator_id;
  input.multiplier = table.multiplier;
  switch (table.value_type) {
    case v1::INDICATOR_VALUE_PROPORTION:
      input.measure = disclosure::Measure::kProportion;
      break;
    case v1::INDICATOR_VALUE_RATE:
      input.measure = disclosure::Measure::kCrudeRate;
      break;
    default:
      input.measure = disclosure::Measure::kMean;
  }
  std::map<int, disclosure::Group> groups;
  for (size_t i = 0; i < table.cells.size(); ++i) {
    const IndicatorCell& cell = table.cells[i];
    const bool whole = cell.breakdown == v1::INDICATOR_BREAKDOWN_ICS;
    input.cells.push_back(disclosure::CellInput{
        .breakdown =
            whole ? disclosure::kTotalBreakdown : BreakdownName(cell.breakdown),
        .category = cell.category,
        .numerator = cell.numerator,
        .denominator = cell.denominator,
        .value = cell.value.value_or(0),
        .lower = cell.lower,
        .upper = cell.upper,
        .contributors = cell.numerator});
    if (whole || PerRecord(cell.breakdown)) continue;
    disclosure::Group& group = groups[cell.breakdown];
    group.name = BreakdownName(cell.breakdown);
    group.total = 0;
    group.members.push_back(i);
  }
  for (auto& [kind, group] : groups) input.groups.push_back(std::move(group));
  return input;
}

absl::StatusOr<std::vector<disclosure::ShownCell>> ApplyDisclosure(
    const IndicatorTable& table, const disclosure::Profile& profile) {
  return disclosure::ApplyProfile(profile, ToDisclosureTable(table));
}

}  // namespace equilink::framework
