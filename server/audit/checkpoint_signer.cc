#include "server/audit/checkpoint_signer.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <utility>

#include "absl/memory/memory.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/crypto/secret_bytes.h"
#include "common/keys/secret_file.h"

namespace equilink::audit {
namespace {

// A PKCS#8 Ed25519 PEM is about 120 bytes; anything much larger is not one
// and is refused before it is read into memory.
constexpr size_t kMaxKeyFileBytes = 4096;
constexpr absl::string_view kFileRole = "signing key file";
constexpr size_t kEd25519SignatureBytes = 64;

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

// OpenSSL queues errors per thread; a failure handled here must not surface
// later in an unrelated caller's ERR_get_error.
absl::Status OpensslError(absl::StatusCode code, absl::string_view what) {
  ERR_clear_error();
  return absl::Status(code, absl::StrCat(what, " failed"));
}

absl::StatusOr<std::string> KeyIdOf(EVP_PKEY* key) {
  unsigned char raw[32];
  size_t raw_size = sizeof(raw);
  if (EVP_PKEY_get_raw_public_key(key, raw, &raw_size) != 1 ||
      raw_size != sizeof(raw)) {
    return OpensslError(absl::StatusCode::kInternal, "read public key");
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(raw, raw_size, digest);
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(digest), /*first 8 bytes=*/8));
}

bool IsEd25519(EVP_PKEY* key) {
  return key != nullptr && EVP_PKEY_get_id(key) == EVP_PKEY_ED25519;
}

}  // namespace

void EvpPkeyDeleter::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

CheckpointSigner::CheckpointSigner(EvpPkeyPtr key, std::string key_id)
    : key_(std::move(key)), key_id_(std::move(key_id)) {}

absl::Status CheckpointSigner::GenerateKeyFile(const std::string& path) {
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (key == nullptr) {
    return OpensslError(absl::StatusCode::kInternal, "Ed25519 key generation");
  }
  // A secure-memory BIO is cleansed when freed, so the PEM text of the
  // private key does not linger on the heap.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0,
                               nullptr, nullptr) != 1) {
    return OpensslError(absl::StatusCode::kInternal, "encode private key");
  }
  char* pem = nullptr;
  const long pem_size = BIO_get_mem_data(bio.get(), &pem);
  if (pem == nullptr || pem_size <= 0) {
    return OpensslError(absl::StatusCode::kInternal, "encode private key");
  }
  return WriteNewSecretFile(
      path, absl::string_view(pem, static_cast<size_t>(pem_size)), kFileRole);
}

absl::StatusOr<std::unique_ptr<CheckpointSigner>>
CheckpointSigner::LoadFromFile(const std::string& path) {
  absl::StatusOr<SecretBytes> pem =
      ReadSecretFile(path, kFileRole, kMaxKeyFileBytes);
  if (!pem.ok()) return pem.status();
  const absl::string_view text = pem->UnsafeSecretView();
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  EvpPkeyPtr key(bio == nullptr ? nullptr
                                : PEM_read_bio_PrivateKey(bio.get(), nullptr,
                                                          nullptr, nullptr));
  if (!IsEd25519(key.get())) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat(kFileRole, " ", path, " holds no Ed25519 private key"));
  }
  absl::StatusOr<std::string> key_id = KeyIdOf(key.get());
  if (!key_id.ok()) return key_id.status();
  return absl::WrapUnique(
      new CheckpointSigner(std::move(key), *std::move(key_id)));
}

absl::StatusOr<std::string> CheckpointSigner::PublicKeyPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) {
    return OpensslError(absl::StatusCode::kInternal, "encode public key");
  }
  char* pem = nullptr;
  const long pem_size = BIO_get_mem_data(bio.get(), &pem);
  if (pem == nullptr || pem_size <= 0) {
    return OpensslError(absl::StatusCode::kInternal, "encode public key");
  }
  return std::string(pem, static_cast<size_t>(pem_size));
}

absl::StatusOr<std::string> CheckpointSigner::Sign(
    absl::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string signature(kEd25519SignatureBytes, '\0');
  size_t signature_size = signature.size();
  // Ed25519 is "pure": it hashes internally, so the digest is null and the
  // message goes in whole (one-shot EVP_DigestSign).
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) !=
          1 ||
      EVP_DigestSign(ctx.get(),
                     reinterpret_cast<unsigned char*>(signature.data()),
                     &signature_size,
                     reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1 ||
      signature_size != kEd25519SignatureBytes) {
    return OpensslError(absl::StatusCode::kInternal, "Ed25519 signing");
  }
  return signature;
}

CheckpointVerifier::CheckpointVerifier(EvpPkeyPtr key, std::string key_id)
    : key_(std::move(key)), key_id_(std::move(key_id)) {}

absl::StatusOr<std::unique_ptr<CheckpointVerifier>>
CheckpointVerifier::FromPublicKeyPem(absl::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EvpPkeyPtr key(bio == nullptr ? nullptr
                                : PEM_read_bio_PUBKEY(bio.get(), nullptr,
                                                      nullptr, nullptr));
  if (!IsEd25519(key.get())) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        "public key is not an Ed25519 SubjectPublicKeyInfo PEM");
  }
  absl::StatusOr<std::string> key_id = KeyIdOf(key.get());
  if (!key_id.ok()) return key_id.status();
  return absl::WrapUnique(
      new CheckpointVerifier(std::move(key), *std::move(key_id)));
}

bool CheckpointVerifier::Verify(absl::string_view message,
                                absl::string_view signature) const {
  if (signature.size() != kEd25519SignatureBytes) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  const bool valid =
      ctx != nullptr &&
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) ==
          1 &&
      EVP_DigestVerify(ctx.get(),
                       reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(),
                       reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  if (!valid) ERR_clear_error();
  return valid;
}

}  // namespace equilink::audit
