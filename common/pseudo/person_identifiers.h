#ifndef EQUILINK_COMMON_PSEUDO_PERSON_IDENTIFIERS_H_
#define EQUILINK_COMMON_PSEUDO_PERSON_IDENTIFIERS_H_

#include <optional>
#include <string>

#include "absl/time/civil_time.h"

namespace equilink {

// The raw identifiers of one CSV row, as mapped from the export but not yet
// normalised. This is the only type that carries identifiers, it lives only on
// the VCSE machine, and nothing in it may be logged or put in a Status message.
struct PersonIdentifiers {
  std::string
      organisation_code;  // the submitting organisation (scopes the local ids)
  std::string local_record_id;  // required
  std::string local_client_id;  // optional
  std::string nhs_number;       // as exported; empty when absent
  std::string forename;
  std::string surname;
  std::optional<absl::CivilDay> date_of_birth;
  std::string sex_code;      // canonical code (1, 2, 9, X), already mapped
  std::string postcode;      // as exported
  std::string address_line;  // as exported (house number and street)

  // Overwrites every string with zeros before clearing it.
  void Cleanse();
};

}  // namespace equilink

#endif  // EQUILINK_COMMON_PSEUDO_PERSON_IDENTIFIERS_H_
