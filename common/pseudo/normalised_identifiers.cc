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
  if (s->capacity() > 0) {
    s->resize(s->capacity());
    OPENSSL_cleanse(s->data(), s->size());
  }
  s->clear();
}

// *out = ASCII-whitespace-trimmed `raw`, ASCII upper-cased when `upper`.
void AssignTrimmed(absl::string_view raw, bool upper, std::string* out) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(raw);
  out->assign(trimmed.data(), trimmed.size());
  if (upper) absl::AsciiStrToUpper(out);
}

void RemoveSpaces(std::string* s) {
  s->erase(std::remove(s->begin(), s->end(), ' '), s->end());
}

}  // namespace

void NormalisedIdentifiers::Cleanse() {
  for (std::string* s :
       {&organisation_code, &local_record_id, &local_client_id,
        &nhs_number.digits, &forename, &surname_words, &surname, &date_of_birth,
        &sex, &postcode, &address, &locality}) {
    CleanseString(s);
  }
}

NormalisedIdentifiers NormaliseIdentifiers(const PersonIdentifiers& ids) {
  NormalisedIdentifiers n;
  NormaliseIdentifiersInto(ids, &n);
  return n;
}

void NormaliseIdentifiersInto(const PersonIdentifiers& ids,
                              NormalisedIdentifiers* out) {
  NormalisedIdentifiers& n = *out;
  AssignTrimmed(ids.organisation_code, /*upper=*/true, &n.organisation_code);
  AssignTrimmed(ids.local_record_id, /*upper=*/false, &n.local_record_id);
  AssignTrimmed(ids.local_client_id, /*upper=*/false, &n.local_client_id);
  n.nhs_number = ids.national_id_scheme == NationalIdScheme::kUnchecked
                     ? ReadUncheckedNationalId(ids.nhs_number)
                     : CheckNhsNumber(ids.nhs_number);
  NormaliseNameWordsInto(ids.forename, &n.forename);
  // NormaliseForename: the first word only.
  const size_t space = n.forename.find(' ');
  if (space != std::string::npos) n.forename.resize(space);
  NormaliseNameWordsInto(ids.surname, &n.surname_words);
  n.surname = n.surname_words;
  RemoveSpaces(&n.surname);
  n.date_of_birth.clear();
  if (ids.date_of_birth.has_value()) {
    n.date_of_birth = DateOfBirthKey(*ids.date_of_birth);
  }
  AssignTrimmed(ids.sex_code, /*upper=*/true, &n.sex);
  if (n.sex != "1" && n.sex != "2" && n.sex != "9") n.sex.clear();
  n.postcode.clear();
  if (ids.postcode_scheme == PostcodeScheme::kFreeText) {
    if (std::optional<std::string> postcode = FreeTextPostcode(ids.postcode)) {
      n.postcode = *postcode;
    }
  } else if (std::optional<std::string> postcode =
                 CanonicalPostcode(ids.postcode)) {
    n.postcode = *postcode;
    RemoveSpaces(&n.postcode);
  }
  NormaliseAddressInto(ids.address_line, &n.address);
  // A locality is a few place-name words, like a street: the same folding and
  // abbreviations ("St Albans" and "Saint Albans", "Mt Druitt" and "Mount
  // Druitt" agree).
  NormaliseAddressInto(ids.locality, &n.locality);
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
    case v1::BLOOM_LOCALITY:
      AppendPaddedBigramsOfWords(ids.locality, out);
      break;
    default:
      break;
  }
  SortAndDedupe(out);
}

}  // namespace equilink
