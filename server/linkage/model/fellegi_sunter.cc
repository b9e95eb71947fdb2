#include "server/linkage/model/fellegi_sunter.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace equilink::linkage {
namespace {

// Starting m for a Dice comparison: most matches agree exactly, fewer at each
// weaker level. EM moves these; they only need to put the match class on the
// agreeing side so that EM does not converge to the mirror solution.
std::vector<double> StartingDiceM(ComparisonId id, int thresholds) {
  std::vector<double> m;
  m.push_back(id == ComparisonId::kRecordClk ? 0.4 : 0.8);
  double level_m = id == ComparisonId::kRecordClk ? 0.2 : 0.08;
  for (int i = 0; i < thresholds; ++i, level_m /= 2) m.push_back(level_m);
  if (id == ComparisonId::kForename) m.push_back(0.005);
  double sum = 0;
  for (double p : m) sum += p;
  m.push_back(std::max(0.01, 1 - sum));
  return m;
}

// Starting u under a random-pair assumption: exact agreement of two people is
// rare (about the sum of squared value frequencies), near agreement rarer
// still, swapped names almost never. EM replaces these with the sample's own
// level frequencies when EmOptions::u_start_from_sample is set.
std::vector<double> StartingDiceU(ComparisonId id, int thresholds) {
  std::vector<double> u;
  u.push_back(id == ComparisonId::kRecordClk ? 1e-4 : 0.005);
  for (int i = 0; i < thresholds; ++i) u.push_back(0.005);
  if (id == ComparisonId::kForename) u.push_back(1e-5);
  double sum = 0;
  for (double p : u) sum += p;
  u.push_back(1 - sum);
  return u;
}

void Normalise(std::vector<double>* p) {
  double sum = 0;
  for (double v : *p) sum += v;
  for (double& v : *p) v /= sum;
}

ComparisonParameters DefaultComparison(ComparisonId id,
                                       std::vector<double> thresholds) {
  ComparisonParameters c;
  c.id = id;
  c.enabled = true;
  c.term_frequency_adjusted = id == ComparisonId::kForename ||
                              id == ComparisonId::kSurname ||
                              id == ComparisonId::kPostcode;
  switch (id) {
    case ComparisonId::kNhsNumber:
      // Two different checked numbers are one child only after a duplicate
      // registration or a number copied onto the wrong record: rare.
      c.m = {0.9699, 1e-4, 0.03};
      c.u = {1e-4, 0.5, 0.4999};
      break;
    case ComparisonId::kBirthYearMonth:
      c.m = {0.9, 0.04, 0.03, 0.03};
      c.u = {0.005, 0.01, 0.05, 0.935};
      break;
    case ComparisonId::kSex:
      c.m = {0.97, 0.03};
      c.u = {0.5, 0.5};
      break;
    case ComparisonId::kLsoa:
      c.m = {0.85, 0.15};
      c.u = {0.01, 0.99};
      break;
    default:
      c.m = StartingDiceM(id, static_cast<int>(thresholds.size()));
      c.u = StartingDiceU(id, static_cast<int>(thresholds.size()));
      Normalise(&c.m);
      c.dice_thresholds = std::move(thresholds);
      break;
  }
  return c;
}

absl::Status CheckProbabilities(const std::vector<double>& p, int levels,
                                const std::string& what) {
  if (static_cast<int>(p.size()) != levels) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " has ", p.size(), " values for ", levels, " levels"));
  }
  double sum = 0;
  for (double v : p) {
    if (!(v >= 0 && v <= 1)) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " has a value outside [0, 1]"));
    }
    sum += v;
  }
  if (std::abs(sum - 1) > 1e-6) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " does not sum to 1 (", sum, ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckThresholds(const std::vector<double>& thresholds,
                             const std::string& what) {
  for (size_t i = 0; i < thresholds.size(); ++i) {
    if (!(thresholds[i] > 0 && thresholds[i] < 1)) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " has a threshold outside (0, 1)"));
    }
    if (i > 0 && !(thresholds[i] < thresholds[i - 1])) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " thresholds are not strictly descending"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

double ComparisonParameters::MatchWeight(int level) const {
  return std::log2(m[level] / u[level]);
}

double OneToOnePriorLog2Odds(uint64_t records_a, uint64_t records_b,
                             double matches) {
  const double a = static_cast<double>(records_a);
  const double b = static_cast<double>(records_b);
  const double m = std::clamp(matches, 0.0, std::min(a, b));
  // p / (1 - p) with p = (m + 1) / (n + 2): (m + 1) / (n - m + 1).
  const double odds_a = (m + 1) / ((a - m + 1) * std::max(b, 1.0));
  const double odds_b = (m + 1) / ((b - m + 1) * std::max(a, 1.0));
  return std::log2(std::min(odds_a, odds_b));
}

double FellegiSunterModel::PriorLog2Odds() const {
  return std::log2(lambda / (1 - lambda));
}

absl::Status FellegiSunterModel::Validate() const {
  for (int i = 0; i < kComparisonCount; ++i) {
    const ComparisonParameters& c = comparisons[i];
    const std::string name = ComparisonName(ComparisonAt(i));
    if (c.id != ComparisonAt(i)) {
      return absl::InvalidArgumentError(
          absl::StrCat("comparison ", name, " is out of place"));
    }
    if (!UsesDiceThresholds(c.id) && !c.dice_thresholds.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, " has no Dice levels but has thresholds"));
    }
    EQ_RETURN_IF_ERROR(CheckThresholds(c.dice_thresholds, name));
    const int levels =
        LevelCount(c.id, static_cast<int>(c.dice_thresholds.size()));
    if (levels > kMaxLevels) {
      return absl::InvalidArgumentError(absl::StrCat(
          name, " has ", levels, " levels; at most ", kMaxLevels, " allowed"));
    }
    EQ_RETURN_IF_ERROR(CheckProbabilities(c.m, levels, name + " m"));
    EQ_RETURN_IF_ERROR(CheckProbabilities(c.u, levels, name + " u"));
  }
  if (!(lambda > 0 && lambda < 1)) {
    return absl::InvalidArgumentError("lambda must be in (0, 1)");
  }
  if (!(match_threshold > 0 && match_threshold < 1)) {
    return absl::InvalidArgumentError("match_threshold must be in (0, 1)");
  }
  if (!(probability_floor > 0 && probability_floor < 0.01)) {
    return absl::InvalidArgumentError("probability_floor must be in (0, 0.01)");
  }
  for (size_t i = 0; i < source_pair_priors.size(); ++i) {
    const SourcePairPrior& prior = source_pair_priors[i];
    if (!(prior.source_a < prior.source_b)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "source pair prior ", i, ": sources must differ, in name order"));
    }
    if (i > 0 && !(std::tie(source_pair_priors[i - 1].source_a,
                            source_pair_priors[i - 1].source_b) <
                   std::tie(prior.source_a, prior.source_b))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "source pair prior ", i, " is out of order or repeated"));
    }
    if (!std::isfinite(prior.log2_prior_odds) || prior.log2_prior_odds > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("source pair prior ", i,
                       ": log2 prior odds must be finite and <= 0"));
    }
  }
  return absl::OkStatus();
}

FellegiSunterModel DefaultStartingModel() {
  FellegiSunterModel model;
  for (int i = 0; i < kComparisonCount; ++i) {
    const ComparisonId id = ComparisonAt(i);
    model.comparisons[i] = DefaultComparison(id, DefaultDiceThresholds(id));
  }
  model.lambda = 0.05;
  return model;
}

absl::StatusOr<FellegiSunterModel> DefaultStartingModel(
    const v1::LinkageModelSettings& settings) {
  FellegiSunterModel model = DefaultStartingModel();
  std::array<bool, kComparisonCount> seen = {};
  for (const v1::LinkageComparisonSettings& s : settings.comparisons()) {
    const std::optional<ComparisonId> id = ComparisonFromProto(s.comparison());
    if (!id.has_value()) {
      return absl::InvalidArgumentError(
          "linkage model settings name an unknown comparison");
    }
    const std::string name = ComparisonName(*id);
    if (seen[static_cast<int>(*id)]) {
      return absl::InvalidArgumentError(
          absl::StrCat("linkage model settings name ", name, " twice"));
    }
    seen[static_cast<int>(*id)] = true;
    ComparisonParameters& c = model.comparison(*id);
    if (s.dice_thresholds_size() > 0) {
      if (!UsesDiceThresholds(*id)) {
        return absl::InvalidArgumentError(
            absl::StrCat(name, " has no Dice levels to set thresholds for"));
      }
      const bool enabled = c.enabled;
      const bool tf = c.term_frequency_adjusted;
      c = DefaultComparison(
          *id, {s.dice_thresholds().begin(), s.dice_thresholds().end()});
      c.enabled = enabled;
      c.term_frequency_adjusted = tf;
    }
    if (s.has_enabled()) c.enabled = s.enabled();
    if (s.has_term_frequency_adjusted()) {
      if (s.term_frequency_adjusted() && *id != ComparisonId::kForename &&
          *id != ComparisonId::kSurname && *id != ComparisonId::kPostcode) {
        return absl::InvalidArgumentError(absl::StrCat(
            name,
            ": term-frequency adjustment is for forename, surname and "
            "postcode only"));
      }
      c.term_frequency_adjusted = s.term_frequency_adjusted();
    }
    if (s.fixed_m_size() > 0) {
      c.m.assign(s.fixed_m().begin(), s.fixed_m().end());
      c.m_fixed = true;
    }
    if (s.fixed_u_size() > 0) {
      c.u.assign(s.fixed_u().begin(), s.fixed_u().end());
      c.u_fixed = true;
    }
  }
  if (settings.has_term_frequency_adjustment() &&
      !settings.term_frequency_adjustment()) {
    for (ComparisonParameters& c : model.comparisons) {
      c.term_frequency_adjusted = false;
    }
  }
  if (settings.probability_floor() != 0) {
    model.probability_floor = settings.probability_floor();
  }
  if (settings.match_threshold() != 0) {
    model.match_threshold = settings.match_threshold();
  }
  if (settings.fixed_lambda() != 0) {
    model.lambda = settings.fixed_lambda();
    model.lambda_fixed = true;
  }
  if (settings.em().tolerance() < 0) {
    return absl::InvalidArgumentError("EM tolerance must not be negative");
  }
  EQ_RETURN_IF_ERROR(model.Validate());
  return model;
}

absl::Status ValidateModelSettings(const v1::LinkageModelSettings& settings) {
  return DefaultStartingModel(settings).status();
}

EmOptions EmOptionsFromSettings(const v1::LinkageModelSettings& settings) {
  EmOptions options;
  if (settings.em().max_iterations() != 0) {
    options.max_iterations = static_cast<int>(settings.em().max_iterations());
  }
  if (settings.em().tolerance() > 0) {
    options.tolerance = settings.em().tolerance();
  }
  if (settings.em().max_pairs() != 0) {
    options.max_pairs = settings.em().max_pairs();
  }
  return options;
}

}  // namespace equilink::linkage
