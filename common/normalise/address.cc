#include "common/normalise/address.h"

#include <cstring>

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

// NormaliseAddressInto relies on every expansion being longer than its
// abbreviation: then an unchanged length means nothing expanded, and words can
// be expanded in place from the back without overwriting one not yet moved.
constexpr bool ExpansionsLengthen() {
  for (const Abbreviation& a : kAbbreviations) {
    if (a.to.size() <= a.from.size()) return false;
  }
  return true;
}
static_assert(ExpansionsLengthen());

}  // namespace

std::string NormaliseAddress(absl::string_view raw) {
  std::string out;
  NormaliseAddressInto(raw, &out);
  return out;
}

void NormaliseAddressInto(absl::string_view raw, std::string* out) {
  FoldToAsciiWordsInto(raw, {.keep_digits = true}, out);
  // Folded text is words separated by single spaces. Measure the expanded
  // length first; then, if anything expands, move the words to their final
  // places last word first, so no word is overwritten before it is moved.
  const size_t folded_size = out->size();
  size_t expanded_size = 0;
  absl::string_view rest(*out);
  while (!rest.empty()) {
    const size_t space = rest.find(' ');
    const bool is_last = space == absl::string_view::npos;
    expanded_size += Expand(rest.substr(0, space), is_last).size();
    if (is_last) break;
    ++expanded_size;  // the space
    rest.remove_prefix(space + 1);
  }
  if (expanded_size == folded_size) return;  // nothing expands
  out->resize(expanded_size);
  char* text = out->data();
  size_t word_end = folded_size;
  size_t write_end = expanded_size;
  bool is_last = true;
  while (word_end > 0) {
    size_t word_begin = word_end;
    while (word_begin > 0 && text[word_begin - 1] != ' ') --word_begin;
    const absl::string_view word(text + word_begin, word_end - word_begin);
    const absl::string_view expanded = Expand(word, is_last);
    write_end -= expanded.size();
    // memmove: an unexpanded word may overlap its own new place.
    std::memmove(text + write_end, expanded.data(), expanded.size());
    if (word_begin == 0) break;
    text[--write_end] = ' ';
    word_end = word_begin - 1;
    is_last = false;
  }
}

}  // namespace equilink
