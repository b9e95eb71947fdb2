#include "common/crypto/secret_bytes.h"

#include <openssl/crypto.h>

#include <algorithm>

namespace equilink {
namespace {

// Capacity above std::string's small-buffer size (15 bytes in libstdc++), so
// the bytes always live on the heap and a move hands over the pointer rather
// than copying the key into a buffer the moved-from object would not cleanse.
constexpr size_t kMinCapacity = 32;

}  // namespace

SecretBytes::SecretBytes(absl::string_view bytes) {
  bytes_.reserve(std::max(bytes.size(), kMinCapacity));
  bytes_.assign(bytes.data(), bytes.size());
}

SecretBytes::SecretBytes(size_t size) {
  bytes_.reserve(std::max(size, kMinCapacity));
  bytes_.assign(size, '\0');
}

SecretBytes::~SecretBytes() { Cleanse(); }

SecretBytes::SecretBytes(SecretBytes&& other) noexcept {
  bytes_.swap(other.bytes_);
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Cleanse();
    bytes_.swap(other.bytes_);
  }
  return *this;
}

bool SecretBytes::operator==(const SecretBytes& other) const {
  if (bytes_.size() != other.bytes_.size()) return false;
  if (bytes_.empty()) return true;
  return CRYPTO_memcmp(bytes_.data(), other.bytes_.data(), bytes_.size()) == 0;
}

void SecretBytes::Cleanse() {
  if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
  bytes_.clear();
}

}  // namespace equilink
