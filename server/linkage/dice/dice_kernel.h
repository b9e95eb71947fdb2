#ifndef EQUILINK_SERVER_LINKAGE_DICE_DICE_KERNEL_H_
#define EQUILINK_SERVER_LINKAGE_DICE_DICE_KERNEL_H_

// Dice coefficients between Bloom-encoded fields, 2|A∩B| / (|A| + |B|), on
// packed bit sets of `words` 64-bit words (row-major, zero padded). The work
// is done by one of several kernels chosen once at run time from what the CPU
// reports (AVX-512 VPOPCNTDQ, AVX2, or portable scalar code), so one binary
// runs on any x86-64 and is fast where it can be. Every kernel gives exactly
// the same results.
//
// Popcounts passed alongside bit sets (`a_pop`, `pops`, ...) must be the
// popcounts of those rows; the kernels trust them rather than recount.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace equilink::linkage {

enum class DiceKernel { kScalar, kAvx2, kAvx512 };

// The fastest kernel this CPU supports, unless ForceDiceKernel chose another.
// Thread-safe; the CPU is inspected once.
DiceKernel ActiveDiceKernel();
const char* DiceKernelName(DiceKernel kernel);
// True when this CPU (and OS) can run `kernel`.
bool DiceKernelSupported(DiceKernel kernel);
// Makes `kernel` the active one for the whole process (tests, benchmarks);
// false, changing nothing, when the CPU lacks it. Not meant to race with
// running comparisons: calls already under way finish on the kernel they
// started with.
bool ForceDiceKernel(DiceKernel kernel);

// popcount(a & b) over `words` words. Fast for 4..16 words.
uint32_t AndPopcount(const uint64_t* a, const uint64_t* b, int words);

// The Dice coefficient from the size of the intersection and of each set;
// 0 when both sets are empty (an absent field agrees with nothing).
inline double DiceFromCounts(uint32_t and_count, uint32_t pop_a,
                             uint32_t pop_b) {
  const uint32_t total = pop_a + pop_b;
  return total == 0 ? 0.0 : 2.0 * and_count / total;
}

struct DiceMatch {
  uint32_t a;
  uint32_t b;
  float dice;
};

// Every pair (a, b), a < a_count, b < b_count, whose Dice coefficient
// DiceFromCounts(...) is >= `threshold` (so a pair exactly at the threshold
// is included), between two packed sets of `words` words per row, sorted by
// (a, b). Tiled for cache and run on `threads` threads (at least one). The
// threshold test is done in integers, so no pair costs a division unless it
// is within 2^-15 of the threshold.
std::vector<DiceMatch> AllPairsAboveThreshold(
    const uint64_t* a_bits, const uint16_t* a_pop, size_t a_count,
    const uint64_t* b_bits, const uint16_t* b_pop, size_t b_count, int words,
    double threshold, int threads);

// One query against a list of candidate rows of a packed column (`words`
// words per row, `pops` indexed by row): dice[i] is the Dice coefficient of
// the query and row rows[i].
void DiceMany(const uint64_t* query, uint32_t query_pop, const uint64_t* column,
              const uint16_t* pops, const uint32_t* rows, size_t count,
              int words, float* dice);

}  // namespace equilink::linkage

#endif  // EQUILINK_SERVER_LINKAGE_DICE_DICE_KERNEL_H_
