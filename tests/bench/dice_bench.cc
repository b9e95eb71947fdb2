// Dice comparison rate of AllPairsAboveThreshold (server/linkage/dice/), on
// 1024-bit encodings with ~44% of bits set, threshold test included,
// comparisons counted as a_rows * b_rows (no pruning):
//   FIGURE dice_comparisons_per_s <rate>  the kernel the CPU gets by default
//   FIGURE dice_vs_scalar_ratio   <x>     that rate / a plain loop of hardware
//                                         64-bit popcounts, same threads, same
//                                         tiling and threshold test
//   FIGURE dice_<kernel>_per_s    <rate>  each kernel the CPU has (avx512,
//                                         avx2), the plain loop (scalar), and
//                                         the portable fallback (software
//                                         popcount, on fewer queries)
// Each figure is the median of --runs runs. The default kernel times
// --a_rows queries against --b_rows candidates (2e9 comparisons, under a
// second on two idle cores); slower loops time the first --scalar_a_rows or
// --portable_a_rows queries. Every kernel must find the same pairs, or the
// tool fails.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "server/linkage/dice/dice_kernel.h"
#include "server/linkage/dice/dice_kernel_internal.h"
#include "tests/bench/bench_util.h"

ABSL_FLAG(int, a_rows, 20000, "query encodings for the vector kernels");
ABSL_FLAG(int, scalar_a_rows, 2000,
          "query encodings (the first of a_rows) for the plain popcount loop");
ABSL_FLAG(int, b_rows, 100000, "candidate encodings");
ABSL_FLAG(int, words, 16, "64-bit words per encoding");
ABSL_FLAG(int, threads, 2, "threads");
ABSL_FLAG(double, threshold, 0.8, "Dice threshold");
ABSL_FLAG(int, runs, 3, "runs per figure (the median is reported)");
ABSL_FLAG(std::string, only, "",
          "time only this kernel (avx512, avx2, scalar), e.g. under perf stat; "
          "prints its rate and no figures");
ABSL_FLAG(int, portable_a_rows, 100,
          "query encodings for the (slow) portable fallback");

namespace equilink::bench {
namespace {

using linkage::DiceKernel;
using linkage::DiceMatch;
namespace internal = linkage::dice_internal;

struct EncodingSet {
  std::vector<uint64_t> bits;
  std::vector<uint16_t> pop;
};

// Each bit set with probability 7/16, as in a well-filled Bloom filter.
uint64_t RandomWord(std::mt19937_64& rng) {
  const uint64_t r1 = rng(), r2 = rng(), r3 = rng(), r4 = rng();
  return r1 & (r2 | r3 | r4);
}

void Recount(int words, EncodingSet* set) {
  set->pop.resize(set->bits.size() / words);
  for (size_t row = 0; row < set->pop.size(); ++row) {
    const uint64_t* bits = set->bits.data() + row * words;
    set->pop[row] =
        static_cast<uint16_t>(linkage::AndPopcount(bits, bits, words));
  }
}

// B holds, besides random rows, a noisy copy of every A row (one bit in 32
// flipped), so the pairs that pass exercise the hit path as real matches do.
void MakeEncodings(int a_rows, int b_rows, int words, EncodingSet* a,
                   EncodingSet* b) {
  std::mt19937_64 rng(20240611);
  a->bits.resize(static_cast<size_t>(a_rows) * words);
  b->bits.resize(static_cast<size_t>(b_rows) * words);
  for (uint64_t& word : a->bits) word = RandomWord(rng);
  for (uint64_t& word : b->bits) word = RandomWord(rng);
  for (int row = 0; row < a_rows; ++row) {
    const size_t copy = (static_cast<size_t>(row) * 7919) % b_rows;
    for (int k = 0; k < words; ++k) {
      const uint64_t flips = rng() & rng() & rng() & rng() & rng();
      b->bits[copy * words + k] =
          a->bits[static_cast<size_t>(row) * words + k] ^ flips;
    }
  }
  Recount(words, a);
  Recount(words, b);
}

struct Rate {
  double per_second;
  std::vector<DiceMatch> matches;
};

double ProcessCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + now.tv_nsec * 1e-9;
}

// Also reports on stderr the rate per CPU-second and the share of the
// threads' cores the process got: on a shared machine the wall-clock figure
// falls with the load, the CPU-time rate much less.
Rate Measure(const char* name, const internal::KernelOps& ops,
             const EncodingSet& a, size_t a_rows, const EncodingSet& b,
             int words) {
  const size_t b_rows = b.pop.size();
  const int threads = absl::GetFlag(FLAGS_threads);
  std::vector<double> rates;
  std::vector<DiceMatch> matches;
  double cpu_seconds = 0, wall_seconds = 0;
  for (int run = 0; run < absl::GetFlag(FLAGS_runs); ++run) {
    const double cpu_start = ProcessCpuSeconds();
    const double seconds = TimeSeconds([&] {
      matches = internal::AllPairsWith(
          ops, a.bits.data(), a.pop.data(), a_rows, b.bits.data(), b.pop.data(),
          b_rows, words, absl::GetFlag(FLAGS_threshold), threads);
    });
    cpu_seconds += ProcessCpuSeconds() - cpu_start;
    wall_seconds += seconds;
    rates.push_back(static_cast<double>(a_rows) * b_rows / seconds);
  }
  const double comparisons =
      static_cast<double>(a_rows) * b_rows * absl::GetFlag(FLAGS_runs);
  std::fprintf(stderr,
               "%s: %.3g comparisons per CPU-second; got %.0f%% of %d cores\n",
               name, comparisons / cpu_seconds,
               100 * cpu_seconds / wall_seconds / threads, threads);
  return Rate{.per_second = Median(rates), .matches = std::move(matches)};
}

bool SameMatches(const std::vector<DiceMatch>& x,
                 const std::vector<DiceMatch>& y, size_t a_rows) {
  std::vector<DiceMatch> x_prefix;
  for (const DiceMatch& match : x) {
    if (match.a < a_rows) x_prefix.push_back(match);
  }
  if (x_prefix.size() != y.size()) return false;
  for (size_t i = 0; i < y.size(); ++i) {
    if (x_prefix[i].a != y[i].a || x_prefix[i].b != y[i].b ||
        x_prefix[i].dice != y[i].dice) {
      return false;
    }
  }
  return true;
}

int Run() {
  const int words = absl::GetFlag(FLAGS_words);
  const int a_rows = absl::GetFlag(FLAGS_a_rows);
  EncodingSet a, b;
  MakeEncodings(a_rows, absl::GetFlag(FLAGS_b_rows), words, &a, &b);
  std::fprintf(stderr, "%s; %d x %d encodings of %d bits, %d threads\n",
               MachineDescription().c_str(), a_rows,
               absl::GetFlag(FLAGS_b_rows), words * 64,
               absl::GetFlag(FLAGS_threads));

  const std::string only = absl::GetFlag(FLAGS_only);
  if (!only.empty()) {
    const internal::KernelOps* ops = &internal::kPopcntBaselineOps;
    for (DiceKernel kernel : {DiceKernel::kAvx512, DiceKernel::kAvx2}) {
      if (only == linkage::DiceKernelName(kernel) &&
          linkage::ForceDiceKernel(kernel)) {
        ops = &internal::ActiveOps();
      }
    }
    std::fprintf(stderr, "%s: %.4g comparisons/s\n", only.c_str(),
                 Measure(only.c_str(), *ops, a, a_rows, b, words).per_second);
    return 0;
  }
  // The rate does not depend on the number of queries (each tile of B meets
  // every query), so the slower loops time fewer of them, in the same run on
  // the same data, and must find the same pairs among them.
  const size_t scalar_rows = std::min<size_t>(
      a_rows, static_cast<size_t>(absl::GetFlag(FLAGS_scalar_a_rows)));
  const size_t portable_rows = std::min<size_t>(
      scalar_rows, static_cast<size_t>(absl::GetFlag(FLAGS_portable_a_rows)));
  const DiceKernel best = linkage::ActiveDiceKernel();
  const Rate baseline =
      Measure("scalar", internal::kPopcntBaselineOps, a, scalar_rows, b, words);
  std::fprintf(stderr, "%zu pairs above the threshold among %zu queries\n",
               baseline.matches.size(), scalar_rows);
  double best_rate = baseline.per_second;
  for (DiceKernel kernel : {DiceKernel::kAvx512, DiceKernel::kAvx2}) {
    if (!linkage::DiceKernelSupported(kernel)) continue;
    linkage::ForceDiceKernel(kernel);
    const size_t rows = kernel == best ? a_rows : scalar_rows;
    const Rate rate = Measure(linkage::DiceKernelName(kernel),
                              internal::ActiveOps(), a, rows, b, words);
    if (!SameMatches(rate.matches, baseline.matches, scalar_rows)) {
      std::fprintf(stderr, "%s found different pairs\n",
                   linkage::DiceKernelName(kernel));
      return 1;
    }
    Figure(absl::StrCat("dice_", linkage::DiceKernelName(kernel), "_per_s"),
           rate.per_second);
    if (kernel == best) best_rate = rate.per_second;
  }
  linkage::ForceDiceKernel(best);
  const Rate portable =
      Measure("portable", internal::kScalarOps, a, portable_rows, b, words);
  if (!SameMatches(baseline.matches, portable.matches, portable_rows)) {
    std::fprintf(stderr, "the portable kernel found different pairs\n");
    return 1;
  }

  Figure("dice_scalar_per_s", baseline.per_second);
  Figure("dice_portable_per_s", portable.per_second);
  Figure("dice_comparisons_per_s", best_rate);
  Figure("dice_vs_scalar_ratio", best_rate / baseline.per_second);
  return 0;
}

}  // namespace
}  // namespace equilink::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return equilink::bench::Run();
}
