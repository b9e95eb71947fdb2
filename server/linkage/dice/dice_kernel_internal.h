#ifndef EQUILINK_SERVER_LINKAGE_DICE_DICE_KERNEL_INTERNAL_H_
#define EQUILINK_SERVER_LINKAGE_DICE_DICE_KERNEL_INTERNAL_H_

// Between dice_kernel.cc (dispatch, tiling, threads) and the per-instruction-
// set kernels (dice_kernel_avx2.cc, dice_kernel_avx512.cc, ...), and for the
// benchmark, which times each kernel and the plain popcount baseline.
//
// The kernel files are compiled with -mavx2 / -mavx512*, so any inline
// function or template they instantiate may come out with those instructions
// and, being a weak symbol, be the copy the linker keeps for everyone. So
// they use only plain structs from here and helpers with internal linkage,
// and never the standard library's templates: hits go into a raw buffer
// that the generic code empties.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "server/linkage/dice/dice_kernel.h"

namespace equilink::linkage::dice_internal {

// The threshold test without a division: 2 * and * 2^16 >= t * (pa + pb) *
// 2^16 with t * 2^16 rounded down and less one, so it never rejects a pair
// that the exact test (DiceFromCounts(...) >= threshold in doubles) accepts;
// the few it lets through wrongly (within 2^-15 of the threshold) are then
// tested exactly.
inline constexpr int kFilterShift = 17;  // and * 2 * 2^16
struct Filter {
  int64_t scaled_threshold;  // floor(t * 2^16) - 1, at least 0
  double threshold;
};
// A bound no pair reaches: marks the padding lanes of a packed tile.
inline constexpr int64_t kNeverBound = int64_t{1} << 60;

// The vector kernels count the first half of a row's words, then stop if no
// candidate of the group can still pass: the common bits of the second half
// are at most the smaller of the two halves' popcounts. Two unrelated Bloom
// encodings share about a fifth of their bits, far below any useful
// threshold, so almost every pair is decided on half the words. The test is
// exact (a bound, not a guess). Rows of fewer than 8 words are counted whole.
inline constexpr int kEarlyExitMinWords = 8;

// A tile of B rows laid out for a kernel with `group_width` lanes: groups of
// group_width rows, each stored word-major ([group][word][lane]), so a
// vector load gets the same word of group_width candidates. A width of 1 is
// plain row-major. Rows past the end of B are zero with bound kNeverBound.
struct PackedTile {
  const uint64_t* bits;
  const int64_t* bound;  // per lane: scaled_threshold * pop
  const uint16_t* pop;   // per lane
  // Per lane: bits set in the row's second half (words / 2 onwards), for
  // rows of at least kEarlyExitMinWords words; 0 in padding lanes.
  const int64_t* tail_pop;
  uint32_t first_row;  // the B row of lane 0 of group 0
  uint32_t groups;
};

struct QueryRows {
  const uint64_t* bits;  // all of A, row-major
  const uint16_t* pop;
  uint32_t begin;
  uint32_t end;
};

// Where kernels put the pairs that pass; `flush` empties it when full.
struct HitBuffer {
  DiceMatch* hits;
  size_t size;
  size_t capacity;
  void (*flush)(HitBuffer* buffer);
  void* owner;
};

struct KernelOps {
  DiceKernel kernel;
  int group_width;
  uint32_t (*and_popcount)(const uint64_t* a, const uint64_t* b, int words);
  void (*dice_many)(const uint64_t* query, uint32_t query_pop,
                    const uint64_t* column, const uint16_t* pops,
                    const uint32_t* rows, size_t count, int words, float* dice);
  // Every query row against every lane of the tile.
  void (*match_tile)(const QueryRows& queries, const PackedTile& tile,
                     int words, const Filter& filter, HitBuffer* hits);
};

// Each is defined in the file for its instruction set and must only be used
// when the CPU has it.
extern const KernelOps kScalarOps;
extern const KernelOps kAvx2Ops;
extern const KernelOps kAvx512Ops;
// The benchmark's baseline: a straightforward loop of hardware 64-bit
// popcounts over rows, no vectors (needs POPCNT; lives in an _avx2 file only
// to be compiled with -mpopcnt).
extern const KernelOps kPopcntBaselineOps;

// The ops of the active kernel.
const KernelOps& ActiveOps();

// AllPairsAboveThreshold with the given kernel.
std::vector<DiceMatch> AllPairsWith(const KernelOps& ops,
                                    const uint64_t* a_bits,
                                    const uint16_t* a_pop, size_t a_count,
                                    const uint64_t* b_bits,
                                    const uint16_t* b_pop, size_t b_count,
                                    int words, double threshold, int threads);

namespace {  // NOLINT: internal linkage on purpose, see the top of the file.

inline double ExactDice(uint32_t and_count, uint32_t pop_a, uint32_t pop_b) {
  const uint32_t total = pop_a + pop_b;
  return total == 0 ? 0.0 : 2.0 * and_count / total;
}

// Records the pair if it passes the exact test; called only for pairs that
// passed the integer filter, so rarely the hot path.
inline void OfferHit(uint32_t a, uint32_t b, uint32_t and_count, uint32_t pop_a,
                     uint32_t pop_b, const Filter& filter, HitBuffer* hits) {
  const double dice = ExactDice(and_count, pop_a, pop_b);
  if (!(dice >= filter.threshold)) return;
  if (hits->size == hits->capacity) hits->flush(hits);
  hits->hits[hits->size++] =
      DiceMatch{.a = a, .b = b, .dice = static_cast<float>(dice)};
}

}  // namespace

}  // namespace equilink::linkage::dice_internal

#endif  // EQUILINK_SERVER_LINKAGE_DICE_DICE_KERNEL_INTERNAL_H_
