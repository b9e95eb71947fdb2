#include "common/pseudo/subkeys.h"

#include <openssl/crypto.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/crypto/hmac_sha256.h"
#include "common/status/status_macros.h"

namespace equilink {

absl::string_view MatchKeyPurpose(v1::MatchKeyKind kind) {
  switch (kind) {
    case v1::MATCH_KEY_SURNAME_FORENAME_DOB_SEX:
      return "match-key/surname-forename-dob-sex";
    case v1::MATCH_KEY_SURNAME_INITIAL_DOB_POSTCODE:
      return "match-key/surname-initial-dob-postcode";
    case v1::MATCH_KEY_FORENAME_DOB_POSTCODE:
      return "match-key/forename-dob-postcode";
    case v1::MATCH_KEY_SORTED_NAMES_DOB:
      return "match-key/sorted-names-dob";
    default:
      return "";
  }
}

absl::string_view BloomPurpose(v1::BloomField field) {
  switch (field) {
    case v1::BLOOM_FORENAME:
      return "bloom/forename";
    case v1::BLOOM_SURNAME:
      return "bloom/surname";
    case v1::BLOOM_DATE_OF_BIRTH:
      return "bloom/date-of-birth";
    case v1::BLOOM_ADDRESS:
      return "bloom/address";
    case v1::BLOOM_POSTCODE:
      return "bloom/postcode";
    case v1::BLOOM_LOCALITY:
      return "bloom/locality";
    default:
      return "";
  }
}

absl::StatusOr<SecretBytes> DeriveSubkey(const SecretBytes& linkage_key,
                                         absl::string_view purpose) {
  if (purpose.empty()) {
    return absl::InvalidArgumentError("subkey purpose is empty");
  }
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<HmacSha256> mac,
                      HmacSha256::Create(linkage_key));
  SecretBytes subkey(HmacSha256::kOutputBytes);
  const std::string label = absl::StrCat("equilink/v1/", purpose);
  mac->Compute(label, subkey.UnsafeMutableData());
  return subkey;
}

}  // namespace equilink
