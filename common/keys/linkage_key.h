#ifndef EQUILINK_COMMON_KEYS_LINKAGE_KEY_H_
#define EQUILINK_COMMON_KEYS_LINKAGE_KEY_H_

// The 256-bit linkage key shared by the data providers of one linkage domain,
// with its key id. Key files are read and written here and nowhere else
// (format: docs/PSEUDONYMISATION.md).

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/crypto/secret_bytes.h"

namespace equilink {

class LinkageKey {
 public:
  static constexpr size_t kKeyBytes = 32;

  // Reads a key file. Fails with FailedPrecondition when the file is readable
  // or writable by group or others (it must be 0600 or stricter),
  // InvalidArgument when malformed. The message names the path and the rule,
  // never key material.
  static absl::StatusOr<LinkageKey> ReadFromFile(const std::string& path);

  // A fresh key from the OS CSPRNG. `key_id` is 1-64 characters of
  // [A-Za-z0-9._-].
  static absl::StatusOr<LinkageKey> Generate(absl::string_view key_id);

  // Builds a key from raw bytes (test vectors, benchmarks). `bytes` must be 32
  // bytes long.
  static absl::StatusOr<LinkageKey> FromBytes(absl::string_view key_id,
                                              SecretBytes bytes);

  // Creates `path` with mode 0600; refuses (AlreadyExists) to overwrite an
  // existing file.
  absl::Status WriteToFile(const std::string& path) const;

  const std::string& key_id() const { return key_id_; }
  const SecretBytes& secret() const { return secret_; }

  LinkageKey(LinkageKey&&) = default;
  LinkageKey& operator=(LinkageKey&&) = default;

 private:
  LinkageKey(std::string key_id, SecretBytes secret);

  std::string key_id_;
  SecretBytes secret_;
};

}  // namespace equilink

#endif  // EQUILINK_COMMON_KEYS_LINKAGE_KEY_H_
