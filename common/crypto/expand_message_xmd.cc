// The low-level SHA256_* API is deprecated in OpenSSL 3, but it hashes without
// allocating or fetching a provider per call, and hash_to_curve makes four
// short hashes per point. Suppress the warning in this file only.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "common/crypto/expand_message_xmd.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstring>

namespace equilink {
namespace {

constexpr size_t kHashBytes = 32;       // SHA-256 output, b_in_bytes
constexpr size_t kHashBlockBytes = 64;  // SHA-256 block, s_in_bytes
constexpr size_t kMaxDstBytes = 255;
constexpr size_t kMaxBlocks = 255;
constexpr char kOversizeDstPrefix[] = "H2C-OVERSIZE-DST-";

}  // namespace

absl::Status ExpandMessageXmdSha256(absl::string_view msg,
                                    absl::string_view dst,
                                    absl::Span<uint8_t> out) {
  uint8_t dst_hash[kHashBytes];
  if (dst.size() > kMaxDstBytes) {
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, kOversizeDstPrefix, sizeof(kOversizeDstPrefix) - 1);
    SHA256_Update(&c, dst.data(), dst.size());
    SHA256_Final(dst_hash, &c);
    dst = absl::string_view(reinterpret_cast<const char*>(dst_hash),
                            sizeof(dst_hash));
  }
  if (dst.empty()) {
    return absl::InvalidArgumentError("expand_message_xmd: empty DST");
  }
  const size_t len = out.size();
  const size_t ell = (len + kHashBytes - 1) / kHashBytes;
  if (len == 0 || ell > kMaxBlocks) {
    return absl::InvalidArgumentError(
        "expand_message_xmd: output length must be 1..8160 bytes");
  }
  const uint8_t dst_len = static_cast<uint8_t>(dst.size());
  const uint8_t zero_pad[kHashBlockBytes] = {};
  const uint8_t len_and_zero[3] = {static_cast<uint8_t>(len >> 8),
                                   static_cast<uint8_t>(len & 0xff), 0};
  uint8_t b0[kHashBytes];
  uint8_t bi[kHashBytes];
  uint8_t mixed[kHashBytes];
  SHA256_CTX c;
  SHA256_Init(&c);
  SHA256_Update(&c, zero_pad, sizeof(zero_pad));
  SHA256_Update(&c, msg.data(), msg.size());
  SHA256_Update(&c, len_and_zero, sizeof(len_and_zero));
  SHA256_Update(&c, dst.data(), dst.size());
  SHA256_Update(&c, &dst_len, 1);
  SHA256_Final(b0, &c);
  std::memcpy(mixed, b0, sizeof(mixed));  // b_1 hashes b_0 itself
  for (size_t i = 1; i <= ell; ++i) {
    const uint8_t counter = static_cast<uint8_t>(i);
    SHA256_Init(&c);
    SHA256_Update(&c, mixed, sizeof(mixed));
    SHA256_Update(&c, &counter, 1);
    SHA256_Update(&c, dst.data(), dst.size());
    SHA256_Update(&c, &dst_len, 1);
    SHA256_Final(bi, &c);
    const size_t offset = (i - 1) * kHashBytes;
    std::memcpy(out.data() + offset, bi, std::min(kHashBytes, len - offset));
    for (size_t j = 0; j < kHashBytes; ++j) mixed[j] = b0[j] ^ bi[j];
  }
  OPENSSL_cleanse(&c, sizeof(c));
  OPENSSL_cleanse(b0, sizeof(b0));
  OPENSSL_cleanse(bi, sizeof(bi));
  OPENSSL_cleanse(mixed, sizeof(mixed));
  return absl::OkStatus();
}

absl::StatusOr<std::string> ExpandMessageXmdSha256(absl::string_view msg,
                                                   absl::string_view dst,
                                                   size_t len_in_bytes) {
  std::string out(len_in_bytes, '\0');
  absl::Status s = ExpandMessageXmdSha256(
      msg, dst,
      absl::MakeSpan(reinterpret_cast<uint8_t*>(out.data()), out.size()));
  if (!s.ok()) return s;
  return out;
}

}  // namespace equilink
