#include "common/normalise/text_fold.h"

#include <cstdint>

namespace equilink {
namespace {

// ASCII replacements for U+00C0..U+017F (Latin-1 Supplement letters and Latin
// Extended-A). "" marks the two symbols in the range (U+00D7 multiplication,
// U+00F7 division), which separate words.
constexpr const char* kLatinFold[] = {
    "a", "a", "a",  "a",  "a", "a", "ae", "c",   // U+00C0
    "e", "e", "e",  "e",  "i", "i", "i",  "i",   // U+00C8
    "d", "n", "o",  "o",  "o", "o", "o",  "",    // U+00D0
    "o", "u", "u",  "u",  "u", "y", "th", "ss",  // U+00D8
    "a", "a", "a",  "a",  "a", "a", "ae", "c",   // U+00E0
    "e", "e", "e",  "e",  "i", "i", "i",  "i",   // U+00E8
    "d", "n", "o",  "o",  "o", "o", "o",  "",    // U+00F0
    "o", "u", "u",  "u",  "u", "y", "th", "y",   // U+00F8
    "a", "a", "a",  "a",  "a", "a", "c",  "c",   // U+0100
    "c", "c", "c",  "c",  "c", "c", "d",  "d",   // U+0108
    "d", "d", "e",  "e",  "e", "e", "e",  "e",   // U+0110
    "e", "e", "e",  "e",  "g", "g", "g",  "g",   // U+0118
    "g", "g", "g",  "g",  "h", "h", "h",  "h",   // U+0120
    "i", "i", "i",  "i",  "i", "i", "i",  "i",   // U+0128
    "i", "i", "ij", "ij", "j", "j", "k",  "k",   // U+0130
    "k", "l", "l",  "l",  "l", "l", "l",  "l",   // U+0138
    "l", "l", "l",  "n",  "n", "n", "n",  "n",   // U+0140
    "n", "n", "n",  "n",  "o", "o", "o",  "o",   // U+0148
    "o", "o", "oe", "oe", "r", "r", "r",  "r",   // U+0150
    "r", "r", "s",  "s",  "s", "s", "s",  "s",   // U+0158
    "s", "s", "t",  "t",  "t", "t", "t",  "t",   // U+0160
    "u", "u", "u",  "u",  "u", "u", "u",  "u",   // U+0168
    "u", "u", "u",  "u",  "w", "w", "y",  "y",   // U+0170
    "y", "z", "z",  "z",  "z", "z", "z",  "s",   // U+0178
};
static_assert(sizeof(kLatinFold) / sizeof(kLatinFold[0]) == 0x180 - 0xC0);

constexpr uint32_t kInvalid = 0xFFFFFFFF;

// Decodes one UTF-8 sequence at text[*pos], advancing *pos. Returns kInvalid
// (consuming one byte) for malformed, overlong or surrogate sequences.
uint32_t DecodeUtf8(absl::string_view text, size_t* pos) {
  const auto byte = [&](size_t i) {
    return static_cast<uint8_t>(text[*pos + i]);
  };
  const uint8_t b0 = byte(0);
  if (b0 < 0x80) {
    *pos += 1;
    return b0;
  }
  size_t len;
  uint32_t cp;
  uint32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    *pos += 1;
    return kInvalid;
  }
  if (*pos + len > text.size()) {
    *pos += 1;
    return kInvalid;
  }
  for (size_t i = 1; i < len; ++i) {
    const uint8_t b = byte(i);
    if ((b & 0xC0) != 0x80) {
      *pos += 1;
      return kInvalid;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    *pos += 1;
    return kInvalid;
  }
  *pos += len;
  return cp;
}

bool IsRemoved(uint32_t cp) {
  switch (cp) {
    case 0x27:    // apostrophe
    case 0x2E:    // full stop
    case 0x60:    // grave accent used as an apostrophe
    case 0xB4:    // acute accent used as an apostrophe
    case 0x2BC:   // modifier letter apostrophe
    case 0x2018:  // left single quotation mark
    case 0x2019:  // right single quotation mark
      return true;
    default:
      return cp >= 0x300 && cp <= 0x36F;  // combining diacritical marks
  }
}

// The ASCII letters for `cp`, or nullptr when it separates words.
const char* FoldLetter(uint32_t cp) {
  static constexpr const char* kAsciiLower[26] = {
      "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m",
      "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z"};
  if (cp >= 'a' && cp <= 'z') return kAsciiLower[cp - 'a'];
  if (cp >= 'A' && cp <= 'Z') return kAsciiLower[cp - 'A'];
  if (cp >= 0xC0 && cp < 0x180) {
    const char* folded = kLatinFold[cp - 0xC0];
    return *folded != '\0' ? folded : nullptr;
  }
  switch (cp) {
    case 0x218:  // S with comma below (Romanian)
    case 0x219:
      return "s";
    case 0x21A:  // T with comma below
    case 0x21B:
      return "t";
    case 0x1E9E:  // capital sharp s
      return "ss";
    default:
      return nullptr;
  }
}

}  // namespace

std::string FoldToAsciiWords(absl::string_view raw, FoldOptions options) {
  std::string out;
  FoldToAsciiWordsInto(raw, options, &out);
  return out;
}

void FoldToAsciiWordsInto(absl::string_view raw, FoldOptions options,
                          std::string* out_string) {
  std::string& out = *out_string;
  out.clear();
  out.reserve(raw.size());
  bool pending_space = false;
  size_t pos = 0;
  while (pos < raw.size()) {
    const uint32_t cp = DecodeUtf8(raw, &pos);
    // ASCII letters are nearly all of the input: handle them first.
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) {
      if (pending_space) {
        out.push_back(' ');
        pending_space = false;
      }
      out.push_back(static_cast<char>(cp | 0x20));
      continue;
    }
    if (cp != kInvalid && IsRemoved(cp)) continue;
    const char* letters = nullptr;
    char digit[2] = {0, 0};
    if (cp >= '0' && cp <= '9') {
      if (options.keep_digits) {
        digit[0] = static_cast<char>(cp);
        letters = digit;
      }
    } else if (cp != kInvalid) {
      letters = FoldLetter(cp);
    }
    if (letters == nullptr) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    out.append(letters);
  }
}

}  // namespace equilink
