#include "common/normalise/name.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/normalise/text_fold.h"

namespace equilink {
namespace {

constexpr absl::string_view kTitles[] = {
    "mr",  "mrs",  "ms",        "miss", "mx",   "master",
    "dr",  "prof", "professor", "rev",  "revd", "reverend",
    "sir", "dame", "lord",      "lady", "fr"};
constexpr absl::string_view kSuffixes[] = {
    "jr", "jnr", "junior", "sr", "snr", "senior", "ii", "iii", "iv", "esq"};
constexpr absl::string_view kSurnameParticles[] = {
    "van", "von", "der", "den", "de",  "del", "della", "di", "da", "du",
    "la",  "le",  "dos", "das", "ter", "ten", "bin",   "al", "el"};

template <size_t N>
bool Contains(const absl::string_view (&list)[N], absl::string_view word) {
  return std::find(std::begin(list), std::end(list), word) != std::end(list);
}

// Drops titles from the front and suffixes from the back of `words`, keeping
// at least one word. `folded(i)` gives the folded form of word i.
template <typename Word, typename Folded>
void StripTitlesAndSuffixes(std::vector<Word>* words, Folded folded) {
  size_t begin = 0;
  size_t end = words->size();
  while (end - begin >= 2 && IsNameTitle(folded((*words)[begin]))) ++begin;
  while (end - begin >= 2 && IsNameSuffix(folded((*words)[end - 1]))) --end;
  words->erase(words->begin() + static_cast<ptrdiff_t>(end), words->end());
  words->erase(words->begin(), words->begin() + static_cast<ptrdiff_t>(begin));
}

}  // namespace

bool IsNameTitle(absl::string_view word) { return Contains(kTitles, word); }
bool IsNameSuffix(absl::string_view word) { return Contains(kSuffixes, word); }

std::string NormaliseNameWords(absl::string_view raw) {
  std::string words;
  NormaliseNameWordsInto(raw, &words);
  return words;
}

void NormaliseNameWordsInto(absl::string_view raw, std::string* out) {
  FoldToAsciiWordsInto(raw, {}, out);
  // Folded text is words separated by single spaces, so stripping a title or
  // suffix is cutting the string at a space; no word list is needed.
  absl::string_view kept(*out);
  while (true) {
    const size_t space = kept.find(' ');
    if (space == absl::string_view::npos || !IsNameTitle(kept.substr(0, space)))
      break;
    kept.remove_prefix(space + 1);
  }
  while (true) {
    const size_t space = kept.rfind(' ');
    if (space == absl::string_view::npos ||
        !IsNameSuffix(kept.substr(space + 1)))
      break;
    kept.remove_suffix(kept.size() - space);
  }
  if (kept.size() == out->size()) return;
  const size_t begin = static_cast<size_t>(kept.data() - out->data());
  out->resize(begin + kept.size());
  out->erase(0, begin);
}

std::string NormaliseForename(absl::string_view raw) {
  std::string words = NormaliseNameWords(raw);
  const size_t space = words.find(' ');
  if (space != std::string::npos) words.resize(space);
  return words;
}

std::string NormaliseSurname(absl::string_view raw) {
  std::string words = NormaliseNameWords(raw);
  words.erase(std::remove(words.begin(), words.end(), ' '), words.end());
  return words;
}

SplitName SplitFullName(absl::string_view full_name) {
  SplitName result;
  const size_t comma = full_name.find(',');
  if (comma != absl::string_view::npos) {
    const auto tidy = [](absl::string_view text) {
      std::vector<absl::string_view> words =
          absl::StrSplit(text, absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty());
      return absl::StrJoin(words, " ");
    };
    result.surname = tidy(full_name.substr(0, comma));
    result.forename = tidy(full_name.substr(comma + 1));
    return result;
  }
  std::vector<absl::string_view> words =
      absl::StrSplit(full_name, absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty());
  if (words.empty()) return result;
  StripTitlesAndSuffixes(
      &words, [](absl::string_view w) { return FoldToAsciiWords(w); });
  size_t surname_begin = words.size() - 1;
  while (
      surname_begin >= 2 &&
      Contains(kSurnameParticles, FoldToAsciiWords(words[surname_begin - 1]))) {
    --surname_begin;
  }
  const auto split = words.begin() + static_cast<ptrdiff_t>(surname_begin);
  result.forename = absl::StrJoin(words.begin(), split, " ");
  result.surname = absl::StrJoin(split, words.end(), " ");
  return result;
}

}  // namespace equilink
