#ifndef EQUILINK_TESTS_BENCH_BENCH_UTIL_H_
#define EQUILINK_TESTS_BENCH_BENCH_UTIL_H_

// Shared by the benchmark tools run by `make bench`: figures are printed as
//   FIGURE <name> <number>
// lines, which scripts/bench.sh collects into build/bench/results.json.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"

namespace equilink::bench {

inline void Figure(absl::string_view name, double value) {
  std::printf("FIGURE %.*s %.6g\n", static_cast<int>(name.size()), name.data(),
              value);
  std::fflush(stdout);
}

// The value, or the status printed and the tool ended: a benchmark has nobody
// to report to.
template <typename T>
T OrDie(absl::StatusOr<T> value) {
  if (!value.ok()) {
    std::fprintf(stderr, "%s\n", value.status().ToString().c_str());
    std::exit(1);
  }
  return *std::move(value);
}

// The same for a status with no value.
inline void OrDie(const absl::Status& status) {
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    std::exit(1);
  }
}

// Wall-clock seconds of `fn`.
template <typename Fn>
double TimeSeconds(Fn&& fn) {
  const absl::Time start = absl::Now();
  fn();
  return absl::ToDoubleSeconds(absl::Now() - start);
}

// The median of `values` (the upper middle one of an even count); 0 when empty.
// Repeated runs report it because one slow run on a shared machine should not
// move a figure.
double Median(std::vector<double> values);

// This machine, for docs/BENCHMARKS.md: CPU model and core count.
std::string MachineDescription();

}  // namespace equilink::bench

#endif  // EQUILINK_TESTS_BENCH_BENCH_UTIL_H_
