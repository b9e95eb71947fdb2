// The AVX2 kernel. Compiled with -mavx2 -mpopcnt; only called when the CPU
// has them.
//
// AVX2 has no vector popcount, so bytes are counted with Muła's nibble
// lookup (vpshufb into a 16-entry table) and summed into 64-bit lanes with
// vpsadbw. All pairs: B is packed word-major in groups of 4 rows, so the 4
// lanes of the sum are 4 candidates' counts and need no horizontal sum; and
// most groups stop after half their words (see kEarlyExitMinWords).

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

// Per byte, the number of bits set (0..8).
inline __m256i PopcountBytes(__m256i v) {
  const __m256i table =
      _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1,
                       2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low_nibbles = _mm256_set1_epi8(0x0f);
  const __m256i low = _mm256_and_si256(v, low_nibbles);
  const __m256i high = _mm256_and_si256(_mm256_srli_epi16(v, 4), low_nibbles);
  return _mm256_add_epi8(_mm256_shuffle_epi8(table, low),
                         _mm256_shuffle_epi8(table, high));
}

// A byte of a byte-count sum holds at most 255: 31 words of 8 bits each.
constexpr int kWordsPerByteSum = 31;

uint32_t AndPopcountAvx2(const uint64_t* a, const uint64_t* b, int words) {
  uint64_t count = 0;
  int word = 0;
  if (words >= 16) {
    __m256i sums = _mm256_setzero_si256();
    for (; word + 4 <= words;) {
      __m256i bytes = _mm256_setzero_si256();
      for (int block = 0; block < kWordsPerByteSum / 4 && word + 4 <= words;
           ++block, word += 4) {
        const __m256i both = _mm256_and_si256(
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + word)),
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + word)));
        bytes = _mm256_add_epi8(bytes, PopcountBytes(both));
      }
      sums = _mm256_add_epi64(sums,
                              _mm256_sad_epu8(bytes, _mm256_setzero_si256()));
    }
    count = static_cast<uint64_t>(_mm256_extract_epi64(sums, 0)) +
            static_cast<uint64_t>(_mm256_extract_epi64(sums, 1)) +
            static_cast<uint64_t>(_mm256_extract_epi64(sums, 2)) +
            static_cast<uint64_t>(_mm256_extract_epi64(sums, 3));
  }
  // Short rows: hardware POPCNT beats the lookup's set-up.
  for (; word < words; ++word) count += __builtin_popcountll(a[word] & b[word]);
  return static_cast<uint32_t>(count);
}

void DiceManyAvx2(const uint64_t* query, uint32_t query_pop,
                  const uint64_t* column, const uint16_t* pops,
                  const uint32_t* rows, size_t count, int words, float* dice) {
  for (size_t i = 0; i < count; ++i) {
    if (i + 4 < count) {
      _mm_prefetch(reinterpret_cast<const char*>(
                       column + static_cast<size_t>(rows[i + 4]) * words),
                   _MM_HINT_T0);
    }
    const uint64_t* row = column + static_cast<size_t>(rows[i]) * words;
    dice[i] = static_cast<float>(ExactDice(AndPopcountAvx2(query, row, words),
                                           query_pop, pops[rows[i]]));
  }
}

[[gnu::noinline]] void OfferLanes(uint32_t a, uint32_t query_pop, int passed,
                                  __m256i counts, const PackedTile& tile,
                                  uint32_t group, const Filter& filter,
                                  HitBuffer* hits) {
  alignas(32) uint64_t lane_counts[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lane_counts), counts);
  for (unsigned bits = passed; bits != 0; bits &= bits - 1) {
    const int lane_in_group = __builtin_ctz(bits);
    const uint32_t lane = group * 4 + lane_in_group;
    OfferHit(a, tile.first_row + lane,
             static_cast<uint32_t>(lane_counts[lane_in_group]), query_pop,
             tile.pop[lane], filter, hits);
  }
}

// The and-popcounts of words [first, last) of a group, one per lane.
// Unrolled (with the row width known) so the byte sums stay in registers.
[[gnu::always_inline]] inline __m256i CountWords(const __m256i* column,
                                                 const uint64_t* query,
                                                 int first, int last) {
  __m256i counts = _mm256_setzero_si256();
  for (int chunk = first; chunk < last; chunk += kWordsPerByteSum) {
    const int end =
        chunk + kWordsPerByteSum < last ? chunk + kWordsPerByteSum : last;
    __m256i bytes = _mm256_setzero_si256();
#pragma GCC unroll 16
    for (int k = chunk; k < end; ++k) {
      const __m256i both =
          _mm256_and_si256(_mm256_load_si256(column + k),
                           _mm256_set1_epi64x(static_cast<int64_t>(query[k])));
      bytes = _mm256_add_epi8(bytes, PopcountBytes(both));
    }
    counts = _mm256_add_epi64(counts,
                              _mm256_sad_epu8(bytes, _mm256_setzero_si256()));
  }
  return counts;
}

// From kEarlyExitMinWords words, each group is dropped after half its words
// when none of its lanes can pass.
template <int kWords>
void MatchTileAvx2(const QueryRows& queries, const PackedTile& tile,
                   int runtime_words, const Filter& filter, HitBuffer* hits) {
  constexpr bool kEarlyExit = kWords >= kEarlyExitMinWords;
  constexpr int kHalf = kEarlyExit ? kWords / 2 : 0;
  const int words = kWords > 0 ? kWords : runtime_words;
  const __m256i* bound = reinterpret_cast<const __m256i*>(tile.bound);
  const __m256i* tail_pop = reinterpret_cast<const __m256i*>(tile.tail_pop);
  for (uint32_t a = queries.begin; a < queries.end; ++a) {
    const uint64_t* query = queries.bits + static_cast<size_t>(a) * words;
    const uint32_t query_pop = queries.pop[a];
    // AVX2 has only a greater-than compare: x >= y is x > y - 1.
    const __m256i query_bound =
        _mm256_set1_epi64x(filter.scaled_threshold * query_pop - 1);
    __m256i query_tail_pop = _mm256_setzero_si256();
    if constexpr (kEarlyExit) {
      int64_t count = 0;
      for (int k = kHalf; k < kWords; ++k)
        count += __builtin_popcountll(query[k]);
      query_tail_pop = _mm256_set1_epi64x(count);
    }
    const __m256i* column = reinterpret_cast<const __m256i*>(tile.bits);
    for (uint32_t group = 0; group < tile.groups; ++group, column += words) {
      const __m256i group_bound = _mm256_loadu_si256(bound + group);
      __m256i counts;
      if constexpr (kEarlyExit) {
        counts = CountWords(column, query, 0, kHalf);
        // The most the pair can share: what the first half shares plus the
        // smaller second half. Popcounts fit in the low 32 bits of each
        // lane, so the unsigned 32-bit minimum is the 64-bit one.
        const __m256i most = _mm256_add_epi64(
            counts, _mm256_min_epu32(_mm256_loadu_si256(tail_pop + group),
                                     query_tail_pop));
        const __m256i best_margin = _mm256_sub_epi64(
            _mm256_slli_epi64(most, kFilterShift), group_bound);
        if (_mm256_testz_si256(_mm256_cmpgt_epi64(best_margin, query_bound),
                               _mm256_set1_epi64x(-1)) != 0) {
          continue;
        }
        counts =
            _mm256_add_epi64(counts, CountWords(column, query, kHalf, kWords));
      } else {
        counts = CountWords(column, query, 0, words);
      }
      const __m256i margin = _mm256_sub_epi64(
          _mm256_slli_epi64(counts, kFilterShift), group_bound);
      const int passed = _mm256_movemask_pd(
          _mm256_castsi256_pd(_mm256_cmpgt_epi64(margin, query_bound)));
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
      return MatchTileAvx2<4>(queries, tile, words, filter, hits);
    case 8:
      return MatchTileAvx2<8>(queries, tile, words, filter, hits);
    case 16:
      return MatchTileAvx2<16>(queries, tile, words, filter, hits);
    default:
      return MatchTileAvx2<0>(queries, tile, words, filter, hits);
  }
}

}  // namespace

const KernelOps kAvx2Ops = {
    .kernel = DiceKernel::kAvx2,
    .group_width = 4,
    .and_popcount = AndPopcountAvx2,
    .dice_many = DiceManyAvx2,
    .match_tile = MatchTile,
};

}  // namespace equilink::linkage::dice_internal
