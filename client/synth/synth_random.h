#ifndef EQUILINK_CLIENT_SYNTH_SYNTH_RANDOM_H_
#define EQUILINK_CLIENT_SYNTH_SYNTH_RANDOM_H_

// The synthetic cohort's random source. Every part of the generator draws from
// its own stream (Stream(seed, purpose)), so adding an organisation or a
// corruption kind does not reshuffle the population that a seed gives.

#include <cmath>
#include <cstdint>

#include "absl/types/span.h"

namespace equilink::client::synth {

// splitmix64: tiny, fast, and statistically good enough for test data.
class SynthRandom {
 public:
  explicit SynthRandom(uint64_t seed) : state_(seed) {}

  // An independent stream for one purpose of one seed.
  static SynthRandom Stream(uint64_t seed, uint64_t purpose) {
    SynthRandom mixer(seed ^ (purpose * 0xD1B54A32D192ED03ULL));
    mixer.Next();
    return SynthRandom(mixer.Next());
  }

  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n); 0 when n <= 0.
  int Below(int n) {
    if (n <= 0) return 0;
    return static_cast<int>((Next() >> 32) * static_cast<uint64_t>(n) >> 32);
  }
  int Between(int low, int high) { return low + Below(high - low + 1); }
  bool Chance(double p) { return Uniform() < p; }
  // Standard normal (Box-Muller; one value per call is plenty here).
  double Normal() {
    const double u = 1.0 - Uniform();
    return std::sqrt(-2.0 * std::log(u)) *
           std::cos(6.283185307179586 * Uniform());
  }
  // An index skewed towards the front of a list ordered by popularity, so a
  // few names are common and many are rare, as in real name frequencies.
  int Popular(int n) {
    const double u = Uniform();
    return static_cast<int>(static_cast<double>(n) * u * u);
  }
  template <typename T>
  const T& Pick(absl::Span<const T> items) {
    return items[Below(static_cast<int>(items.size()))];
  }
  template <typename T>
  const T& PickPopular(absl::Span<const T> items) {
    return items[Popular(static_cast<int>(items.size()))];
  }
  // An index drawn in proportion to `weights` (non-negative, not all zero).
  int Weighted(absl::Span<const double> weights) {
    double total = 0;
    for (double w : weights) total += w;
    double target = Uniform() * total;
    for (size_t i = 0; i < weights.size(); ++i) {
      target -= weights[i];
      if (target < 0) return static_cast<int>(i);
    }
    return static_cast<int>(weights.size()) - 1;
  }

 private:
  uint64_t state_;
};

}  // namespace equilink::client::synth

#endif  // EQUILINK_CLIENT_SYNTH_SYNTH_RANDOM_H_
