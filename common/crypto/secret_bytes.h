#ifndef EQUILINK_COMMON_CRYPTO_SECRET_BYTES_H_
#define EQUILINK_COMMON_CRYPTO_SECRET_BYTES_H_

// Key material, held the way Tink holds it: move-only, zeroed (OPENSSL_cleanse)
// when destroyed, compared in constant time, never printable, and readable only
// through an explicitly named accessor so every place that touches raw key
// bytes can be found with grep.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace equilink {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(absl::string_view bytes);
  explicit SecretBytes(size_t size);  // zero-filled
  ~SecretBytes();

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }

  // Raw access. Grep for these names to audit every use of key material.
  absl::string_view UnsafeSecretView() const { return bytes_; }
  uint8_t* UnsafeMutableData() {
    return reinterpret_cast<uint8_t*>(bytes_.data());
  }

  // Constant-time comparison (CRYPTO_memcmp); sizes are not secret.
  bool operator==(const SecretBytes& other) const;

 private:
  void Cleanse();
  std::string bytes_;
};

}  // namespace equilink

#endif  // EQUILINK_COMMON_CRYPTO_SECRET_BYTES_H_
