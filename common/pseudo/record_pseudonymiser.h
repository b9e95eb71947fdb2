#ifndef EQUILINK_COMMON_PSEUDO_RECORD_PSEUDONYMISER_H_
#define EQUILINK_COMMON_PSEUDO_RECORD_PSEUDONYMISER_H_

// Turns the identifiers of one record into keyed tokens and keyed Bloom-filter
// encodings, as docs/PSEUDONYMISATION.md specifies. Runs on the VCSE machine
// only.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/keys/linkage_key.h"
#include "common/pseudo/person_identifiers.h"
#include "equilink/v1/record.pb.h"

namespace equilink {

class RecordPseudonymiser {
 public:
  // Derives the per-purpose subkeys from `key` (the key itself is not
  // retained).
  static absl::StatusOr<std::unique_ptr<RecordPseudonymiser>> Create(
      const LinkageKey& key);

  // Normalises `ids` and fills the identity fields of *out: record_pseudonym,
  // client_pseudonym, nhs_number_status, nhs_number_token, match_keys and
  // bloom. Other fields of *out are left as they are. Returns InvalidArgument
  // (naming the field, never its value) when local_record_id is empty.
  // Thread-safe: const, no shared mutable state.
  absl::Status Pseudonymise(const PersonIdentifiers& ids,
                            v1::PseudonymisedRecord* out) const;

  // How many HMAC-SHA256 evaluations Pseudonymise makes for `ids`; the
  // benchmark's baseline.
  int CountHmacEvaluations(const PersonIdentifiers& ids) const;

  const std::string& key_id() const { return key_id_; }

  ~RecordPseudonymiser();
  RecordPseudonymiser(const RecordPseudonymiser&) = delete;
  RecordPseudonymiser& operator=(const RecordPseudonymiser&) = delete;

 private:
  struct Keys;
  RecordPseudonymiser(std::string key_id, std::unique_ptr<const Keys> keys);

  const std::string key_id_;
  const std::unique_ptr<const Keys> keys_;
};

}  // namespace equilink

#endif  // EQUILINK_COMMON_PSEUDO_RECORD_PSEUDONYMISER_H_
