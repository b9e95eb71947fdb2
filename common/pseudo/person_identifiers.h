#ifndef EQUILINK_COMMON_PSEUDO_PERSON_IDENTIFIERS_H_
#define EQUILINK_COMMON_PSEUDO_PERSON_IDENTIFIERS_H_

#include <optional>
#include <string>

#include "absl/time/civil_time.h"

namespace equilink {

// How `postcode` is read (a mapping profile's postcode_format).
enum class PostcodeScheme {
  kUk,        // CanonicalPostcode: a shape-checked UK postcode
  kFreeText,  // FreeTextPostcode: any country's, [A-Z0-9] kept
};

// How `nhs_number` is read (a mapping profile's national_id_check).
enum class NationalIdScheme {
  kNhsNumber,  // CheckNhsNumber: only a valid Modulus 11 number is tokenised
  kUnchecked,  // ReadUncheckedNationalId: digits tokenised as given
};

// The raw identifiers of one CSV row, as mapped from the export but not yet
// normalised. This is the only type that carries identifiers, it lives only on
// the VCSE machine, and nothing in it may be logged or put in a Status message.
struct PersonIdentifiers {
  std::string
      organisation_code;  // the submitting organisation (scopes the local ids)
  std::string local_record_id;  // required
  std::string local_client_id;  // optional
  std::string nhs_number;       // as exported; empty when absent (or another
                                // national identifier, see national_id_scheme)
  std::string forename;
  std::string surname;
  std::optional<absl::CivilDay> date_of_birth;
  std::string sex_code;      // canonical code (1, 2, 9, X), already mapped
  std::string postcode;      // as exported
  std::string address_line;  // as exported (house number and street)
  std::string locality;      // as exported (town, suburb or village)
  PostcodeScheme postcode_scheme = PostcodeScheme::kUk;
  NationalIdScheme national_id_scheme = NationalIdScheme::kNhsNumber;

  // Overwrites every string with zeros before clearing it. The schemes are
  // not identifiers and are left as they are.
  void Cleanse();
};

}  // namespace equilink

#endif  // EQUILINK_COMMON_PSEUDO_PERSON_IDENTIFIERS_H_
