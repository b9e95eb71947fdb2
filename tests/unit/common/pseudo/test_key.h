#ifndef EQUILINK_TESTS_UNIT_COMMON_PSEUDO_TEST_KEY_H_
#define EQUILINK_TESTS_UNIT_COMMON_PSEUDO_TEST_KEY_H_

// The fixed test key of docs/PSEUDONYMISATION.md: bytes 0x00..0x1f, key id
// "test-key-1", and the test-vector record.

#include <string>

#include "common/keys/linkage_key.h"
#include "common/pseudo/person_identifiers.h"
#include "common/status/check.h"

namespace equilink::testing {

inline LinkageKey TestLinkageKey(char first_byte = 0) {
  std::string raw;
  for (int i = 0; i < 32; ++i) raw.push_back(static_cast<char>(first_byte + i));
  absl::StatusOr<LinkageKey> key =
      LinkageKey::FromBytes("test-key-1", SecretBytes(raw));
  EQ_CHECK(key.ok());
  return *std::move(key);
}

inline PersonIdentifiers VectorRecord() {
  PersonIdentifiers ids;
  ids.organisation_code = "8AB12";
  ids.local_record_id = "REC-0001";
  ids.local_client_id = "CL-42";
  ids.nhs_number = "943 476 5919";
  ids.forename = "Zo\xC3\xAB";  // Zoë
  ids.surname = "O'Brien-Smith";
  ids.date_of_birth = absl::CivilDay(2014, 3, 5);
  ids.sex_code = "2";
  ids.postcode = "b15 2tt";
  ids.address_line = "12a St John's Rd";
  return ids;
}

}  // namespace equilink::testing

#endif  // EQUILINK_TESTS_UNIT_COMMON_PSEUDO_TEST_KEY_H_
