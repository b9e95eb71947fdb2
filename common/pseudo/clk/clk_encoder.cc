#include "common/pseudo/clk/clk_encoder.h"

#include <locale.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <clocale>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <cwctype>
#include <optional>
#include <regex>
#include <sstream>
#include <utility>

#include "absl/numeric/int128.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace equilink::clk {

// What Create works out once per feature.
struct ClkEncoder::CompiledFeature {
  // The directives of a date format, in the order of the regex's groups.
  enum class DatePart { kYear4, kYear2, kMonth, kMonthName, kDay, kOther };

  std::string key_a;  // blakeHash key; doubleHash's HMAC-SHA1 key
  std::string key_b;  // doubleHash's HMAC-MD5 key
  std::optional<std::regex> pattern;
  std::optional<std::regex> date_regex;
  std::vector<DatePart> date_parts;
  ~CompiledFeature() {
    OPENSSL_cleanse(key_a.data(), key_a.size());
    OPENSSL_cleanse(key_b.data(), key_b.size());
  }
  CompiledFeature() = default;
  CompiledFeature(CompiledFeature&&) = default;
  CompiledFeature& operator=(CompiledFeature&&) = default;
};

namespace {

using CompiledFeature = ClkEncoder::CompiledFeature;

absl::Status FeatureError(int index, const ClkFeature& feature,
                          absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(
      "clk feature ", index, " '", feature.identifier, "': ", rule));
}

// ---- Text as Python sees it: a sequence of code points. ----

bool DecodeUtf8(absl::string_view text, std::u32string* out) {
  out->clear();
  size_t i = 0;
  while (i < text.size()) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    char32_t cp;
    int extra;
    if (b0 < 0x80) {
      cp = b0;
      extra = 0;
    } else if ((b0 & 0xE0) == 0xC0) {
      cp = b0 & 0x1F;
      extra = 1;
    } else if ((b0 & 0xF0) == 0xE0) {
      cp = b0 & 0x0F;
      extra = 2;
    } else if ((b0 & 0xF8) == 0xF0) {
      cp = b0 & 0x07;
      extra = 3;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;
    for (int j = 1; j <= extra; ++j) {
      const auto b = static_cast<unsigned char>(text[i + j]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr char32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    out->push_back(cp);
    i += 1 + extra;
  }
  return true;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string ToUtf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t cp : text) AppendUtf8(cp, &out);
  return out;
}

void AppendLe(uint32_t value, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) {
    out->push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  }
}

// str.encode(encoding) in CPython on a little-endian host: "utf-16" and
// "utf-32" start every encoded token with a byte-order mark.
bool EncodeText(std::u32string_view text, ClkTextEncoding encoding,
                std::string* out) {
  out->clear();
  switch (encoding) {
    case ClkTextEncoding::kUtf8:
      for (char32_t cp : text) AppendUtf8(cp, out);
      return true;
    case ClkTextEncoding::kAscii:
      for (char32_t cp : text) {
        if (cp >= 0x80) return false;
        out->push_back(static_cast<char>(cp));
      }
      return true;
    case ClkTextEncoding::kUtf16:
      AppendLe(0xFEFF, 2, out);
      for (char32_t cp : text) {
        if (cp >= 0x10000) {
          const uint32_t v = cp - 0x10000;
          AppendLe(0xD800 + (v >> 10), 2, out);
          AppendLe(0xDC00 + (v & 0x3FF), 2, out);
        } else {
          AppendLe(cp, 2, out);
        }
      }
      return true;
    case ClkTextEncoding::kUtf32:
      AppendLe(0xFEFF, 4, out);
      for (char32_t cp : text) AppendLe(cp, 4, out);
      return true;
  }
  return false;
}

// str.isspace() of CPython for the characters int() strips.
bool IsPythonSpace(char32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) ||
         cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

// int(text, 10) of Python, re-rendered with str(): surrounding whitespace,
// a sign, leading zeros and underscores between digits are accepted and
// dropped. nullopt when Python would raise. Only ASCII digits are read.
std::optional<std::string> PythonIntRendering(std::u32string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && IsPythonSpace(text[begin])) ++begin;
  while (end > begin && IsPythonSpace(text[end - 1])) --end;
  bool negative = false;
  if (begin < end && (text[begin] == '+' || text[begin] == '-')) {
    negative = text[begin] == '-';
    ++begin;
  }
  if (begin == end) return std::nullopt;
  std::string digits;
  bool previous_was_digit = false;
  for (size_t i = begin; i < end; ++i) {
    const char32_t c = text[i];
    if (c >= '0' && c <= '9') {
      digits.push_back(static_cast<char>(c));
      previous_was_digit = true;
    } else if (c == '_' && previous_was_digit && i + 1 < end &&
               text[i + 1] >= '0' && text[i + 1] <= '9') {
      previous_was_digit = false;
    } else {
      return std::nullopt;
    }
  }
  const size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return std::string("0");
  std::string rendered = negative ? "-" : "";
  rendered.append(digits, first, std::string::npos);
  return rendered;
}

// Compares a rendered integer with an int64 bound: -1, 0 or 1.
int CompareRendered(const std::string& rendered, int64_t bound) {
  const bool negative = rendered[0] == '-';
  const std::string digits = negative ? rendered.substr(1) : rendered;
  if (digits.size() > 18) return negative ? -1 : 1;
  const int64_t magnitude = std::stoll(digits);
  const int64_t value = negative ? -magnitude : magnitude;
  return value < bound ? -1 : (value > bound ? 1 : 0);
}

// Simple (one code point to one) case mapping from the C.UTF-8 locale, the
// nearest thing to str.upper()/str.lower() without ICU.
locale_t Utf8Locale() {
  static const locale_t locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", nullptr);
  return locale;
}

char32_t MapCase(char32_t cp, bool upper) {
  if (cp < 0x80) {
    return upper ? static_cast<char32_t>(
                       absl::ascii_toupper(static_cast<char>(cp)))
                 : static_cast<char32_t>(
                       absl::ascii_tolower(static_cast<char>(cp)));
  }
  const locale_t locale = Utf8Locale();
  if (locale == static_cast<locale_t>(nullptr)) return cp;
  return static_cast<char32_t>(
      upper ? towupper_l(static_cast<wint_t>(cp), locale)
            : towlower_l(static_cast<wint_t>(cp), locale));
}

// ---- Dates: CPython's _strptime, as a regex built from the format. ----

constexpr std::array<const char*, 12> kMonthNames = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};

absl::Status CompileDateFormat(const std::string& format, int index,
                               const ClkFeature& feature,
                               CompiledFeature& compiled) {
  using DatePart = CompiledFeature::DatePart;
  std::string regex;
  for (size_t i = 0; i < format.size(); ++i) {
    const char c = format[i];
    if (c == '%') {
      if (i + 1 >= format.size()) {
        return FeatureError(index, feature, "format.format ends with a lone %");
      }
      const char directive = format[++i];
      switch (directive) {
        case 'Y':
          regex += "(\\d\\d\\d\\d)";
          compiled.date_parts.push_back(DatePart::kYear4);
          break;
        case 'y':
          regex += "(\\d\\d)";
          compiled.date_parts.push_back(DatePart::kYear2);
          break;
        case 'm':
          regex += "(1[0-2]|0[1-9]|[1-9])";
          compiled.date_parts.push_back(DatePart::kMonth);
          break;
        case 'd':
          regex += "(3[01]|[12]\\d|0[1-9]|[1-9]| [1-9])";
          compiled.date_parts.push_back(DatePart::kDay);
          break;
        case 'b':
          regex += "(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)";
          compiled.date_parts.push_back(DatePart::kMonthName);
          break;
        case 'B':
          // Longest first, as CPython orders the alternatives.
          regex +=
              "(september|february|november|december|january|october|"
              "august|april|march|june|july|may)";
          compiled.date_parts.push_back(DatePart::kMonthName);
          break;
        case 'H':
          regex += "(2[0-3]|[0-1]\\d|\\d)";
          compiled.date_parts.push_back(DatePart::kOther);
          break;
        case 'M':
          regex += "([0-5]\\d|\\d)";
          compiled.date_parts.push_back(DatePart::kOther);
          break;
        case 'S':
          regex += "(6[0-1]|[0-5]\\d|\\d)";
          compiled.date_parts.push_back(DatePart::kOther);
          break;
        case '%':
          regex += "%";
          break;
        default:
          return FeatureError(
              index, feature,
              absl::StrCat("format.format uses %", std::string(1, directive),
                           ", which this encoder does not support (supported: "
                           "%Y %y %m %d %b %B %H %M %S %%)"));
      }
    } else if (c == ' ' || (c >= '\t' && c <= '\r')) {
      while (i + 1 < format.size() &&
             (format[i + 1] == ' ' ||
              (format[i + 1] >= '\t' && format[i + 1] <= '\r'))) {
        ++i;
      }
      regex += "\\s+";
    } else if (std::strchr("\\.^$*+?(){}[]|", c) != nullptr) {
      regex.push_back('\\');
      regex.push_back(c);
    } else {
      regex.push_back(c);
    }
  }
  try {
    compiled.date_regex.emplace(regex,
                                std::regex::ECMAScript | std::regex::icase);
  } catch (const std::regex_error&) {
    return FeatureError(index, feature, "format.format cannot be compiled");
  }
  return absl::OkStatus();
}

bool IsLeapYear(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

// datetime.strptime(value, format).strftime("%Y%m%d"); nullopt when Python
// would raise. The year is not zero-padded, as glibc's strftime writes it.
std::optional<std::string> ReformatDate(const CompiledFeature& compiled,
                                        const std::string& value) {
  using DatePart = CompiledFeature::DatePart;
  std::smatch match;
  if (!std::regex_search(value, match, *compiled.date_regex,
                         std::regex_constants::match_continuous) ||
      match.length(0) != static_cast<std::ptrdiff_t>(value.size())) {
    return std::nullopt;
  }
  int year = 1900;
  int month = 1;
  int day = 1;
  for (size_t g = 0; g < compiled.date_parts.size(); ++g) {
    const std::string text = match[static_cast<int>(g) + 1].str();
    switch (compiled.date_parts[g]) {
      case DatePart::kYear4:
        year = std::atoi(text.c_str());
        break;
      case DatePart::kYear2: {
        const int yy = std::atoi(text.c_str());
        year = yy <= 68 ? 2000 + yy : 1900 + yy;
        break;
      }
      case DatePart::kMonth:
        month = std::atoi(text.c_str());
        break;
      case DatePart::kMonthName: {
        const std::string lower = absl::AsciiStrToLower(text);
        for (size_t m = 0; m < kMonthNames.size(); ++m) {
          if (std::string_view(kMonthNames[m]).substr(0, lower.size()) ==
                  lower &&
              (lower.size() == 3 || lower == kMonthNames[m])) {
            month = static_cast<int>(m) + 1;
            break;
          }
        }
        break;
      }
      case DatePart::kDay:
        day = std::atoi(text.c_str());
        break;
      case DatePart::kOther:
        break;
    }
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  const int days_in_month =
      kDays[month - 1] + (month == 2 && IsLeapYear(year) ? 1 : 0);
  if (year < 1 || day < 1 || day > days_in_month) return std::nullopt;
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%d%02d%02d", year, month, day);
  return std::string(buffer);
}

// ---- Numeric comparison: clkhash's NumericComparison.tokenize. ----

std::string Int128ToString(absl::int128 v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

std::optional<std::vector<std::string>> NumericTokens(
    const ClkFeature& feature, std::u32string_view word) {
  absl::int128 pow10 = 1;
  for (int i = 0; i < feature.numeric_fractional_precision; ++i) pow10 *= 10;
  absl::int128 v;
  if (std::optional<std::string> integer = PythonIntRendering(word);
      integer.has_value()) {
    if (integer->size() > 30) return std::nullopt;
    v = 0;
    const bool negative = (*integer)[0] == '-';
    for (char c : *integer) {
      if (c != '-') v = v * 10 + (c - '0');
    }
    if (negative) v = -v;
    v *= pow10;
  } else {
    // float(word): drop the underscores Python allows between digits, then
    // insist strtod reads everything (no hex, no inf or nan, which Python
    // cannot turn into an int either).
    std::string text;
    const std::string utf8 = ToUtf8(word);
    for (size_t i = 0; i < utf8.size(); ++i) {
      if (utf8[i] == '_' && i > 0 && i + 1 < utf8.size() &&
          absl::ascii_isdigit(utf8[i - 1]) &&
          absl::ascii_isdigit(utf8[i + 1])) {
        continue;
      }
      text.push_back(utf8[i]);
    }
    const std::string stripped(absl::StripAsciiWhitespace(text));
    if (stripped.empty() ||
        stripped.find_first_not_of("0123456789+-.eE") != std::string::npos) {
      return std::nullopt;
    }
    errno = 0;
    char* end = nullptr;
    const double parsed = std::strtod(stripped.c_str(), &end);
    if (end != stripped.c_str() + stripped.size() || !std::isfinite(parsed)) {
      return std::nullopt;
    }
    const double scaled =
        feature.numeric_fractional_precision > 0
            ? std::nearbyint(parsed * static_cast<double>(pow10))
            : std::trunc(parsed);
    if (std::fabs(scaled) > 1e30) return std::nullopt;
    v = static_cast<absl::int128>(scaled);
  }
  const absl::int128 interval = static_cast<absl::int128>(std::nearbyint(
      feature.numeric_threshold_distance * static_cast<double>(pow10)));
  v = v * 2 * feature.numeric_resolution;
  absl::int128 residue = v % interval;
  if (residue < 0) residue += interval;  // Python's modulo
  if (residue != 0) {
    if (2 * residue < interval) {
      v -= residue;
    } else {
      v += interval - residue;
    }
  }
  std::vector<std::string> tokens;
  for (int i = -feature.numeric_resolution; i <= feature.numeric_resolution;
       ++i) {
    tokens.push_back(Int128ToString(v + i * interval));
  }
  return tokens;
}

// ---- Keys: clkhash's generate_key_lists (HKDF, RFC 5869). ----

absl::StatusOr<std::string> Hkdf(const ClkSchema& schema,
                                 absl::string_view secret, size_t length) {
  const EVP_MD* md = schema.kdf_hash == "SHA512" ? EVP_sha512() : EVP_sha256();
  const size_t hash_len = static_cast<size_t>(EVP_MD_get_size(md));
  if (length > 255 * hash_len) {
    return absl::InvalidArgumentError(
        "clkhash schema: too many features for the HKDF output with this "
        "keySize");
  }
  // A missing salt is HashLen zero bytes, which HMAC treats exactly like an
  // empty key.
  unsigned char prk[EVP_MAX_MD_SIZE];
  unsigned int prk_len = 0;
  if (HMAC(md, schema.kdf_salt.data(), static_cast<int>(schema.kdf_salt.size()),
           reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
           prk, &prk_len) == nullptr) {
    return absl::InternalError("HKDF extract failed");
  }
  std::string okm;
  std::string block;
  for (unsigned counter = 1; okm.size() < length; ++counter) {
    std::string input = block;
    input += schema.kdf_info;
    input.push_back(static_cast<char>(counter));
    unsigned char t[EVP_MAX_MD_SIZE];
    unsigned int t_len = 0;
    if (HMAC(md, prk, static_cast<int>(prk_len),
             reinterpret_cast<const unsigned char*>(input.data()), input.size(),
             t, &t_len) == nullptr) {
      return absl::InternalError("HKDF expand failed");
    }
    block.assign(reinterpret_cast<char*>(t), t_len);
    okm += block;
    OPENSSL_cleanse(t, sizeof(t));
    OPENSSL_cleanse(input.data(), input.size());
  }
  OPENSSL_cleanse(prk, sizeof(prk));
  OPENSSL_cleanse(block.data(), block.size());
  okm.resize(length);
  return okm;
}

// ---- Hashing tokens into the filter. ----

void SetBit(std::vector<uint8_t>& bits, uint64_t index) {
  bits[index / 8] |= static_cast<uint8_t>(0x80u >> (index % 8));
}

// The digest read as one big-endian integer, modulo `modulus`, as Python's
// int(hexdigest, 16) % l.
uint64_t DigestModulo(const unsigned char* digest, unsigned int size,
                      uint64_t modulus) {
  uint64_t r = 0;
  for (unsigned int i = 0; i < size; ++i) r = (r * 256 + digest[i]) % modulus;
  return r;
}

uint64_t HmacModulo(const EVP_MD* md, const std::string& key,
                    absl::string_view message, uint64_t modulus) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
       digest, &size);
  return DigestModulo(digest, size, modulus);
}

void DoubleHashToken(const CompiledFeature& compiled, bool non_singular,
                     absl::string_view token, int k, uint64_t l,
                     std::vector<uint8_t>& bits) {
  const uint64_t sha1_hm = HmacModulo(EVP_sha1(), compiled.key_a, token, l);
  uint64_t md5_hm = HmacModulo(EVP_md5(), compiled.key_b, token, l);
  if (non_singular) {
    // clkhash re-hashes token + chr(i).encode() (UTF-8) until the step is
    // not a multiple of l.
    for (char32_t i = 0; md5_hm == 0; ++i) {
      std::string retry(token);
      AppendUtf8(i, &retry);
      md5_hm = HmacModulo(EVP_md5(), compiled.key_b, retry, l);
    }
  }
  for (int i = 0; i < k; ++i) {
    SetBit(bits, (sha1_hm + static_cast<uint64_t>(i) * md5_hm) % l);
  }
}

struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

EVP_MAC* Blake2bMac() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "BLAKE2BMAC", nullptr);
  return mac;
}

bool BlakeHashToken(const CompiledFeature& compiled, absl::string_view token,
                    int k, uint64_t l, std::vector<uint8_t>& bits) {
  // Reused per thread: re-initialising with a new key and salt is all a MAC
  // needs.
  thread_local std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx(
      Blake2bMac() == nullptr ? nullptr : EVP_MAC_CTX_new(Blake2bMac()));
  if (ctx == nullptr) return false;
  const int macs = (k + 31) / 32;
  int set = 0;
  for (int m = 0; m < macs; ++m) {
    // blake2b(token, key=key, salt=str(m).encode()): the salt is zero-padded
    // to 16 bytes, the digest is 64 bytes.
    std::string salt = std::to_string(m);
    size_t digest_size = 64;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_SALT, salt.data(),
                                          salt.size()),
        OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &digest_size),
        OSSL_PARAM_construct_end()};
    unsigned char digest[64];
    size_t digest_len = 0;
    if (EVP_MAC_init(
            ctx.get(),
            reinterpret_cast<const unsigned char*>(compiled.key_a.data()),
            compiled.key_a.size(), params) != 1 ||
        EVP_MAC_update(ctx.get(),
                       reinterpret_cast<const unsigned char*>(token.data()),
                       token.size()) != 1 ||
        EVP_MAC_final(ctx.get(), digest, &digest_len, sizeof(digest)) != 1 ||
        digest_len != 64) {
      return false;
    }
    // struct.unpack('32H'): 16-bit values in the host's byte order.
    for (int s = 0; s < 32 && set < k; ++s, ++set) {
      uint16_t value;
      std::memcpy(&value, digest + 2 * s, sizeof(value));
      SetBit(bits, value % l);
    }
  }
  return true;
}

}  // namespace

ClkEncoder::ClkEncoder(ClkSchema schema, std::vector<CompiledFeature> features)
    : schema_(std::move(schema)), features_(std::move(features)) {}

ClkEncoder::~ClkEncoder() = default;

absl::StatusOr<std::unique_ptr<ClkEncoder>> ClkEncoder::Create(
    const ClkSchema& schema, const SecretBytes& secret) {
  return Create(schema, secret.UnsafeSecretView());
}

absl::StatusOr<std::unique_ptr<ClkEncoder>> ClkEncoder::Create(
    const ClkSchema& schema, absl::string_view secret) {
  if (schema.features.empty() || schema.l < 1 || schema.xor_folds < 0 ||
      schema.kdf_key_size < 1) {
    return absl::InvalidArgumentError("clkhash schema: incomplete");
  }
  const uint64_t hash_l = static_cast<uint64_t>(schema.l) << schema.xor_folds;
  const size_t key_size = static_cast<size_t>(schema.kdf_key_size);
  // Two keys per feature, ignored ones included (DEFAULT_NUM_HASHING_METHODS).
  EQ_ASSIGN_OR_RETURN(
      std::string okm,
      Hkdf(schema, secret, schema.features.size() * 2 * key_size));
  std::vector<CompiledFeature> compiled(schema.features.size());
  for (size_t i = 0; i < schema.features.size(); ++i) {
    const ClkFeature& feature = schema.features[i];
    const int index = static_cast<int>(i);
    CompiledFeature& c = compiled[i];
    c.key_a = okm.substr(2 * i * key_size, key_size);
    c.key_b = okm.substr((2 * i + 1) * key_size, key_size);
    if (feature.ignored) continue;
    if (feature.hash == ClkHash::kBlakeHash) {
      if ((hash_l & (hash_l - 1)) != 0) {
        return FeatureError(index, feature,
                            "blakeHash needs l * 2^xorFolds to be a power of "
                            "two");
      }
      if (key_size > 64) {
        return FeatureError(index, feature,
                            "blakeHash takes keys of at most 64 bytes "
                            "(clkConfig.kdf.keySize)");
      }
      if (Blake2bMac() == nullptr) {
        return absl::FailedPreconditionError(
            "this OpenSSL has no BLAKE2BMAC, needed for blakeHash");
      }
    }
    if (feature.type == ClkValueType::kString && feature.pattern.has_value()) {
      try {
        c.pattern.emplace(*feature.pattern, std::regex::ECMAScript);
      } catch (const std::regex_error&) {
        return FeatureError(index, feature,
                            "format.pattern is not a valid regular expression");
      }
    }
    if (feature.type == ClkValueType::kDate) {
      EQ_RETURN_IF_ERROR(
          CompileDateFormat(feature.date_format, index, feature, c));
    }
  }
  OPENSSL_cleanse(okm.data(), okm.size());
  return absl::WrapUnique(new ClkEncoder(schema, std::move(compiled)));
}

absl::StatusOr<std::string> ClkEncoder::FormatValue(
    int index, absl::string_view value) const {
  if (index < 0 || static_cast<size_t>(index) >= features_.size()) {
    return absl::OutOfRangeError("clk: no such feature");
  }
  const ClkFeature& feature = schema_.features[static_cast<size_t>(index)];
  const CompiledFeature& compiled = features_[static_cast<size_t>(index)];
  if (feature.ignored) return std::string();
  if (feature.missing_sentinel.has_value() &&
      value == *feature.missing_sentinel) {
    return feature.missing_replacement;
  }
  std::u32string text;
  if (!DecodeUtf8(value, &text)) {
    return FeatureError(index, feature, "value is not valid UTF-8");
  }
  switch (feature.type) {
    case ClkValueType::kString: {
      if (feature.encoding == ClkTextEncoding::kAscii) {
        for (char32_t cp : text) {
          if (cp >= 0x80) {
            return FeatureError(index, feature,
                                "value cannot be encoded as ascii");
          }
        }
      }
      if (compiled.pattern.has_value()) {
        if (!std::regex_match(value.begin(), value.end(), *compiled.pattern)) {
          return FeatureError(index, feature,
                              "value does not match format.pattern");
        }
        return std::string(value);
      }
      const auto length = static_cast<int64_t>(text.size());
      if (feature.min_length.has_value() && length < *feature.min_length) {
        return FeatureError(index, feature, "value is shorter than minLength");
      }
      if (feature.max_length.has_value() && length > *feature.max_length) {
        return FeatureError(index, feature, "value is longer than maxLength");
      }
      if (feature.text_case != ClkCase::kMixed) {
        const bool upper = feature.text_case == ClkCase::kUpper;
        for (char32_t cp : text) {
          if (MapCase(cp, upper) != cp) {
            return FeatureError(
                index, feature,
                upper ? "value is not upper case" : "value is not lower case");
          }
        }
      }
      return std::string(value);
    }
    case ClkValueType::kInteger: {
      std::optional<std::string> rendered = PythonIntRendering(text);
      if (!rendered.has_value()) {
        return FeatureError(index, feature, "value is not an integer");
      }
      if (feature.minimum.has_value() &&
          CompareRendered(*rendered, *feature.minimum) < 0) {
        return FeatureError(index, feature, "value is below format.minimum");
      }
      if (feature.maximum.has_value() &&
          CompareRendered(*rendered, *feature.maximum) > 0) {
        return FeatureError(index, feature, "value is above format.maximum");
      }
      return *rendered;
    }
    case ClkValueType::kDate: {
      std::optional<std::string> date =
          ReformatDate(compiled, std::string(value));
      if (!date.has_value()) {
        return FeatureError(index, feature,
                            absl::StrCat("value is not a date in the format ",
                                         feature.date_format));
      }
      return *date;
    }
    case ClkValueType::kEnum:
      if (std::find(feature.enum_values.begin(), feature.enum_values.end(),
                    value) == feature.enum_values.end()) {
        return FeatureError(index, feature,
                            "value is not one of format.values");
      }
      return std::string(value);
  }
  return absl::InternalError("clk: unknown value type");
}

absl::StatusOr<std::vector<std::string>> ClkEncoder::Tokenize(
    int index, absl::string_view formatted) const {
  if (index < 0 || static_cast<size_t>(index) >= features_.size()) {
    return absl::OutOfRangeError("clk: no such feature");
  }
  const ClkFeature& feature = schema_.features[static_cast<size_t>(index)];
  std::vector<std::string> tokens;
  if (feature.ignored || formatted.empty()) return tokens;
  std::u32string word;
  if (!DecodeUtf8(formatted, &word)) {
    return FeatureError(index, feature, "value is not valid UTF-8");
  }
  switch (feature.comparison) {
    case ClkComparison::kNgram: {
      const size_t n = static_cast<size_t>(feature.ngram_n);
      if (n > 1) {
        const std::u32string pad(n - 1, U' ');
        word = pad + word + pad;
      }
      if (word.size() < n) return tokens;
      for (size_t i = 0; i + n <= word.size(); ++i) {
        std::string token =
            feature.positional ? absl::StrCat(i + 1, " ") : std::string();
        token += ToUtf8(std::u32string_view(word).substr(i, n));
        tokens.push_back(std::move(token));
      }
      return tokens;
    }
    case ClkComparison::kExact:
      tokens.emplace_back(formatted);
      return tokens;
    case ClkComparison::kNumeric: {
      std::optional<std::vector<std::string>> numeric =
          NumericTokens(feature, word);
      if (!numeric.has_value()) {
        return FeatureError(index, feature,
                            "value is not a number the numeric comparison can "
                            "read");
      }
      return *std::move(numeric);
    }
  }
  return tokens;
}

absl::StatusOr<std::string> ClkEncoder::Encode(
    const std::vector<std::string>& values, int* failed_feature) const {
  std::vector<absl::string_view> views(values.begin(), values.end());
  return Encode(absl::MakeConstSpan(views), failed_feature);
}

absl::StatusOr<std::string> ClkEncoder::Encode(
    absl::Span<const absl::string_view> values, int* failed_feature) const {
  if (failed_feature != nullptr) *failed_feature = -1;
  if (values.size() != features_.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "clk: the schema has ", features_.size(),
        " features but the record has ", values.size(), " values"));
  }
  const uint64_t hash_l = static_cast<uint64_t>(schema_.l) << schema_.xor_folds;
  std::vector<uint8_t> bits((hash_l + 7) / 8, 0);
  std::u32string token_text;
  std::string token_bytes;
  for (size_t i = 0; i < features_.size(); ++i) {
    const ClkFeature& feature = schema_.features[i];
    if (feature.ignored) continue;
    const int index = static_cast<int>(i);
    absl::StatusOr<std::string> formatted = FormatValue(index, values[i]);
    absl::StatusOr<std::vector<std::string>> tokens =
        formatted.ok()
            ? Tokenize(index, *formatted)
            : absl::StatusOr<std::vector<std::string>>(formatted.status());
    if (!tokens.ok()) {
      if (failed_feature != nullptr) *failed_feature = index;
      return tokens.status();
    }
    if (tokens->empty()) continue;
    const size_t count = tokens->size();
    for (size_t t = 0; t < count; ++t) {
      // bitsPerFeature shares its bits out: the first (bits % count) tokens
      // get one more.
      int k = feature.strategy_bits;
      if (feature.strategy == ClkStrategy::kBitsPerFeature) {
        const int share = feature.strategy_bits / static_cast<int>(count);
        const int residue = feature.strategy_bits % static_cast<int>(count);
        k = share + (static_cast<int>(t) < residue ? 1 : 0);
      }
      DecodeUtf8((*tokens)[t], &token_text);
      if (!EncodeText(token_text, feature.encoding, &token_bytes)) {
        if (failed_feature != nullptr) *failed_feature = index;
        return FeatureError(index, feature,
                            "value cannot be encoded in the feature's "
                            "encoding");
      }
      if (feature.hash == ClkHash::kDoubleHash) {
        DoubleHashToken(features_[i], feature.prevent_singularity, token_bytes,
                        k, hash_l, bits);
      } else if (!BlakeHashToken(features_[i], token_bytes, k, hash_l, bits)) {
        return absl::InternalError("clk: BLAKE2b failed");
      }
    }
  }
  // XOR folding: each fold XORs the first half of the bits with the second.
  uint64_t length = hash_l;
  for (int fold = 0; fold < schema_.xor_folds; ++fold) {
    const uint64_t half = length / 2;
    std::vector<uint8_t> folded((half + 7) / 8, 0);
    for (uint64_t b = 0; b < half; ++b) {
      const bool x = (bits[b / 8] >> (7 - b % 8)) & 1;
      const bool y = (bits[(b + half) / 8] >> (7 - (b + half) % 8)) & 1;
      if (x != y) SetBit(folded, b);
    }
    bits = std::move(folded);
    length = half;
  }
  return std::string(bits.begin(), bits.end());
}

int ClkPopcount(absl::string_view bits) {
  int count = 0;
  for (char c : bits)
    count += __builtin_popcount(static_cast<unsigned char>(c));
  return count;
}

double ClkDice(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return -1;
  int both = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    both += __builtin_popcount(static_cast<unsigned char>(a[i] & b[i]));
  }
  const int total = ClkPopcount(a) + ClkPopcount(b);
  return total == 0 ? 0.0 : 2.0 * both / total;
}

}  // namespace equilink::clk
