#ifndef EQUILINK_COMMON_PSEUDO_CLK_CLK_SCHEMA_H_
#define EQUILINK_COMMON_PSEUDO_CLK_CLK_SCHEMA_H_

// clkhash linkage schemas (data61/clkhash, versions 1, 2 and 3), read into
// the settings the CLK encoder needs. Older versions are converted the way
// clkhash converts them (v1 -> v2 -> v3) before they are read, so a schema
// means here exactly what it means to clkhash: a v1 feature's weight becomes
// bitsPerToken = round(weight * k) with Python's round-half-to-even, the v1
// global hash applies to every feature, a weight of 0 makes the feature
// ignored (it still takes a key slot), and v2 "k"/"numBits" become
// bitsPerToken/bitsPerFeature.
//
// Errors are InvalidArgument and name the feature (index and identifier) and
// the rule that failed; a schema holds no personal data, so naming its parts
// is safe.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace equilink::clk {

enum class ClkValueType { kString, kInteger, kDate, kEnum };
enum class ClkTextEncoding { kUtf8, kAscii, kUtf16, kUtf32 };
enum class ClkCase { kMixed, kUpper, kLower };
enum class ClkComparison { kNgram, kExact, kNumeric };
enum class ClkStrategy { kBitsPerToken, kBitsPerFeature };
enum class ClkHash { kBlakeHash, kDoubleHash };

struct ClkFeature {
  std::string identifier;
  // An ignored feature hashes nothing but still takes a key slot, as in
  // clkhash: removing it would shift every later feature's keys.
  bool ignored = false;

  // "format": how values are validated and rewritten before tokenising.
  ClkValueType type = ClkValueType::kString;
  ClkTextEncoding encoding = ClkTextEncoding::kUtf8;  // strings only
  std::optional<std::string> pattern;                 // strings: full match
  ClkCase text_case = ClkCase::kMixed;
  std::optional<int64_t> min_length;  // strings, in code points
  std::optional<int64_t> max_length;
  std::optional<int64_t> minimum;  // integers
  std::optional<int64_t> maximum;
  std::string date_format;               // dates: a strptime format
  std::vector<std::string> enum_values;  // enums

  // "hashing".
  ClkComparison comparison = ClkComparison::kNgram;
  int ngram_n = 2;
  bool positional = false;
  double numeric_threshold_distance = 0;
  int numeric_resolution = 0;
  int numeric_fractional_precision = 0;
  ClkStrategy strategy = ClkStrategy::kBitsPerToken;
  int strategy_bits = 0;  // bitsPerToken or bitsPerFeature
  ClkHash hash = ClkHash::kBlakeHash;
  bool prevent_singularity = false;  // doubleHash only
  // missingValue: a value equal to the sentinel is not validated and is
  // replaced by `missing_replacement` (the sentinel itself by default).
  std::optional<std::string> missing_sentinel;
  std::string missing_replacement;
};

struct ClkSchema {
  int source_version = 3;  // the version the file declared
  int l = 1024;            // filter length in bits, after XOR folding
  int xor_folds = 0;
  std::string kdf_hash = "SHA256";  // SHA256 or SHA512
  std::string kdf_salt;             // decoded bytes; empty when absent
  std::string kdf_info;
  int kdf_key_size = 64;
  std::vector<ClkFeature> features;
};

// Parses a clkhash linkage schema (JSON text, version 1, 2 or 3).
absl::StatusOr<ClkSchema> ParseClkSchema(absl::string_view json);

// Reads and parses the schema file at `path`; errors are prefixed with it.
absl::StatusOr<ClkSchema> LoadClkSchemaFile(const std::string& path);

}  // namespace equilink::clk

#endif  // EQUILINK_COMMON_PSEUDO_CLK_CLK_SCHEMA_H_
