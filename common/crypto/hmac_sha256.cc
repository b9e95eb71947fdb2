// The low-level SHA256_* API is deprecated in OpenSSL 3, but it is the only
// one that exposes a copyable midstate: EVP_MAC re-derives the pads on every
// init and EVP_MD_CTX_copy allocates. Suppress the warning in this file only.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "common/crypto/hmac_sha256.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <bit>
#include <cstring>

#include "absl/memory/memory.h"
#include "absl/status/status.h"

namespace equilink {

struct HmacSha256::States {
  SHA256_CTX inner;  // after absorbing key ^ ipad
  SHA256_CTX outer;  // after absorbing key ^ opad
};

namespace {
constexpr size_t kBlockBytes = 64;
}  // namespace

absl::StatusOr<std::unique_ptr<HmacSha256>> HmacSha256::Create(
    const SecretBytes& key) {
  if (key.empty()) {
    return absl::InvalidArgumentError("HMAC key is empty");
  }
  uint8_t block[kBlockBytes] = {};
  absl::string_view raw = key.UnsafeSecretView();
  if (raw.size() > kBlockBytes) {
    SHA256(reinterpret_cast<const uint8_t*>(raw.data()), raw.size(), block);
  } else {
    std::memcpy(block, raw.data(), raw.size());
  }
  auto states = std::make_unique<States>();
  uint8_t pad[kBlockBytes];
  for (size_t i = 0; i < kBlockBytes; ++i) pad[i] = block[i] ^ 0x36;
  SHA256_Init(&states->inner);
  SHA256_Update(&states->inner, pad, kBlockBytes);
  for (size_t i = 0; i < kBlockBytes; ++i) pad[i] = block[i] ^ 0x5c;
  SHA256_Init(&states->outer);
  SHA256_Update(&states->outer, pad, kBlockBytes);
  OPENSSL_cleanse(pad, sizeof(pad));
  OPENSSL_cleanse(block, sizeof(block));
  return absl::WrapUnique(new HmacSha256(std::move(states)));
}

HmacSha256::HmacSha256(std::unique_ptr<States> states)
    : states_(std::move(states)) {}

HmacSha256::~HmacSha256() { OPENSSL_cleanse(states_.get(), sizeof(States)); }

void HmacSha256::Compute(absl::string_view message, uint8_t* out) const {
  ComputeParts({&message, 1}, out);
}

namespace {

// SHA-256 is big-endian; the byte swaps below assume a little-endian host.
static_assert(std::endian::native == std::endian::little);

void StoreBigEndian(const SHA256_CTX& ctx, uint8_t* out) {
  for (int i = 0; i < 8; ++i) {
    const uint32_t word = __builtin_bswap32(ctx.h[i]);
    std::memcpy(out + 4 * i, &word, 4);
  }
}

// Writes the SHA-256 padding for a message of `total_bytes` whose last
// `used` bytes already sit at the start of `block`. REQUIRES: used <= 55.
void PadFinalBlock(uint8_t* block, size_t used, uint64_t total_bytes) {
  block[used] = 0x80;
  std::memset(block + used + 1, 0, kBlockBytes - 8 - used - 1);
  const uint64_t bits = __builtin_bswap64(total_bytes * 8);
  std::memcpy(block + kBlockBytes - 8, &bits, 8);
}

}  // namespace

void HmacSha256::ComputeParts(absl::Span<const absl::string_view> parts,
                              uint8_t* out) const {
  size_t total = 0;
  for (absl::string_view part : parts) total += part.size();
  SHA256_CTX ctx = states_->inner;
  uint8_t block[kBlockBytes];
  if (total <= kBlockBytes - 9) {
    // Fast path for the short inputs of pseudonymisation (bigrams, tokens):
    // pad by hand and run exactly one compression per hash, skipping the
    // buffering and bookkeeping of SHA256_Update/SHA256_Final.
    size_t used = 0;
    for (absl::string_view part : parts) {
      if (!part.empty()) std::memcpy(block + used, part.data(), part.size());
      used += part.size();
    }
    PadFinalBlock(block, used, kBlockBytes + total);
    SHA256_Transform(&ctx, block);
    StoreBigEndian(ctx, block);
  } else {
    for (absl::string_view part : parts) {
      SHA256_Update(&ctx, part.data(), part.size());
    }
    SHA256_Final(block, &ctx);
  }
  // Outer hash: the opad midstate, then one block holding the inner digest.
  // `ctx` is not cleansed: it now holds only states after message blocks,
  // from which the key midstates cannot be recovered.
  PadFinalBlock(block, HmacSha256::kOutputBytes,
                kBlockBytes + HmacSha256::kOutputBytes);
  ctx = states_->outer;
  SHA256_Transform(&ctx, block);
  StoreBigEndian(ctx, out);
}

std::string HmacSha256::ComputeString(absl::string_view message) const {
  std::string out(kOutputBytes, '\0');
  Compute(message, reinterpret_cast<uint8_t*>(out.data()));
  return out;
}

}  // namespace equilink
