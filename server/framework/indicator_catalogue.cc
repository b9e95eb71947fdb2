#include "server/framework/indicator_catalogue.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "common/status/text_proto.h"
#include "server/framework/disclosure/profile.h"

namespace equilink::framework {
namespace {

using v1::IndicatorBreakdown;
using v1::IndicatorDefinition;

// Pooling periods the framework reports (indicators.md: 1, 3 or 5-year
// pooling as BSOL does, and the monthly and quarterly views of VCSE data).
constexpr uint32_t kPeriods[] = {1, 3, 6, 12, 36, 60};

// The record dates a wait can run between.
constexpr absl::string_view kDateFields[] = {
    "referral_date", "first_contact_date", "discharge_date"};

template <typename List, typename Value>
bool Contains(const List& list, const Value& value) {
  for (const auto& item : list) {
    if (item == value) return true;
  }
  return false;
}

// DISC-02, ACC-05: a domain code, a hyphen and two digits.
bool IsIndicatorId(absl::string_view id) {
  const size_t hyphen = id.find('-');
  if (hyphen == 0 || hyphen == absl::string_view::npos ||
      id.size() != hyphen + 3) {
    return false;
  }
  for (char c : id.substr(0, hyphen)) {
    if (!absl::ascii_isupper(static_cast<unsigned char>(c))) return false;
  }
  return absl::ascii_isdigit(static_cast<unsigned char>(id[hyphen + 1])) &&
         absl::ascii_isdigit(static_cast<unsigned char>(id[hyphen + 2]));
}

bool IsAreaBreakdown(IndicatorBreakdown breakdown) {
  return breakdown == v1::INDICATOR_BREAKDOWN_ICS ||
         breakdown == v1::INDICATOR_BREAKDOWN_IMD_QUINTILE ||
         breakdown == v1::INDICATOR_BREAKDOWN_IMD_DECILE ||
         breakdown == v1::INDICATOR_BREAKDOWN_LOCAL_AUTHORITY;
}

absl::Status Broken(const IndicatorDefinition& indicator,
                    absl::string_view rule) {
  return absl::InvalidArgumentError(
      absl::StrCat("indicator ", indicator.id(), ": ", rule));
}

absl::Status ValidateSubmitted(const IndicatorDefinition& indicator) {
  if (!(indicator.multiplier() > 0)) {
    return Broken(indicator, "multiplier must be positive");
  }
  if (!disclosure::FindProfile(indicator.disclosure_profile()).ok()) {
    return Broken(indicator, absl::StrCat("disclosure_profile \"",
                                          indicator.disclosure_profile(),
                                          "\" is not a known profile "
                                          "(NHSD_2018, SMALL10, DSR10)"));
  }
  if (!Contains(kPeriods, indicator.min_period_months())) {
    return Broken(indicator, "min_period_months must be 1, 3, 6, 12, 36 or 60");
  }
  if (indicator.breakdowns().empty() ||
      !Contains(indicator.breakdowns(), v1::INDICATOR_BREAKDOWN_ICS)) {
    return Broken(indicator,
                  "breakdowns must include INDICATOR_BREAKDOWN_ICS, the "
                  "total the other cells are checked against");
  }
  absl::flat_hash_set<int> breakdowns;
  for (int breakdown : indicator.breakdowns()) {
    if (breakdown == v1::INDICATOR_BREAKDOWN_UNSPECIFIED ||
        !breakdowns.insert(breakdown).second) {
      return Broken(indicator,
                    "breakdowns holds an unspecified or repeated "
                    "breakdown");
    }
  }
  if (!indicator.has_numerator()) {
    return Broken(indicator, "numerator is missing: the people counted");
  }
  const bool persons_denominator = indicator.has_denominator_persons();
  const bool resident_denominator = indicator.has_resident_population();
  switch (indicator.value_type()) {
    case v1::INDICATOR_VALUE_PROPORTION:
      if (!persons_denominator ||
          indicator.quantity_case() != IndicatorDefinition::QUANTITY_NOT_SET) {
        return Broken(indicator,
                      "a proportion needs denominator_persons and no "
                      "quantity");
      }
      break;
    case v1::INDICATOR_VALUE_RATE:
      if (!resident_denominator ||
          indicator.resident_population().group() ==
              v1::ResidentPopulation::GROUP_UNSPECIFIED) {
        return Broken(indicator,
                      "a rate needs resident_population with a group");
      }
      for (int breakdown : indicator.breakdowns()) {
        if (!IsAreaBreakdown(static_cast<IndicatorBreakdown>(breakdown))) {
          return Broken(
              indicator,
              absl::StrCat("a rate per resident child breaks down by area "
                           "only (the IoD2019 denominators are by LSOA), not ",
                           v1::IndicatorBreakdown_Name(breakdown)));
        }
      }
      break;
    case v1::INDICATOR_VALUE_MEAN:
      if (indicator.denominator_case() !=
          IndicatorDefinition::DENOMINATOR_NOT_SET) {
        return Broken(indicator, "a mean has no denominator");
      }
      if (indicator.has_days_between()) {
        const v1::DaysBetween& days = indicator.days_between();
        if (!Contains(kDateFields, days.from_field()) ||
            !Contains(kDateFields, days.to_field()) ||
            days.from_field() == days.to_field()) {
          return Broken(indicator,
                        "days_between runs between two different record "
                        "dates: referral_date, first_contact_date, "
                        "discharge_date");
        }
      } else if (indicator.has_outcome_value()) {
        if (indicator.outcome_value().instrument().empty() ||
            indicator.outcome_value().timepoint().empty()) {
          return Broken(indicator,
                        "outcome_value needs an instrument and a timepoint");
        }
      } else {
        return Broken(indicator,
                      "a mean needs a quantity: days_between or "
                      "outcome_value");
      }
      break;
    case v1::INDICATOR_VALUE_MEAN_PAIRED_CHANGE: {
      if (indicator.denominator_case() !=
              IndicatorDefinition::DENOMINATOR_NOT_SET ||
          !indicator.has_paired_scores()) {
        return Broken(indicator,
                      "a mean paired change needs paired_scores and no "
                      "denominator");
      }
      const v1::PairedScores& pairs = indicator.paired_scores();
      if (pairs.instruments().empty() || pairs.from_timepoint().empty() ||
          pairs.to_timepoint().empty() ||
          pairs.from_timepoint() == pairs.to_timepoint()) {
        return Broken(indicator,
                      "paired_scores needs an instrument and two different "
                      "timepoints");
      }
      break;
    }
    default:
      return Broken(indicator, "value_type is missing");
  }
  return absl::OkStatus();
}

absl::Status ValidateIndicator(const IndicatorDefinition& indicator) {
  if (!IsIndicatorId(indicator.id())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "indicator id \"", indicator.id(),
        "\" is not a domain code, a hyphen and two digits (DISC-02)"));
  }
  if (indicator.name().empty() || indicator.domain().empty() ||
      indicator.definition().empty()) {
    return Broken(indicator, "name, domain and definition are required");
  }
  if (indicator.vcse_feed() != "Y" && indicator.vcse_feed() != "P" &&
      indicator.vcse_feed() != "N") {
    return Broken(indicator, "vcse_feed must be Y, P or N");
  }
  switch (indicator.source()) {
    case v1::INDICATOR_SOURCE_SUBMITTED:
      return ValidateSubmitted(indicator);
    case v1::INDICATOR_SOURCE_EXTERNAL:
      // The framework's promise to VCSE partners: what they feed, it shows.
      if (indicator.vcse_feed() == "Y") {
        return Broken(indicator,
                      "marked Y for VCSE feed, so it must be computed from "
                      "submitted data (source INDICATOR_SOURCE_SUBMITTED)");
      }
      if (indicator.external_source().empty()) {
        return Broken(indicator,
                      "an external indicator names its external_source");
      }
      if (indicator.has_numerator() ||
          indicator.denominator_case() !=
              IndicatorDefinition::DENOMINATOR_NOT_SET ||
          indicator.quantity_case() != IndicatorDefinition::QUANTITY_NOT_SET) {
        return Broken(indicator,
                      "an external indicator is not computed here: no "
                      "numerator, denominator or quantity");
      }
      return absl::OkStatus();
    default:
      return Broken(indicator, "source is missing");
  }
}

}  // namespace

IndicatorCatalogue::IndicatorCatalogue(v1::IndicatorCatalogue catalogue)
    : catalogue_(std::move(catalogue)) {
  for (int i = 0; i < catalogue_.indicators_size(); ++i) {
    index_of_id_[catalogue_.indicators(i).id()] = i;
  }
}

absl::StatusOr<std::unique_ptr<IndicatorCatalogue>> IndicatorCatalogue::Parse(
    absl::string_view text) {
  v1::IndicatorCatalogue catalogue;
  EQ_RETURN_IF_ERROR(ParseTextProto(text, &catalogue));
  if (catalogue.version().empty()) {
    return absl::InvalidArgumentError(
        "the catalogue needs a version: every output cites it");
  }
  absl::flat_hash_set<std::string> ids;
  for (const IndicatorDefinition& indicator : catalogue.indicators()) {
    EQ_RETURN_IF_ERROR(ValidateIndicator(indicator));
    if (!ids.insert(indicator.id()).second) {
      return Broken(indicator, "the id appears twice");
    }
  }
  if (ids.empty()) {
    return absl::InvalidArgumentError("the catalogue holds no indicator");
  }
  return std::unique_ptr<IndicatorCatalogue>(
      new IndicatorCatalogue(std::move(catalogue)));
}

absl::StatusOr<std::unique_ptr<IndicatorCatalogue>> IndicatorCatalogue::Load(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read indicator catalogue ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<std::unique_ptr<IndicatorCatalogue>> catalogue =
      Parse(text.str());
  if (!catalogue.ok()) {
    return absl::Status(catalogue.status().code(),
                        absl::StrCat(path, ": ", catalogue.status().message()));
  }
  return catalogue;
}

const v1::IndicatorDefinition* IndicatorCatalogue::Find(
    absl::string_view id) const {
  const auto it = index_of_id_.find(id);
  return it == index_of_id_.end() ? nullptr
                                  : &catalogue_.indicators(it->second);
}

}  // namespace equilink::framework
