#ifndef EQUILINK_COMMON_NORMALISE_TEXT_FOLD_H_
#define EQUILINK_COMMON_NORMALISE_TEXT_FOLD_H_

// The character-level folding shared by the name and address normalisers
// (docs/PSEUDONYMISATION.md, "Text folding"). Folding to plain ASCII is what
// lets "Zoë", "Zoe" and "ZOE" produce the same tokens on every provider's
// machine, whatever their export tool did with accents.

#include <string>

#include "absl/strings/string_view.h"

namespace equilink {

struct FoldOptions {
  // Names drop digits (they are data-entry noise there); addresses keep them.
  bool keep_digits = false;
};

// Decodes `raw` as UTF-8 and returns its words: runs of [a-z] (and [0-9] with
// keep_digits) separated by exactly one ASCII space, with no leading or
// trailing space. Per code point:
//   A-Z -> a-z; a-z kept; 0-9 kept or a separator (keep_digits);
//   U+00C0-U+017F, U+0218-U+021B, U+1E9E -> the ASCII letters of the table in
//     text_fold.cc (diacritics removed: e-acute -> e, sharp s -> ss,
//     o-stroke -> o, l-stroke -> l, ae -> ae, thorn -> th);
//   apostrophes (U+0027, U+0060, U+00B4, U+2018, U+2019, U+02BC) and the full
//     stop (U+002E) -> removed, so "O'Neil" -> "oneil";
//   combining marks U+0300-U+036F -> removed (decomposed input folds like
//     composed input);
//   everything else, including invalid UTF-8, hyphens, commas and letters of
//     other scripts -> a word separator.
// The result is an identifier when the input is: never log it.
std::string FoldToAsciiWords(absl::string_view raw, FoldOptions options = {});

// The same, replacing *out, whose capacity is reused: the per-record hot path
// calls this so that folding allocates nothing once the buffer has grown.
void FoldToAsciiWordsInto(absl::string_view raw, FoldOptions options,
                          std::string* out);

}  // namespace equilink

#endif  // EQUILINK_COMMON_NORMALISE_TEXT_FOLD_H_
