#ifndef EQUILINK_SERVER_LINKAGE_DICE_DICE_SCALAR_INL_H_
#define EQUILINK_SERVER_LINKAGE_DICE_DICE_SCALAR_INL_H_

// The plain row-by-row loops, shared by the portable kernel (dice_kernel.cc,
// no instruction-set flags: __builtin_popcountll is a software popcount
// there) and the benchmark's hardware-popcount baseline
// (popcnt_baseline_avx2.cc, -mpopcnt). Internal linkage so that each file
// keeps its own copy, compiled with its own flags.

#include <cstddef>
#include <cstdint>

#include "server/linkage/dice/dice_kernel_internal.h"

namespace equilink::linkage::dice_internal {
namespace {  // NOLINT: one copy per including file, see above.

inline uint32_t ScalarAndPopcount(const uint64_t* a, const uint64_t* b,
                                  int words) {
  uint32_t count = 0;
  for (int i = 0; i < words; ++i) count += __builtin_popcountll(a[i] & b[i]);
  return count;
}

inline void ScalarDiceMany(const uint64_t* query, uint32_t query_pop,
                           const uint64_t* column, const uint16_t* pops,
                           const uint32_t* rows, size_t count, int words,
                           float* dice) {
  for (size_t i = 0; i < count; ++i) {
    const uint64_t* row = column + static_cast<size_t>(rows[i]) * words;
    dice[i] = static_cast<float>(ExactDice(ScalarAndPopcount(query, row, words),
                                           query_pop, pops[rows[i]]));
  }
}

// A tile of width 1 (row-major): every query against every row. kWords > 0
// is the row width known at compile time, so the word loop unrolls; 0 is any
// width.
template <int kWords>
void ScalarMatchTileOf(const QueryRows& queries, const PackedTile& tile,
                       int runtime_words, const Filter& filter,
                       HitBuffer* hits) {
  const int words = kWords > 0 ? kWords : runtime_words;
  for (uint32_t a = queries.begin; a < queries.end; ++a) {
    const uint64_t* query = queries.bits + static_cast<size_t>(a) * words;
    const uint32_t query_pop = queries.pop[a];
    const int64_t query_bound = filter.scaled_threshold * query_pop;
    for (uint32_t lane = 0; lane < tile.groups; ++lane) {
      const uint32_t and_count = ScalarAndPopcount(
          query, tile.bits + static_cast<size_t>(lane) * words, words);
      if ((static_cast<int64_t>(and_count) << kFilterShift) -
              tile.bound[lane] >=
          query_bound) {
        OfferHit(a, tile.first_row + lane, and_count, query_pop, tile.pop[lane],
                 filter, hits);
      }
    }
  }
}

inline void ScalarMatchTile(const QueryRows& queries, const PackedTile& tile,
                            int words, const Filter& filter, HitBuffer* hits) {
  switch (words) {
    case 4:
      return ScalarMatchTileOf<4>(queries, tile, words, filter, hits);
    case 8:
      return ScalarMatchTileOf<8>(queries, tile, words, filter, hits);
    case 16:
      return ScalarMatchTileOf<16>(queries, tile, words, filter, hits);
    default:
      return ScalarMatchTileOf<0>(queries, tile, words, filter, hits);
  }
}

}  // namespace
}  // namespace equilink::linkage::dice_internal

#endif  // EQUILINK_SERVER_LINKAGE_DICE_DICE_SCALAR_INL_H_
