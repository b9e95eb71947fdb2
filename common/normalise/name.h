#ifndef EQUILINK_COMMON_NORMALISE_NAME_H_
#define EQUILINK_COMMON_NORMALISE_NAME_H_

// Person-name normalisation (docs/PSEUDONYMISATION.md, "Names"). Every provider
// must turn the same person's name into the same bytes, or their tokens will
// not agree, so the rules are fixed by the spec and not configurable.

#include <string>

#include "absl/strings/string_view.h"

namespace equilink {

// Folds `raw` (FoldToAsciiWords, without digits), then strips titles and
// suffixes: while two or more words remain and the first is a title (mr, mrs,
// ms, miss, mx, master, dr, prof, professor, rev, revd, reverend, sir, dame,
// lord, lady, fr) it is removed; then while two or more words remain and the
// last is a suffix (jr, jnr, junior, sr, snr, senior, ii, iii, iv, esq) it is
// removed. Returns the remaining words separated by single spaces ("" when
// none). "Mrs Mary-Jane O'Brien" -> "mary jane obrien".
std::string NormaliseNameWords(absl::string_view raw);

// The same, replacing *out and reusing its capacity (the per-record hot path).
void NormaliseNameWordsInto(absl::string_view raw, std::string* out);

// The match value of a forename: the first word of NormaliseNameWords (middle
// and later given names are dropped, so "Jean-Paul", "Jean Paul" and "Jean"
// agree). "" when absent.
std::string NormaliseForename(absl::string_view raw);

// The match value of a surname: the words of NormaliseNameWords concatenated
// without separators, so "Smith-Jones", "Smith Jones" and "SMITHJONES" agree:
// "smithjones". "" when absent.
std::string NormaliseSurname(absl::string_view raw);

// Whether `word` (already folded) is in the title or suffix list above.
bool IsNameTitle(absl::string_view word);
bool IsNameSuffix(absl::string_view word);

struct SplitName {
  std::string forename;  // raw text, not yet normalised
  std::string surname;   // raw text, not yet normalised
};

// Splits a FULL_NAME column into raw forename and surname text, which are then
// normalised as usual:
//  - "SURNAME, Forename Middle": with a comma, the text before the first comma
//    is the surname and the rest the forename.
//  - "Forename Middle Surname": otherwise the text is split at ASCII
//    whitespace; leading title words and trailing suffix words are dropped
//    (while two or more words remain); the last word is the surname, extended
//    to the left over surname particles (van, von, der, den, de, del, della,
//    di, da, du, la, le, dos, das, ter, ten, bin, al, el) as long as one word
//    is left for the forename; the words before it are the forename.
//  - A single word is taken as the surname.
// Both results are trimmed and have single spaces between words.
SplitName SplitFullName(absl::string_view full_name);

}  // namespace equilink

#endif  // EQUILINK_COMMON_NORMALISE_NAME_H_
