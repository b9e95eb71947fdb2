#ifndef EQUILINK_SERVER_AUDIT_CHECKPOINT_SIGNER_H_
#define EQUILINK_SERVER_AUDIT_CHECKPOINT_SIGNER_H_

// Ed25519 keys for signing audit checkpoints (OpenSSL EVP). The private key
// lives in a PKCS#8 PEM file that only its owner may read; the public key is
// exported as SubjectPublicKeyInfo PEM and handed to whoever verifies the log.
// A key id is the first 16 hex digits of SHA-256 of the raw 32-byte public
// key, so a checkpoint names the key that signed it without naming a file.

#include <openssl/types.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace equilink::audit {

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const;
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

// Signs with an Ed25519 private key. Built by a factory; immutable and
// thread-safe (each Sign uses its own OpenSSL context).
class CheckpointSigner {
 public:
  // Generates a fresh key and writes it to `path`, created with mode 0600 so
  // it is never readable by others, even briefly. AlreadyExists when `path`
  // exists (a signing key is never overwritten); the file is removed again
  // if writing fails part-way.
  static absl::Status GenerateKeyFile(const std::string& path);

  // Loads a key written by GenerateKeyFile. FailedPrecondition when the file
  // is not a regular file or is readable or writable by group or others
  // (it must be 0600 or stricter); InvalidArgument when it holds no Ed25519
  // private key; NotFound / PermissionDenied from the OS. Messages name the
  // path and the rule, never key material.
  static absl::StatusOr<std::unique_ptr<CheckpointSigner>> LoadFromFile(
      const std::string& path);

  CheckpointSigner(const CheckpointSigner&) = delete;
  CheckpointSigner& operator=(const CheckpointSigner&) = delete;

  const std::string& key_id() const { return key_id_; }

  // The public key as SubjectPublicKeyInfo PEM, for CheckpointVerifier.
  absl::StatusOr<std::string> PublicKeyPem() const;

  // The 64-byte Ed25519 signature of `message`. kInternal if OpenSSL fails.
  absl::StatusOr<std::string> Sign(absl::string_view message) const;

 private:
  CheckpointSigner(EvpPkeyPtr key, std::string key_id);

  const EvpPkeyPtr key_;
  const std::string key_id_;
};

// Checks Ed25519 signatures against one public key. Immutable, thread-safe.
class CheckpointVerifier {
 public:
  // InvalidArgument when `pem` is not an Ed25519 SubjectPublicKeyInfo PEM.
  static absl::StatusOr<std::unique_ptr<CheckpointVerifier>> FromPublicKeyPem(
      absl::string_view pem);

  CheckpointVerifier(const CheckpointVerifier&) = delete;
  CheckpointVerifier& operator=(const CheckpointVerifier&) = delete;

  const std::string& key_id() const { return key_id_; }

  // True only when `signature` is a valid signature of `message` by this key.
  bool Verify(absl::string_view message, absl::string_view signature) const;

 private:
  CheckpointVerifier(EvpPkeyPtr key, std::string key_id);

  const EvpPkeyPtr key_;
  const std::string key_id_;
};

}  // namespace equilink::audit

#endif  // EQUILINK_SERVER_AUDIT_CHECKPOINT_SIGNER_H_
