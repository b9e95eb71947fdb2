#include "server/linkage/model/pair_scorer.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <utility>

#include "server/linkage/dice/dice_kernel.h"

namespace equilink::linkage {
namespace {

constexpr int kSortedNamesDobKey = 4;  // v1::MATCH_KEY_SORTED_NAMES_DOB

constexpr int Index(ComparisonId id) { return static_cast<int>(id); }

}  // namespace

PairScorer::PairScorer(const FeatureTable& table,
                       const FellegiSunterModel& model,
                       const TermFrequencies* term_frequencies)
    : table_(table),
      term_frequencies_(term_frequencies),
      prior_log2_odds_(model.PriorLog2Odds()),
      match_threshold_(model.match_threshold),
      floor_(model.probability_floor) {
  for (const SourcePairPrior& prior : model.source_pair_priors) {
    const std::optional<uint32_t> a = table.source_id(prior.source_a);
    const std::optional<uint32_t> b = table.source_id(prior.source_b);
    if (!a.has_value() || !b.has_value()) continue;
    source_pair_prior_[(static_cast<uint64_t>(std::min(*a, *b)) << 32) |
                       std::max(*a, *b)] = prior.log2_prior_odds;
  }
  for (int c = 0; c < kComparisonCount; ++c) {
    const ComparisonParameters& p = model.comparisons[c];
    Levels& levels = levels_[c];
    levels.enabled = p.enabled;
    levels.term_frequency =
        p.term_frequency_adjusted && term_frequencies != nullptr;
    const int thresholds = static_cast<int>(p.dice_thresholds.size());
    levels.threshold_count = static_cast<int8_t>(thresholds);
    levels.swapped_level =
        static_cast<int8_t>(SwappedNamesLevel(p.id, thresholds));
    levels.else_level = static_cast<int8_t>(p.level_count() - 1);
    levels.thresholds.fill(2.0f);  // above any Dice: never reached
    for (int i = 0; i < thresholds; ++i) {
      levels.thresholds[i] = static_cast<float>(p.dice_thresholds[i]);
    }
    weights_[c].fill(0);
    for (int l = 0; l < p.level_count(); ++l) weights_[c][l] = p.MatchWeight(l);
  }
}

int8_t PairScorer::DiceLevel(ComparisonId id, EncodedField field, Row a,
                             Row b) const {
  const Levels& levels = levels_[Index(id)];
  if (!levels.enabled) return kNullLevel;
  const uint32_t pop_a = table_.popcount(field, a);
  const uint32_t pop_b = table_.popcount(field, b);
  if (pop_a == 0 || pop_b == 0) return kNullLevel;
  if (table_.encoding_hash(field, a) == table_.encoding_hash(field, b)) {
    return kExactLevel;
  }
  const uint32_t both =
      AndPopcount(table_.bits(field, a), table_.bits(field, b),
                  kEncodedFieldWords[static_cast<int>(field)]);
  const float dice = static_cast<float>(DiceFromCounts(both, pop_a, pop_b));
  for (int i = 0; i < levels.threshold_count; ++i) {
    if (dice >= levels.thresholds[i]) return static_cast<int8_t>(i + 1);
  }
  return levels.else_level;
}

ComparisonVector PairScorer::Compare(Row a, Row b) const {
  ComparisonVector v = ComparisonVector::Null();
  const FeatureTable& t = table_;

  if (levels_[Index(ComparisonId::kNhsNumber)].enabled) {
    const uint64_t token_a = t.nhs_token(a);
    const uint64_t token_b = t.nhs_token(b);
    if (token_a != 0 && token_b != 0) {
      v[ComparisonId::kNhsNumber] = token_a == token_b ? nhs_level::kAgree
                                    : t.nhs_checked(a) && t.nhs_checked(b)
                                        ? nhs_level::kDisagreeChecked
                                        : nhs_level::kDisagreeUnchecked;
    }
  }

  int8_t forename =
      DiceLevel(ComparisonId::kForename, EncodedField::kForename, a, b);
  int8_t surname =
      DiceLevel(ComparisonId::kSurname, EncodedField::kSurname, a, b);
  // Names swapped between the forename and surname columns: the encodings are
  // keyed per field, so the only evidence is the sorted-names-and-DOB match
  // key. It then stands for both names (surname is null) so the agreement is
  // counted once.
  const int8_t swapped = levels_[Index(ComparisonId::kForename)].swapped_level;
  if (forename != kNullLevel && surname != kNullLevel &&
      forename != kExactLevel && surname != kExactLevel) {
    const uint64_t key_a = t.match_key(a, kSortedNamesDobKey);
    if (key_a != 0 && key_a == t.match_key(b, kSortedNamesDobKey)) {
      forename = swapped;
      surname = kNullLevel;
    }
  }
  v[ComparisonId::kForename] = forename;
  v[ComparisonId::kSurname] = surname;

  // The full date of birth implies its year and month: compare those only
  // when a side lacks the full date, so the evidence is not counted twice.
  const int8_t dob =
      DiceLevel(ComparisonId::kDateOfBirth, EncodedField::kDateOfBirth, a, b);
  v[ComparisonId::kDateOfBirth] = dob;
  if (dob == kNullLevel &&
      levels_[Index(ComparisonId::kBirthYearMonth)].enabled) {
    const int32_t month_a = t.birth_year_month(a);
    const int32_t month_b = t.birth_year_month(b);
    if (month_a >= 0 && month_b >= 0) {
      const int32_t gap = std::abs(month_a - month_b);
      v[ComparisonId::kBirthYearMonth] =
          gap == 0                       ? year_month_level::kExact
          : gap == 1                     ? year_month_level::kWithinOneMonth
          : month_a / 12 == month_b / 12 ? year_month_level::kSameYear
                                         : year_month_level::kElse;
    }
  }

  if (levels_[Index(ComparisonId::kSex)].enabled) {
    const char sex_a = t.sex(a);
    const char sex_b = t.sex(b);
    // '9' is "not known": no evidence either way.
    if (sex_a != 0 && sex_b != 0 && sex_a != '9' && sex_b != '9') {
      v[ComparisonId::kSex] =
          sex_a == sex_b ? binary_level::kAgree : binary_level::kDisagree;
    }
  }

  const int8_t address =
      DiceLevel(ComparisonId::kAddress, EncodedField::kAddress, a, b);
  const int8_t postcode =
      DiceLevel(ComparisonId::kPostcode, EncodedField::kPostcode, a, b);
  const int8_t locality =
      DiceLevel(ComparisonId::kLocality, EncodedField::kLocality, a, b);
  // Address, postcode, LSOA and locality all record where the person lives:
  // people of one household agree on all of them, so scored as independent
  // evidence they would outweigh a different forename and date of birth and
  // link siblings as one child. Location is one hierarchical comparison: the
  // most specific field both records hold is compared, and a coarser one
  // only when the finer did not agree (a typo in the address, a move within
  // the area), since agreement of the finer implies the coarser.
  bool located = false;
  if (address != kNullLevel) {
    v[ComparisonId::kAddress] = address;
    // Only an exact address implies the postcode: after a typo the postcode
    // is what shows the address is the same one.
    located = address == kExactLevel;
  }
  if (!located && postcode != kNullLevel) {
    v[ComparisonId::kPostcode] = postcode;
    located = postcode == kExactLevel;
  }
  // The LSOA is derived from the postcode: only without a postcode.
  if (!located && postcode == kNullLevel &&
      levels_[Index(ComparisonId::kLsoa)].enabled) {
    const uint32_t lsoa_a = t.lsoa(a);
    const uint32_t lsoa_b = t.lsoa(b);
    if (lsoa_a != 0 && lsoa_b != 0) {
      v[ComparisonId::kLsoa] =
          lsoa_a == lsoa_b ? binary_level::kAgree : binary_level::kDisagree;
      located = lsoa_a == lsoa_b;
    }
  }
  if (!located) v[ComparisonId::kLocality] = locality;

  // The record CLK hashes the same fields again: it is the evidence only when
  // no field encoding could be compared.
  if (forename == kNullLevel && surname == kNullLevel && dob == kNullLevel &&
      address == kNullLevel && postcode == kNullLevel &&
      locality == kNullLevel) {
    v[ComparisonId::kRecordClk] =
        DiceLevel(ComparisonId::kRecordClk, EncodedField::kRecordClk, a, b);
  }
  return v;
}

double PairScorer::Log2BayesFactor(const ComparisonVector& vector) const {
  double sum = 0;
  for (int c = 0; c < kComparisonCount; ++c) {
    const int level = vector.level[c];
    if (level != kNullLevel) sum += weights_[c][level];
  }
  return sum;
}

double PairScorer::TermFrequencyAdjustment(
    Row a, Row b, const ComparisonVector& vector) const {
  if (term_frequencies_ == nullptr) return 0;
  double adjustment = 0;
  auto adjust = [&](ComparisonId id, EncodedField field) {
    if (!levels_[Index(id)].term_frequency) return;
    if (vector[id] != kExactLevel) return;
    const double bits =
        term_frequencies_->Adjustment(field, table_.encoding_hash(field, a));
    // The adjusted exact-level u may not fall below the floor: no single
    // agreement is proof, however rare the value looks in a small table.
    const double weight = weights_[Index(id)][kExactLevel];
    const double cap = std::log2(1 / floor_) - weight;
    adjustment += std::min(bits, std::max(cap, 0.0));
  };
  (void)b;  // exact agreement: both rows hold the same value
  adjust(ComparisonId::kForename, EncodedField::kForename);
  adjust(ComparisonId::kSurname, EncodedField::kSurname);
  adjust(ComparisonId::kPostcode, EncodedField::kPostcode);
  return adjustment;
}

PairScore PairScorer::Score(Row a, Row b) const {
  PairScore score;
  score.vector = Compare(a, b);
  score.log2_bayes_factor = Log2BayesFactor(score.vector) +
                            TermFrequencyAdjustment(a, b, score.vector);
  score.probability =
      ProbabilityFromLog2BayesFactor(a, b, score.log2_bayes_factor);
  return score;
}

double PairScorer::Log2BayesFactor(Row a, Row b) const {
  const ComparisonVector vector = Compare(a, b);
  return Log2BayesFactor(vector) + TermFrequencyAdjustment(a, b, vector);
}

double PairScorer::MatchProbability(Row a, Row b) const {
  return ProbabilityFromLog2BayesFactor(a, b, Log2BayesFactor(a, b));
}

double PairScorer::ProbabilityFromLog2BayesFactor(
    Row a, Row b, double log2_bayes_factor) const {
  return 1 / (1 + std::exp2(-(PriorLog2Odds(a, b) + log2_bayes_factor)));
}

double PairScorer::PairPriorLog2Odds(uint32_t source_a,
                                     uint32_t source_b) const {
  if (source_a > source_b) std::swap(source_a, source_b);
  const auto it = source_pair_prior_.find(
      (static_cast<uint64_t>(source_a) << 32) | source_b);
  return it == source_pair_prior_.end() ? prior_log2_odds_ : it->second;
}

double PairScorer::ProbabilityFromLog2BayesFactor(
    double log2_bayes_factor) const {
  return 1 / (1 + std::exp2(-(prior_log2_odds_ + log2_bayes_factor)));
}

double PairScorer::Log2BayesFactorThreshold() const {
  return std::log2(match_threshold_ / (1 - match_threshold_)) -
         prior_log2_odds_;
}

}  // namespace equilink::linkage
