#include "common/pseudo/person_identifiers.h"

#include <openssl/crypto.h>

namespace equilink {

void PersonIdentifiers::Cleanse() {
  for (std::string* s :
       {&organisation_code, &local_record_id, &local_client_id, &nhs_number,
        &forename, &surname, &sex_code, &postcode, &address_line, &locality}) {
    // Overwrite the whole capacity: a value that was shortened earlier may
    // have left older identifier bytes beyond size().
    if (s->capacity() > 0) {
      s->resize(s->capacity());
      OPENSSL_cleanse(s->data(), s->size());
    }
    s->clear();
  }
  date_of_birth.reset();
}

}  // namespace equilink
