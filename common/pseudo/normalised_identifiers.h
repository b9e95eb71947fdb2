#ifndef EQUILINK_COMMON_PSEUDO_NORMALISED_IDENTIFIERS_H_
#define EQUILINK_COMMON_PSEUDO_NORMALISED_IDENTIFIERS_H_

// The normalised form of one record's identifiers: exactly the bytes that go
// into tokens and Bloom encodings (docs/PSEUDONYMISATION.md, "Normalisation").
// Kept separate from the pseudonymiser so `validate` can report which inputs
// are present without computing any token.

#include <string>
#include <vector>

#include "common/normalise/nhs_number.h"
#include "common/pseudo/bloom_encoder.h"
#include "common/pseudo/person_identifiers.h"
#include "equilink/v1/record.pb.h"

namespace equilink {

// Every string is "" when the input is absent or unusable. Holds identifiers:
// never log any of it.
struct NormalisedIdentifiers {
  std::string organisation_code;  // ASCII whitespace trimmed, ASCII upper case
  std::string local_record_id;    // ASCII whitespace trimmed, otherwise as is
  std::string local_client_id;    // ASCII whitespace trimmed, otherwise as is
  // CheckNhsNumber, or ReadUncheckedNationalId under
  // NationalIdScheme::kUnchecked.
  NhsNumberResult nhs_number;
  std::string forename;       // NormaliseForename: the first given name
  std::string surname_words;  // NormaliseNameWords of the surname
  std::string surname;        // surname_words without the spaces
  std::string date_of_birth;  // DateOfBirthKey: "YYYYMMDD"
  std::string sex;            // "1", "2" or "9"; "" for X, empty or other
  // CanonicalPostcode without its space: "B152TT"; FreeTextPostcode under
  // PostcodeScheme::kFreeText: "2615".
  std::string postcode;
  std::string address;   // NormaliseAddress
  std::string locality;  // NormaliseAddress of the locality: "saint albans"

  // Overwrites every string, to its whole capacity, with zeros before clearing
  // it (a reused value may hold older identifier bytes beyond its size).
  void Cleanse();
};

NormalisedIdentifiers NormaliseIdentifiers(const PersonIdentifiers& ids);

// The same, replacing every field of *out and reusing the capacity of its
// strings, so that normalising a stream of records allocates nothing.
void NormaliseIdentifiersInto(const PersonIdentifiers& ids,
                              NormalisedIdentifiers* out);

// Replaces *out with the sorted, distinct bigrams that `field` encodes for
// `ids` (empty when the field's input is absent):
//   forename: "_" forename "_"; date of birth: "_YYYYMMDD_";
//   postcode: "_B152TT_"; address and locality: each word padded separately;
//   surname: the joined surname padded, plus each word padded separately when
//   there are two or more words.
void CollectBloomBigrams(const NormalisedIdentifiers& ids, v1::BloomField field,
                         std::vector<Bigram>* out);

}  // namespace equilink

#endif  // EQUILINK_COMMON_PSEUDO_NORMALISED_IDENTIFIERS_H_
