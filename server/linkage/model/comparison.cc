#include "server/linkage/model/comparison.h"

#include "absl/strings/str_format.h"

namespace equilink::linkage {

const char* ComparisonName(ComparisonId id) {
  switch (id) {
    case ComparisonId::kNhsNumber:
      return "nhs_number";
    case ComparisonId::kForename:
      return "forename";
    case ComparisonId::kSurname:
      return "surname";
    case ComparisonId::kDateOfBirth:
      return "date_of_birth";
    case ComparisonId::kBirthYearMonth:
      return "birth_year_month";
    case ComparisonId::kSex:
      return "sex";
    case ComparisonId::kAddress:
      return "address";
    case ComparisonId::kPostcode:
      return "postcode";
    case ComparisonId::kLocality:
      return "locality";
    case ComparisonId::kLsoa:
      return "lsoa";
    case ComparisonId::kRecordClk:
      return "record_clk";
  }
  return "unknown";
}

v1::LinkageComparison ComparisonToProto(ComparisonId id) {
  // The proto numbers follow the enum order, one higher (0 is unspecified).
  return static_cast<v1::LinkageComparison>(static_cast<int>(id) + 1);
}

std::optional<ComparisonId> ComparisonFromProto(v1::LinkageComparison value) {
  const int index = static_cast<int>(value) - 1;
  if (index < 0 || index >= kComparisonCount) return std::nullopt;
  return ComparisonAt(index);
}

bool UsesDiceThresholds(ComparisonId id) {
  switch (id) {
    case ComparisonId::kForename:
    case ComparisonId::kSurname:
    case ComparisonId::kDateOfBirth:
    case ComparisonId::kAddress:
    case ComparisonId::kPostcode:
    case ComparisonId::kLocality:
    case ComparisonId::kRecordClk:
      return true;
    default:
      return false;
  }
}

// Why these values (docs/LINKAGE.md has the longer version): a Bloom Dice of
// two bigram sets is close to the bigram Dice, which for a word of n letters
// (n + 1 bigrams) is about (n - 1) / (n + 1) after one substitution and
// n / (n + 1) after one insertion or deletion. So for names >= 0.9 is one
// edit in a long name, >= 0.8 one edit in a typical name, >= 0.65 two edits or
// one in a short name; below that, unrelated names (about 0.15 for two random
// names) are what remains.
std::vector<double> DefaultDiceThresholds(ComparisonId id) {
  switch (id) {
    case ComparisonId::kForename:
    case ComparisonId::kSurname:
      return {0.9, 0.8, 0.65};
    case ComparisonId::kDateOfBirth:
      // Nine bigrams: one digit changed leaves ~0.8, a transposition or two
      // digits ~0.65, a random date ~0.3.
      return {0.75, 0.6};
    case ComparisonId::kAddress:
      return {0.9, 0.75, 0.55};
    case ComparisonId::kPostcode:
      // Six to nine bigrams: one character changed leaves ~0.75.
      return {0.7, 0.5};
    case ComparisonId::kLocality:
      return {0.85, 0.65};
    case ComparisonId::kRecordClk:
      // The record CLK mixes every field, so one wrong field moves it only a
      // little: it needs many fine levels to carry what field comparisons
      // carry when they are available. Matches and non-matches separate
      // between 0.78 and 0.85 on clkhash's FEBRL4 CLKs, hence the fine steps
      // there.
      return {0.95, 0.9, 0.85, 0.82, 0.8, 0.78};
    default:
      return {};
  }
}

int LevelCount(ComparisonId id, int threshold_count) {
  switch (id) {
    case ComparisonId::kNhsNumber:
      return 3;
    case ComparisonId::kBirthYearMonth:
      return 4;
    case ComparisonId::kSex:
    case ComparisonId::kLsoa:
      return 2;
    case ComparisonId::kForename:
      return threshold_count + 3;  // exact, thresholds, swapped, else
    default:
      return threshold_count + 2;  // exact, thresholds, else
  }
}

int SwappedNamesLevel(ComparisonId id, int threshold_count) {
  return id == ComparisonId::kForename ? threshold_count + 1 : -1;
}

std::vector<std::string> LevelLabels(ComparisonId id,
                                     const std::vector<double>& thresholds) {
  switch (id) {
    case ComparisonId::kNhsNumber:
      return {"agree", "disagree (both checked)", "disagree (unchecked)"};
    case ComparisonId::kBirthYearMonth:
      return {"exact", "within one month", "same year", "else"};
    case ComparisonId::kSex:
    case ComparisonId::kLsoa:
      return {"agree", "disagree"};
    default:
      break;
  }
  std::vector<std::string> labels = {"exact"};
  for (double threshold : thresholds) {
    labels.push_back(absl::StrFormat("dice>=%.2f", threshold));
  }
  if (id == ComparisonId::kForename) labels.push_back("names swapped");
  labels.push_back("else");
  return labels;
}

}  // namespace equilink::linkage
