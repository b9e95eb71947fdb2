#ifndef EQUILINK_TESTS_UNIT_SERVER_LINKAGE_ENGINE_LINKAGE_TEST_RECORDS_H_
#define EQUILINK_TESTS_UNIT_SERVER_LINKAGE_ENGINE_LINKAGE_TEST_RECORDS_H_

// Pseudonymised records for linkage tests, made by the real client
// pseudonymiser from hand-written identifiers, so the engine is tested on
// exactly what a gateway receives.

#include <memory>
#include <string>

#include "absl/strings/str_format.h"
#include "common/crypto/secret_bytes.h"
#include "common/keys/linkage_key.h"
#include "common/pseudo/person_identifiers.h"
#include "common/pseudo/record_pseudonymiser.h"
#include "equilink/v1/record.pb.h"

namespace equilink::linkage::testing {

struct Person {
  std::string record_id{};
  std::string forename{};
  std::string surname{};
  int year = 2012, month = 1, day = 1;
  std::string sex = "1";
  std::string postcode{};
  std::string address{};
  std::string nhs_number{};
  std::string lsoa{};
};

inline const RecordPseudonymiser& TestPseudonymiser() {
  static const RecordPseudonymiser* pseudonymiser = [] {
    std::string key(32, '\0');
    for (int i = 0; i < 32; ++i) key[i] = static_cast<char>(i);
    return RecordPseudonymiser::Create(
               *LinkageKey::FromBytes("linkage-test", SecretBytes(key)))
        ->release();
  }();
  return *pseudonymiser;
}

inline v1::PseudonymisedRecord MakeRecord(const Person& person,
                                          const std::string& org = "8AB12") {
  PersonIdentifiers ids;
  ids.organisation_code = org;
  ids.local_record_id = person.record_id;
  ids.forename = person.forename;
  ids.surname = person.surname;
  ids.date_of_birth = absl::CivilDay(person.year, person.month, person.day);
  ids.sex_code = person.sex;
  ids.postcode = person.postcode;
  ids.address_line = person.address;
  ids.nhs_number = person.nhs_number;
  v1::PseudonymisedRecord record;
  const absl::Status status = TestPseudonymiser().Pseudonymise(ids, &record);
  if (!status.ok()) std::abort();
  record.set_birth_year_month(
      absl::StrFormat("%04d-%02d", person.year, person.month));
  record.set_sex_code(person.sex);
  record.set_lsoa_code(person.lsoa);
  return record;
}

}  // namespace equilink::linkage::testing

#endif  // EQUILINK_TESTS_UNIT_SERVER_LINKAGE_ENGINE_LINKAGE_TEST_RECORDS_H_
