#include "common/pseudo/normalised_identifiers.h"

#include <openssl/crypto.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "common/normalise/address.h"
#include "common/normalise/date_of_birth.h"
#include "common/normalise/name.h"
#include "common/normalise/postcode.h"

namespace equilink {
namespace {

void CleanseString(std::string* s) {
  if (!s->empty()) OPENSSL_cleanse(s->data(), s->size());
  s->clear();
}

}  // namespace

void NormalisedIdentifiers::Cleanse() {
  for (std::string* s : {&organisation_code, &local_record_id, &local_client_id,
                         &nhs_number.digits, &forename, &surname_words,
                         &surname, &date_of_birth, &sex, &postcode, &address}) {
    CleanseString(s);
  }
}

NormalisedIdentifiers NormaliseIdentifiers(const PersonIdentifiers& ids) {
  NormalisedIdentifiers n;
  n.organisation_code =
      absl::AsciiStrToUpper(absl::StripAsciiWhitespace(ids.organisation_code));
  n.local_record_id =
      std::string(absl::StripAsciiWhitespace(ids.local_record_id));
  n.local_client_id =
      std::string(absl::StripAsciiWhitespace(ids.local_client_id));
  n.nhs_number = CheckNhsNumber(ids.nhs_number);
  n.forename = NormaliseForename(ids.forename);
  n.surname_words = NormaliseNameWords(ids.surname);
  n.surname = n.surname_words;
  n.surname.erase(std::remove(n.surname.begin(), n.surname.end(), ' '),
                  n.surname.end());
  if (ids.date_of_birth.has_value()) {
    n.date_of_birth = DateOfBirthKey(*ids.date_of_birth);
  }
  const std::string sex =
      absl::AsciiStrToUpper(absl::StripAsciiWhitespace(ids.sex_code));
  if (sex == "1" || sex == "2" || sex == "9") n.sex = sex;
  if (std::optional<std::string> postcode = CanonicalPostcode(ids.postcode)) {
    n.postcode = std::move(*postcode);
    n.postcode.erase(std::remove(n.postcode.begin(), n.postcode.end(), ' '),
                     n.postcode.end());
  }
  n.address = NormaliseAddress(ids.address_line);
  return n;
}

void CollectBloomBigrams(const NormalisedIdentifiers& ids, v1::BloomField field,
                         std::vector<Bigram>* out) {
  out->clear();
  switch (field) {
    case v1::BLOOM_FORENAME:
      AppendPaddedBigrams(ids.forename, out);
      break;
    case v1::BLOOM_SURNAME:
      AppendPaddedBigrams(ids.surname, out);
      if (ids.surname_words.size() != ids.surname.size()) {  // two+ words
        AppendPaddedBigramsOfWords(ids.surname_words, out);
      }
      break;
    case v1::BLOOM_DATE_OF_BIRTH:
      AppendPaddedBigrams(ids.date_of_birth, out);
      break;
    case v1::BLOOM_ADDRESS:
      AppendPaddedBigramsOfWords(ids.address, out);
      break;
    case v1::BLOOM_POSTCODE:
      AppendPaddedBigrams(ids.postcode, out);
      break;
    default:
      break;
  }
  SortAndDedupe(out);
}

}  // namespace equilink
