#ifndef EQUILINK_COMMON_PSEUDO_SUBKEYS_H_
#define EQUILINK_COMMON_PSEUDO_SUBKEYS_H_

// Per-purpose subkeys (docs/PSEUDONYMISATION.md, "Subkeys"). Every token and
// Bloom encoding is keyed by its own subkey, so equal inputs used for
// different purposes (a forename in a match key and in a Bloom filter) give
// unrelated outputs, and no output can be replayed as another kind.

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/crypto/secret_bytes.h"
#include "equilink/v1/record.pb.h"

namespace equilink {

// Purpose labels; the subkey label is "equilink/v1/" followed by one of these.
inline constexpr absl::string_view kPurposeNhsNumber = "nhs-number";
inline constexpr absl::string_view kPurposeRecordPseudonym = "record-pseudonym";
inline constexpr absl::string_view kPurposeClientPseudonym = "client-pseudonym";

// "match-key/surname-forename-dob-sex", ...; "" for unspecified or unknown
// kinds.
absl::string_view MatchKeyPurpose(v1::MatchKeyKind kind);
// "bloom/forename", "bloom/surname", "bloom/date-of-birth", "bloom/address",
// "bloom/postcode", "bloom/locality"; "" for unspecified or unknown fields.
absl::string_view BloomPurpose(v1::BloomField field);

// HMAC-SHA256(linkage_key, "equilink/v1/" + purpose): 32 bytes. Fails
// (InvalidArgument) only for an empty key or an empty purpose.
absl::StatusOr<SecretBytes> DeriveSubkey(const SecretBytes& linkage_key,
                                         absl::string_view purpose);

}  // namespace equilink

#endif  // EQUILINK_COMMON_PSEUDO_SUBKEYS_H_
