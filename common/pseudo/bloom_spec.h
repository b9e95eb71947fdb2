#ifndef EQUILINK_COMMON_PSEUDO_BLOOM_SPEC_H_
#define EQUILINK_COMMON_PSEUDO_BLOOM_SPEC_H_

// The fixed parameters of encoding scheme "el-bloom-v1"
// (docs/PSEUDONYMISATION.md). Client and gateway both read them from here: the
// client to encode, the gateway to check shapes. Changing any value is a new
// scheme version, because encodings made with different parameters do not
// compare.

#include <cstddef>
#include <optional>

#include "equilink/v1/record.pb.h"

namespace equilink {

struct BloomFieldSpec {
  v1::BloomField field;
  size_t bit_length;  // a power of two, at most 65536, so a 16-bit value mod
                      // length is unbiased
  int hash_count;  // bit positions set per q-gram, at most 16 (one HMAC output)
};

inline constexpr BloomFieldSpec kBloomFieldSpecs[] = {
    {v1::BLOOM_FORENAME, 512, 12},      {v1::BLOOM_SURNAME, 512, 12},
    {v1::BLOOM_DATE_OF_BIRTH, 256, 10}, {v1::BLOOM_ADDRESS, 512, 10},
    {v1::BLOOM_POSTCODE, 256, 10},      {v1::BLOOM_LOCALITY, 512, 10},
};

// The spec for `field`, or nullopt for BLOOM_FIELD_UNSPECIFIED and unknown
// values.
inline std::optional<BloomFieldSpec> FindBloomFieldSpec(v1::BloomField field) {
  for (const BloomFieldSpec& spec : kBloomFieldSpecs) {
    if (spec.field == field) return spec;
  }
  return std::nullopt;
}

inline constexpr size_t kTokenBytes = 32;

// The longest record-level CLK (BLOOM_RECORD_CLK) a record may carry: the
// length clkhash schemas use by default, and what the linkage engine's
// contiguous arrays hold per record.
inline constexpr size_t kMaxRecordClkBits = 1024;

}  // namespace equilink

#endif  // EQUILINK_COMMON_PSEUDO_BLOOM_SPEC_H_
