#ifndef EQUILINK_SERVER_EXTRACT_RELEASE_KEYS_H_
#define EQUILINK_SERVER_EXTRACT_RELEASE_KEYS_H_

// What the gateway derives with its release key, a 32-byte secret only the
// gateway holds (GatewayConfig.extract.release_key_file, mode 0600):
//
//   release pseudonyms  HMAC-SHA256(release key, domain label || consumer ||
//                       subject), for a person (the linked person id) and a
//                       record (submitting organisation and record key).
//                       Keyed to the consumer organisation, so one consumer
//                       sees the same value on every pull and two consumers
//                       never share a join key (governance.md E4). Each
//                       variable-length part is length-prefixed, so no two
//                       different inputs hash the same bytes.
//   pull cursors        the high-water marks a pull released up to, with a
//                       MAC over them bound to (consumer, purpose, dataset):
//                       a consumer cannot forge one, nor use another
//                       consumer's. Opaque lowercase hex to the client.
//
// Thread-safe: every method is const.

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/crypto/hmac_sha256.h"
#include "common/crypto/secret_bytes.h"

namespace equilink::extract {

inline constexpr size_t kReleaseKeyBytes = 32;

// Where an incremental pull resumes: every record with a store record id
// above `record_id_through`, or whose link was written after
// `linked_at_through`, changed since (server/store/store.h ChangeMarks).
struct CursorMarks {
  int64_t record_id_through = 0;
  int64_t linked_at_through = 0;
};

// Which pull a cursor belongs to.
struct CursorScope {
  absl::string_view consumer;  // organisation code
  absl::string_view purpose_id;
  absl::string_view dataset_id;
};

class ReleaseKeys {
 public:
  // `key` must be exactly kReleaseKeyBytes; otherwise InvalidArgument.
  static absl::StatusOr<std::unique_ptr<ReleaseKeys>> Create(
      const SecretBytes& key);

  // Reads the key file (ReadSecretFile: 0600 or stricter). NotFound when it
  // does not exist; FailedPrecondition when it is unsafe; InvalidArgument
  // when it does not hold exactly 32 bytes. Messages name the path, never
  // the content.
  static absl::StatusOr<std::unique_ptr<ReleaseKeys>> Load(
      const std::string& path);

  // 32 random bytes for a new key file (deploy scripts, test harness).
  static absl::StatusOr<SecretBytes> Generate();

  // 32-byte release pseudonyms for `consumer` (see the file comment).
  std::string PersonPseudonym(absl::string_view consumer,
                              int64_t person_id) const;
  std::string RecordPseudonym(absl::string_view consumer,
                              absl::string_view organisation_code,
                              absl::string_view record_key) const;

  // The cursor carrying `marks` for `scope`.
  std::string EncodeCursor(const CursorScope& scope,
                           const CursorMarks& marks) const;
  // The marks of a cursor EncodeCursor made for the same scope.
  // InvalidArgument for anything else (malformed, altered, or another
  // consumer's, purpose's or dataset's); the message never echoes it.
  absl::StatusOr<CursorMarks> DecodeCursor(const CursorScope& scope,
                                           absl::string_view cursor) const;

 private:
  explicit ReleaseKeys(std::unique_ptr<HmacSha256> mac);

  // HMAC over `label` and the length-prefixed `parts`.
  std::string Mac(absl::string_view label,
                  std::initializer_list<absl::string_view> parts) const;

  const std::unique_ptr<HmacSha256> mac_;
};

}  // namespace equilink::extract

#endif  // EQUILINK_SERVER_EXTRACT_RELEASE_KEYS_H_
