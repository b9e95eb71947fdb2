// Kernel choice, the portable kernel, and the tiled, threaded all-pairs
// driver. Compiled with no instruction-set flags, so it runs on any x86-64.

#include "server/linkage/dice/dice_kernel.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

#include "server/linkage/dice/dice_kernel_internal.h"
#include "server/linkage/dice/dice_scalar_inl.h"

namespace equilink::linkage {
namespace dice_internal {

const KernelOps kScalarOps = {
    .kernel = DiceKernel::kScalar,
    .group_width = 1,
    .and_popcount = ScalarAndPopcount,
    .dice_many = ScalarDiceMany,
    .match_tile = ScalarMatchTile,
};

namespace {

bool CpuHas(DiceKernel kernel) {
  __builtin_cpu_init();
  switch (kernel) {
    case DiceKernel::kScalar:
      return true;
    case DiceKernel::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
    case DiceKernel::kAvx512:
      // libgcc also checks that the OS saves the AVX-512 registers.
      return __builtin_cpu_supports("avx512f") &&
             __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512vpopcntdq") &&
             __builtin_cpu_supports("popcnt");
  }
  return false;
}

const KernelOps& OpsOf(DiceKernel kernel) {
  switch (kernel) {
    case DiceKernel::kAvx512:
      return kAvx512Ops;
    case DiceKernel::kAvx2:
      return kAvx2Ops;
    case DiceKernel::kScalar:
      break;
  }
  return kScalarOps;
}

const KernelOps* BestOps() {
  for (DiceKernel kernel : {DiceKernel::kAvx512, DiceKernel::kAvx2}) {
    if (CpuHas(kernel)) return &OpsOf(kernel);
  }
  return &kScalarOps;
}

// nullptr until first use or ForceDiceKernel.
std::atomic<const KernelOps*> active_ops{nullptr};

// The B rows of one tile in the kernel's layout.
struct TileBuffer {
  std::vector<uint64_t> bits;  // over-allocated, used from a 64-byte boundary
  std::vector<int64_t> bound;
  std::vector<uint16_t> pop;
  std::vector<int64_t> tail_pop;
};

PackedTile PackTile(const KernelOps& ops, const uint64_t* b_bits,
                    const uint16_t* b_pop, size_t first, size_t rows, int words,
                    int64_t scaled_threshold, TileBuffer* buffer) {
  const size_t width = static_cast<size_t>(ops.group_width);
  const size_t groups = (rows + width - 1) / width;
  const size_t lanes = groups * width;
  buffer->bound.resize(lanes);
  buffer->pop.assign(b_pop + first, b_pop + first + rows);
  buffer->pop.resize(lanes, 0);
  for (size_t lane = 0; lane < lanes; ++lane) {
    buffer->bound[lane] =
        lane < rows ? scaled_threshold * b_pop[first + lane] : kNeverBound;
  }
  const uint64_t* rows_bits = b_bits + first * words;
  buffer->tail_pop.assign(lanes, 0);
  if (words >= kEarlyExitMinWords) {
    const int half = words / 2;
    for (size_t row = 0; row < rows; ++row) {
      const uint64_t* tail = rows_bits + row * words + half;
      buffer->tail_pop[row] = ops.and_popcount(tail, tail, words - half);
    }
  }
  if (width == 1) {
    // Row-major already: no copy.
    return PackedTile{.bits = rows_bits,
                      .bound = buffer->bound.data(),
                      .pop = buffer->pop.data(),
                      .tail_pop = buffer->tail_pop.data(),
                      .first_row = static_cast<uint32_t>(first),
                      .groups = static_cast<uint32_t>(groups)};
  }
  // Aligned so that no vector load of a group straddles two cache lines.
  constexpr size_t kLineWords = 64 / sizeof(uint64_t);
  buffer->bits.assign(lanes * words + kLineWords, 0);
  uint64_t* packed = buffer->bits.data();
  packed += (kLineWords - reinterpret_cast<uintptr_t>(packed) /
                              sizeof(uint64_t) % kLineWords) %
            kLineWords;
  for (size_t row = 0; row < rows; ++row) {
    const size_t group = row / width;
    const size_t lane = row % width;
    uint64_t* out = packed + group * words * width + lane;
    for (int word = 0; word < words; ++word) {
      out[static_cast<size_t>(word) * width] = rows_bits[row * words + word];
    }
  }
  return PackedTile{.bits = packed,
                    .bound = buffer->bound.data(),
                    .pop = buffer->pop.data(),
                    .tail_pop = buffer->tail_pop.data(),
                    .first_row = static_cast<uint32_t>(first),
                    .groups = static_cast<uint32_t>(groups)};
}

void AppendHits(HitBuffer* buffer) {
  auto* out = static_cast<std::vector<DiceMatch>*>(buffer->owner);
  out->insert(out->end(), buffer->hits, buffer->hits + buffer->size);
  buffer->size = 0;
}

// A tile's rows should stay in L1 (48 KiB on the machines we know) while
// every query of a chunk passes over them.
constexpr size_t kTileBytes = 32 * 1024;
constexpr size_t kHitBufferSize = 4096;

}  // namespace

const KernelOps& ActiveOps() {
  const KernelOps* ops = active_ops.load(std::memory_order_acquire);
  if (ops == nullptr) {
    const KernelOps* best = BestOps();
    // Another thread may have chosen (or forced) first; keep its choice.
    if (active_ops.compare_exchange_strong(ops, best,
                                           std::memory_order_acq_rel)) {
      ops = best;
    }
  }
  return *ops;
}

std::vector<DiceMatch> AllPairsWith(const KernelOps& ops,
                                    const uint64_t* a_bits,
                                    const uint16_t* a_pop, size_t a_count,
                                    const uint64_t* b_bits,
                                    const uint16_t* b_pop, size_t b_count,
                                    int words, double threshold, int threads) {
  std::vector<DiceMatch> matches;
  // A Dice coefficient is at most 1; NaN matches nothing.
  if (a_count == 0 || b_count == 0 || words <= 0 || !(threshold <= 1.0)) {
    return matches;
  }
  const int64_t scaled_threshold =
      threshold <= 0.0
          ? 0
          : std::max<int64_t>(
                0, static_cast<int64_t>(std::floor(threshold * 65536.0)) - 1);
  const Filter filter{.scaled_threshold = scaled_threshold,
                      .threshold = threshold};

  const size_t width = ops.group_width;
  const size_t row_bytes = static_cast<size_t>(words) * sizeof(uint64_t);
  const size_t tile_rows =
      std::max(width, kTileBytes / row_bytes / width * width);
  const size_t tiles = (b_count + tile_rows - 1) / tile_rows;
  threads = std::max(threads, 1);
  // Enough tasks for the threads to finish together; split the queries
  // only when B has too few tiles for that.
  const size_t wanted_tasks = 4 * static_cast<size_t>(threads);
  const size_t chunks = std::min(
      a_count,
      tiles >= wanted_tasks ? size_t{1} : (wanted_tasks + tiles - 1) / tiles);
  const size_t chunk_rows = (a_count + chunks - 1) / chunks;
  const size_t tasks = tiles * chunks;
  threads = static_cast<int>(std::min<size_t>(threads, tasks));

  std::atomic<size_t> next_task{0};
  std::vector<std::vector<DiceMatch>> found(threads);
  auto work = [&](int thread) {
    TileBuffer buffer;
    size_t packed_tile = tiles;  // none yet
    PackedTile tile{};
    std::vector<DiceMatch> pending(kHitBufferSize);
    HitBuffer hits{.hits = pending.data(),
                   .size = 0,
                   .capacity = pending.size(),
                   .flush = AppendHits,
                   .owner = &found[thread]};
    for (size_t task = next_task.fetch_add(1); task < tasks;
         task = next_task.fetch_add(1)) {
      const size_t tile_index = task / chunks;
      const size_t chunk = task % chunks;
      if (tile_index != packed_tile) {
        const size_t first = tile_index * tile_rows;
        tile = PackTile(ops, b_bits, b_pop, first,
                        std::min(tile_rows, b_count - first), words,
                        scaled_threshold, &buffer);
        packed_tile = tile_index;
      }
      const size_t begin = chunk * chunk_rows;
      if (begin >= a_count) continue;
      const QueryRows queries{
          .bits = a_bits,
          .pop = a_pop,
          .begin = static_cast<uint32_t>(begin),
          .end = static_cast<uint32_t>(std::min(a_count, begin + chunk_rows))};
      ops.match_tile(queries, tile, words, filter, &hits);
    }
    AppendHits(&hits);
  };
  if (threads == 1) {
    work(0);
  } else {
    std::vector<std::thread> workers;
    workers.reserve(threads);
    for (int t = 0; t < threads; ++t) workers.emplace_back(work, t);
    for (std::thread& worker : workers) worker.join();
  }

  size_t total = 0;
  for (const auto& part : found) total += part.size();
  matches.reserve(total);
  for (const auto& part : found) {
    matches.insert(matches.end(), part.begin(), part.end());
  }
  std::sort(matches.begin(), matches.end(),
            [](const DiceMatch& x, const DiceMatch& y) {
              return x.a != y.a ? x.a < y.a : x.b < y.b;
            });
  return matches;
}

}  // namespace dice_internal

DiceKernel ActiveDiceKernel() { return dice_internal::ActiveOps().kernel; }

const char* DiceKernelName(DiceKernel kernel) {
  switch (kernel) {
    case DiceKernel::kScalar:
      return "scalar";
    case DiceKernel::kAvx2:
      return "avx2";
    case DiceKernel::kAvx512:
      return "avx512";
  }
  return "unknown";
}

bool DiceKernelSupported(DiceKernel kernel) {
  return dice_internal::CpuHas(kernel);
}

bool ForceDiceKernel(DiceKernel kernel) {
  if (!dice_internal::CpuHas(kernel)) return false;
  dice_internal::active_ops.store(&dice_internal::OpsOf(kernel),
                                  std::memory_order_release);
  return true;
}

uint32_t AndPopcount(const uint64_t* a, const uint64_t* b, int words) {
  return dice_internal::ActiveOps().and_popcount(a, b, words);
}

std::vector<DiceMatch> AllPairsAboveThreshold(
    const uint64_t* a_bits, const uint16_t* a_pop, size_t a_count,
    const uint64_t* b_bits, const uint16_t* b_pop, size_t b_count, int words,
    double threshold, int threads) {
  return dice_internal::AllPairsWith(dice_internal::ActiveOps(), a_bits, a_pop,
                                     a_count, b_bits, b_pop, b_count, words,
                                     threshold, threads);
}

void DiceMany(const uint64_t* query, uint32_t query_pop, const uint64_t* column,
              const uint16_t* pops, const uint32_t* rows, size_t count,
              int words, float* dice) {
  dice_internal::ActiveOps().dice_many(query, query_pop, column, pops, rows,
                                       count, words, dice);
}

}  // namespace equilink::linkage
