#ifndef EQUILINK_COMMON_PSEUDO_BLOOM_ENCODER_H_
#define EQUILINK_COMMON_PSEUDO_BLOOM_ENCODER_H_

// Keyed Bloom-filter encoding, scheme "el-bloom-v1" (docs/PSEUDONYMISATION.md,
// "Bloom encodings"), and the Dice coefficient the gateway compares them with.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/crypto/hmac_sha256.h"
#include "common/pseudo/bloom_spec.h"

namespace equilink {

// A bigram packed as (first byte << 8) | second byte.
using Bigram = uint16_t;

// Appends to *out the bigrams of "_" + segment + "_" (len + 1 of them; none
// for an empty segment). Call once per segment of a field, then
// SortAndDedupe: the encoding depends only on the set of bigrams.
void AppendPaddedBigrams(absl::string_view segment, std::vector<Bigram>* out);

// Same as above for every space-separated word of `words`.
void AppendPaddedBigramsOfWords(absl::string_view words,
                                std::vector<Bigram>* out);

// Sorts *bigrams and removes repeats, so each distinct bigram costs one HMAC.
void SortAndDedupe(std::vector<Bigram>* bigrams);

// Sets the bits of each bigram in `bits` (spec.bit_length / 8 bytes, bit i is
// bit (i % 8) of byte (i / 8)): HMAC-SHA256(field subkey, the bigram's two
// bytes), whose first spec.hash_count little-endian uint16 values mod
// spec.bit_length are the positions. One HMAC per element of `bigrams`.
// REQUIRES: bits.size() == spec.bit_length / 8, spec.hash_count <= 16.
void SetBloomBits(const HmacSha256& field_mac, const BloomFieldSpec& spec,
                  absl::Span<const Bigram> bigrams, absl::Span<uint8_t> bits);

// Dice coefficient 2|A∩B| / (|A| + |B|) of two encodings of the same field.
// nullopt when the lengths differ; 0 when both are all zeros.
std::optional<double> DiceCoefficient(absl::string_view a, absl::string_view b);

// Number of set bits.
int PopCount(absl::string_view bits);

}  // namespace equilink

#endif  // EQUILINK_COMMON_PSEUDO_BLOOM_ENCODER_H_
