#ifndef EQUILINK_TESTS_BENCH_BENCH_UTIL_H_
#define EQUILINK_TESTS_BENCH_BENCH_UTIL_H_

// Shared by the benchmark tools run by `make bench`: figures are printed as
//   FIGURE <name> <number>
// lines, which scripts/bench.sh collects into build/bench/results.json.

#include <cstdio>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"

namespace equilink::bench {

inline void Figure(absl::string_view name, double value) {
  std::printf("FIGURE %.*s %.6g\n", static_cast<int>(name.size()), name.data(),
              value);
  std::fflush(stdout);
}

// Wall-clock seconds of `fn`.
template <typename Fn>
double TimeSeconds(Fn&& fn) {
  const absl::Time start = absl::Now();
  fn();
  return absl::ToDoubleSeconds(absl::Now() - start);
}

// This machine, for docs/BENCHMARKS.md: CPU model and core count.
std::string MachineDescription();

}  // namespace equilink::bench

#endif  // EQUILINK_TESTS_BENCH_BENCH_UTIL_H_
