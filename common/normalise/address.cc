#include "common/normalise/address.h"

#include <vector>

#include "absl/strings/str_split.h"
#include "common/normalise/text_fold.h"

namespace equilink {
namespace {

struct Abbreviation {
  absl::string_view from;
  absl::string_view to;
};

constexpr Abbreviation kAbbreviations[] = {
    {"rd", "road"},       {"ave", "avenue"},      {"av", "avenue"},
    {"ln", "lane"},       {"dr", "drive"},        {"cl", "close"},
    {"ct", "court"},      {"cres", "crescent"},   {"cresc", "crescent"},
    {"gdns", "gardens"},  {"gr", "grove"},        {"grv", "grove"},
    {"pl", "place"},      {"sq", "square"},       {"ter", "terrace"},
    {"terr", "terrace"},  {"pk", "park"},         {"hse", "house"},
    {"apt", "apartment"}, {"flt", "flat"},        {"blvd", "boulevard"},
    {"wy", "way"},        {"mt", "mount"},        {"hts", "heights"},
    {"est", "estate"},    {"pde", "parade"},      {"wk", "walk"},
    {"yd", "yard"},       {"bldgs", "buildings"},
};

absl::string_view Expand(absl::string_view word, bool is_last) {
  // "St" is a street type at the end of a line and "Saint" inside a name
  // ("St Johns Rd"); the address line holds only number and street, so
  // position is a reliable cue.
  if (word == "st") return is_last ? "street" : "saint";
  for (const Abbreviation& a : kAbbreviations) {
    if (a.from == word) return a.to;
  }
  return word;
}

}  // namespace

std::string NormaliseAddress(absl::string_view raw) {
  const std::string folded = FoldToAsciiWords(raw, {.keep_digits = true});
  std::string out;
  out.reserve(folded.size() + 16);
  const std::vector<absl::string_view> words =
      absl::StrSplit(folded, ' ', absl::SkipEmpty());
  for (size_t i = 0; i < words.size(); ++i) {
    if (!out.empty()) out.push_back(' ');
    const absl::string_view expanded =
        Expand(words[i], /*is_last=*/i + 1 == words.size());
    out.append(expanded.data(), expanded.size());
  }
  return out;
}

}  // namespace equilink
