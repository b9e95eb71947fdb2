#include "common/pseudo/bloom_encoder.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "common/status/check.h"

namespace equilink {

void AppendPaddedBigrams(absl::string_view segment, std::vector<Bigram>* out) {
  if (segment.empty()) return;
  auto byte = [](char c) {
    return static_cast<Bigram>(static_cast<uint8_t>(c));
  };
  Bigram prev = '_';
  for (char c : segment) {
    out->push_back(static_cast<Bigram>(prev << 8 | byte(c)));
    prev = byte(c);
  }
  out->push_back(static_cast<Bigram>(prev << 8 | '_'));
}

void AppendPaddedBigramsOfWords(absl::string_view words,
                                std::vector<Bigram>* out) {
  while (!words.empty()) {
    const size_t space = words.find(' ');
    AppendPaddedBigrams(words.substr(0, space), out);
    if (space == absl::string_view::npos) break;
    words.remove_prefix(space + 1);
  }
}

void SortAndDedupe(std::vector<Bigram>* bigrams) {
  // A field has a few dozen bigrams at most: an insertion sort beats
  // std::sort's introsort set-up at that size.
  Bigram* const data = bigrams->data();
  const size_t size = bigrams->size();
  for (size_t i = 1; i < size; ++i) {
    const Bigram value = data[i];
    size_t j = i;
    for (; j > 0 && data[j - 1] > value; --j) data[j] = data[j - 1];
    data[j] = value;
  }
  bigrams->erase(std::unique(bigrams->begin(), bigrams->end()), bigrams->end());
}

void SetBloomBits(const HmacSha256& field_mac, const BloomFieldSpec& spec,
                  absl::Span<const Bigram> bigrams, absl::Span<uint8_t> bits) {
  EQ_CHECK(bits.size() * 8 == spec.bit_length);
  EQ_CHECK(spec.hash_count >= 0 && spec.hash_count <= 16);
  const auto length = static_cast<uint32_t>(spec.bit_length);
  // Every spec length is a power of two; a mask then replaces a division per
  // position, which otherwise costs as much as a third of the HMAC.
  const bool power_of_two = (length & (length - 1)) == 0;
  const uint32_t mask = length - 1;
  const int hash_count = spec.hash_count;
  uint8_t* const out = bits.data();
  uint8_t mac[HmacSha256::kOutputBytes];
  for (Bigram bigram : bigrams) {
    const char text[2] = {static_cast<char>(bigram >> 8),
                          static_cast<char>(bigram & 0xff)};
    field_mac.Compute(absl::string_view(text, 2), mac);
    // The positions are the MAC's little-endian uint16 values, which on this
    // (little-endian) host are its bytes read as uint16 directly.
    static_assert(std::endian::native == std::endian::little);
    uint16_t values[HmacSha256::kOutputBytes / 2];
    std::memcpy(values, mac, sizeof(values));
    for (int j = 0; j < hash_count; ++j) {
      const uint32_t position =
          power_of_two ? values[j] & mask : values[j] % length;
      out[position / 8] |= static_cast<uint8_t>(1u << (position % 8));
    }
  }
}

int PopCount(absl::string_view bits) {
  int count = 0;
  for (char c : bits) count += std::popcount(static_cast<uint8_t>(c));
  return count;
}

std::optional<double> DiceCoefficient(absl::string_view a,
                                      absl::string_view b) {
  if (a.size() != b.size()) return std::nullopt;
  int both = 0;
  int total = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto x = static_cast<uint8_t>(a[i]);
    const auto y = static_cast<uint8_t>(b[i]);
    both += std::popcount(static_cast<uint8_t>(x & y));
    total += std::popcount(x) + std::popcount(y);
  }
  if (total == 0) return 0.0;
  return 2.0 * both / total;
}

}  // namespace equilink
