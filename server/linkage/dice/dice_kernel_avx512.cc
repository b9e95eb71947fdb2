// The AVX-512 VPOPCNTDQ kernel. Compiled with -mavx512f -mavx512bw
// -mavx512vl -mavx512vpopcntdq; only called when the CPU has them.
//
// All pairs: B is packed word-major in groups of 8 rows, so one 512-bit load
// holds the same word of 8 candidates and the 8 lanes of the sum are the 8
// candidates' counts: no horizontal reduction. The query's words sit
// broadcast in registers for the whole tile, so each candidate costs, per
// word, one load-and (vpandq), one vpopcntq and one add; and most groups
// stop after half their words (see kEarlyExitMinWords).

// GCC 12's intrinsic headers use deliberately undefined vectors
// (_mm256_undefined_si256) that its own -Wuninitialized then reports (GCC
// bug 105593, fixed in 13).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstddef>
#include <cstdint>

#include "server/linkage/dice/dice_kernel_internal.h"

namespace equilink::linkage::dice_internal {
namespace {

uint32_t AndPopcountAvx512(const uint64_t* a, const uint64_t* b, int words) {
  __m512i sum = _mm512_setzero_si512();
  int word = 0;
  for (; word + 8 <= words; word += 8) {
    sum = _mm512_add_epi64(
        sum, _mm512_popcnt_epi64(_mm512_and_si512(
                 _mm512_loadu_si512(a + word), _mm512_loadu_si512(b + word))));
  }
  if (word < words) {
    // Masked-off lanes are neither read nor able to fault.
    const __mmask8 tail = static_cast<__mmask8>((1u << (words - word)) - 1);
    sum = _mm512_add_epi64(sum, _mm512_popcnt_epi64(_mm512_and_si512(
                                    _mm512_maskz_loadu_epi64(tail, a + word),
                                    _mm512_maskz_loadu_epi64(tail, b + word))));
  }
  return static_cast<uint32_t>(_mm512_reduce_add_epi64(sum));
}

void DiceManyAvx512(const uint64_t* query, uint32_t query_pop,
                    const uint64_t* column, const uint16_t* pops,
                    const uint32_t* rows, size_t count, int words,
                    float* dice) {
  for (size_t i = 0; i < count; ++i) {
    // Candidate rows are scattered: start fetching a few ahead.
    if (i + 4 < count) {
      _mm_prefetch(reinterpret_cast<const char*>(
                       column + static_cast<size_t>(rows[i + 4]) * words),
                   _MM_HINT_T0);
    }
    const uint64_t* row = column + static_cast<size_t>(rows[i]) * words;
    dice[i] = static_cast<float>(ExactDice(AndPopcountAvx512(query, row, words),
                                           query_pop, pops[rows[i]]));
  }
}

// Hands the lanes of `passed` (8 candidates of group `group`) to the exact
// test. Rare: only pairs at or near the threshold get here.
[[gnu::noinline]] void OfferLanes(uint32_t a, uint32_t query_pop,
                                  __mmask8 passed, __m512i counts,
                                  const PackedTile& tile, uint32_t group,
                                  const Filter& filter, HitBuffer* hits) {
  alignas(64) uint64_t lane_counts[8];
  _mm512_store_si512(lane_counts, counts);
  for (unsigned bits = passed; bits != 0; bits &= bits - 1) {
    const int lane_in_group = __builtin_ctz(bits);
    const uint32_t lane = group * 8 + lane_in_group;
    OfferHit(a, tile.first_row + lane,
             static_cast<uint32_t>(lane_counts[lane_in_group]), query_pop,
             tile.pop[lane], filter, hits);
  }
}

// Adds the and-popcounts of words [first, last) of the group to `sums`,
// spreading the adds over four chains. Unrolled so that the sums and the
// query stay in registers: rolled up, GCC keeps sums[k & 3] in memory and
// every word waits on a store-to-load round trip.
template <int kWords>
[[gnu::always_inline]] inline void AccumulateWords(const __m512i* column,
                                                   const uint64_t* query,
                                                   const __m512i* query_words,
                                                   int first, int last,
                                                   __m512i sums[4]) {
#pragma GCC unroll 16
  for (int k = first; k < last; ++k) {
    __m512i query_word;
    if constexpr (kWords > 0) {
      query_word = query_words[k];
    } else {
      query_word = _mm512_set1_epi64(static_cast<int64_t>(query[k]));
    }
    sums[k & 3] = _mm512_add_epi64(
        sums[k & 3], _mm512_popcnt_epi64(_mm512_and_si512(
                         _mm512_load_si512(column + k), query_word)));
  }
}

inline __m512i SumOf(const __m512i sums[4]) {
  return _mm512_add_epi64(_mm512_add_epi64(sums[0], sums[1]),
                          _mm512_add_epi64(sums[2], sums[3]));
}

// kWords > 0: the row width known at compile time, the query held in
// registers (and, from kEarlyExitMinWords words, each group dropped after
// half its words when none of its lanes can pass); 0: any width, the query
// re-read (broadcast) from L1.
template <int kWords>
void MatchTileAvx512(const QueryRows& queries, const PackedTile& tile,
                     int runtime_words, const Filter& filter, HitBuffer* hits) {
  constexpr bool kEarlyExit = kWords >= kEarlyExitMinWords;
  constexpr int kHalf = kEarlyExit ? kWords / 2 : 0;
  const int words = kWords > 0 ? kWords : runtime_words;
  const __m512i* bound = reinterpret_cast<const __m512i*>(tile.bound);
  const __m512i* tail_pop = reinterpret_cast<const __m512i*>(tile.tail_pop);
  for (uint32_t a = queries.begin; a < queries.end; ++a) {
    const uint64_t* query = queries.bits + static_cast<size_t>(a) * words;
    const uint32_t query_pop = queries.pop[a];
    const __m512i query_bound =
        _mm512_set1_epi64(filter.scaled_threshold * query_pop);
    __m512i query_words[kWords > 0 ? kWords : 1];
    if constexpr (kWords > 0) {
#pragma GCC unroll 16
      for (int k = 0; k < kWords; ++k) {
        query_words[k] = _mm512_set1_epi64(static_cast<int64_t>(query[k]));
      }
    }
    __m512i query_tail_pop = _mm512_setzero_si512();
    if constexpr (kEarlyExit) {
      int64_t count = 0;
      for (int k = kHalf; k < kWords; ++k)
        count += __builtin_popcountll(query[k]);
      query_tail_pop = _mm512_set1_epi64(count);
    }
    const __m512i* column = reinterpret_cast<const __m512i*>(tile.bits);
    for (uint32_t group = 0; group < tile.groups; ++group, column += words) {
      __m512i sums[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(),
                         _mm512_setzero_si512(), _mm512_setzero_si512()};
      const __m512i group_bound = _mm512_loadu_si512(bound + group);
      if constexpr (kEarlyExit) {
        AccumulateWords<kWords>(column, query, query_words, 0, kHalf, sums);
        // The most the pair can share: what the first half shares plus the
        // smaller second half.
        const __m512i most = _mm512_add_epi64(
            SumOf(sums), _mm512_min_epi64(_mm512_loadu_si512(tail_pop + group),
                                          query_tail_pop));
        const __m512i best_margin = _mm512_sub_epi64(
            _mm512_slli_epi64(most, kFilterShift), group_bound);
        if (_mm512_cmpge_epi64_mask(best_margin, query_bound) == 0) continue;
        AccumulateWords<kWords>(column, query, query_words, kHalf, kWords,
                                sums);
      } else {
        AccumulateWords<kWords>(column, query, query_words, 0, words, sums);
      }
      const __m512i counts = SumOf(sums);
      // 2 * and * 2^16 - t' * pop_b >= t' * pop_a, lane by lane.
      const __m512i margin = _mm512_sub_epi64(
          _mm512_slli_epi64(counts, kFilterShift), group_bound);
      const __mmask8 passed = _mm512_cmpge_epi64_mask(margin, query_bound);
      if (passed != 0) {
        OfferLanes(a, query_pop, passed, counts, tile, group, filter, hits);
      }
    }
  }
}

void MatchTile(const QueryRows& queries, const PackedTile& tile, int words,
               const Filter& filter, HitBuffer* hits) {
  switch (words) {
    case 4:
      return MatchTileAvx512<4>(queries, tile, words, filter, hits);
    case 8:
      return MatchTileAvx512<8>(queries, tile, words, filter, hits);
    case 16:
      return MatchTileAvx512<16>(queries, tile, words, filter, hits);
    default:
      return MatchTileAvx512<0>(queries, tile, words, filter, hits);
  }
}

}  // namespace

const KernelOps kAvx512Ops = {
    .kernel = DiceKernel::kAvx512,
    .group_width = 8,
    .and_popcount = AndPopcountAvx512,
    .dice_many = DiceManyAvx512,
    .match_tile = MatchTile,
};

}  // namespace equilink::linkage::dice_internal
