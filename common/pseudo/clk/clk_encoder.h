#ifndef EQUILINK_COMMON_PSEUDO_CLK_CLK_ENCODER_H_
#define EQUILINK_COMMON_PSEUDO_CLK_CLK_ENCODER_H_

// A clkhash-compatible CLK encoder: the same bits as data61/clkhash (commit
// 8e46f9fb) from the same linkage schema, secret and values, so records
// encoded here link with records encoded by any clkhash user and the reverse
// (docs/PSEUDONYMISATION.md, section 9).
//
// Per record: every feature's value is checked and rewritten as its format
// says (missing-value sentinel replaced, integers re-rendered, dates as
// %Y%m%d), cut into tokens by its comparison (n-grams padded with n-1 spaces,
// positional n-grams prefixed "<i> ", exact, numeric neighbourhoods), each
// token encoded in the feature's text encoding and hashed into one filter of
// l * 2^xorFolds bits with the feature's two HKDF-SHA256 keys (blakeHash or
// doubleHash), then XOR-folded to l bits. Output bytes are clkhash's layout:
// bit i is bit (7 - i % 8) of byte i / 8, padded with zero bits to a byte.
//
// Errors never contain a value, only the feature and the rule it broke.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/crypto/secret_bytes.h"
#include "common/pseudo/clk/clk_schema.h"

namespace equilink::clk {

class ClkEncoder {
 public:
  // Derives the per-feature keys from `secret` (the bytes clkhash is given:
  // a text secret is its UTF-8) and compiles the schema's patterns and date
  // formats. InvalidArgument naming the feature for what clkhash would refuse
  // when hashing (blakeHash with l not a power of two, a key over 64 bytes
  // for BLAKE2b, an unsupported strptime directive, too many keys for HKDF).
  static absl::StatusOr<std::unique_ptr<ClkEncoder>> Create(
      const ClkSchema& schema, absl::string_view secret);
  static absl::StatusOr<std::unique_ptr<ClkEncoder>> Create(
      const ClkSchema& schema, const SecretBytes& secret);

  ~ClkEncoder();
  ClkEncoder(const ClkEncoder&) = delete;
  ClkEncoder& operator=(const ClkEncoder&) = delete;

  // The CLK of one record: one value per schema feature, in schema order
  // (ignored features' values are not read). Values are UTF-8. InvalidArgument
  // when a value breaks its feature's format (as clkhash's validation would),
  // naming the feature; *failed_feature (when not null) is then set to its
  // index, else to -1. Thread-safe.
  absl::StatusOr<std::string> Encode(absl::Span<const absl::string_view> values,
                                     int* failed_feature = nullptr) const;
  absl::StatusOr<std::string> Encode(const std::vector<std::string>& values,
                                     int* failed_feature = nullptr) const;

  // The steps of Encode for one feature, for tests and diagnostics: the value
  // after validation and rewriting, and its tokens (as UTF-8 text).
  absl::StatusOr<std::string> FormatValue(int feature,
                                          absl::string_view value) const;
  absl::StatusOr<std::vector<std::string>> Tokenize(
      int feature, absl::string_view formatted) const;

  const ClkSchema& schema() const { return schema_; }
  int length_bits() const { return schema_.l; }
  size_t length_bytes() const {
    return (static_cast<size_t>(schema_.l) + 7) / 8;
  }

  // Per-feature keys and compiled formats; defined in the .cc.
  struct CompiledFeature;

 private:
  ClkEncoder(ClkSchema schema, std::vector<CompiledFeature> features);

  const ClkSchema schema_;
  const std::vector<CompiledFeature> features_;
};

// Number of set bits of a CLK.
int ClkPopcount(absl::string_view bits);

// Dice coefficient 2|A & B| / (|A| + |B|) of two CLKs of equal length; 0 when
// both are empty of set bits, -1 when the lengths differ.
double ClkDice(absl::string_view a, absl::string_view b);

}  // namespace equilink::clk

#endif  // EQUILINK_COMMON_PSEUDO_CLK_CLK_ENCODER_H_
