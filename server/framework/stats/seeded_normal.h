#ifndef EQUILINK_SERVER_FRAMEWORK_STATS_SEEDED_NORMAL_H_
#define EQUILINK_SERVER_FRAMEWORK_STATS_SEEDED_NORMAL_H_

// A seeded standard normal generator whose sequence is fixed by this file
// alone, on every platform and standard library: std::normal_distribution
// is implementation-defined, and a published confidence interval must not
// change when the gateway is rebuilt.
//
// Uniforms: xoshiro256++ 1.0 (Blackman & Vigna 2019, public domain
// algorithm), its state filled from the seed by SplitMix64 as its authors
// recommend. Normals: Marsaglia's polar method (Marsaglia & Bray 1964), two
// per accepted pair, no trigonometry.
//
// Not for cryptography. Not thread-safe: one generator per computation.

#include <cstdint>

namespace equilink::framework::stats {

class SeededNormal {
 public:
  explicit SeededNormal(uint64_t seed);

  // The next standard normal deviate, N(0, 1).
  double Next();

  // The next uniform double in [0, 1), with 53 random bits.
  double NextUniform();

 private:
  uint64_t NextBits();

  uint64_t state_[4];
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace equilink::framework::stats

#endif  // EQUILINK_SERVER_FRAMEWORK_STATS_SEEDED_NORMAL_H_
