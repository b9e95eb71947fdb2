#ifndef EQUILINK_SERVER_INGEST_RATE_LIMITER_H_
#define EQUILINK_SERVER_INGEST_RATE_LIMITER_H_

// Per-organisation submission rate limit (rule S11, "per-party rate limit"):
// a token bucket of records per organisation, so one organisation's bulk
// load cannot take every other organisation's share of the disk and the
// writer. A batch takes as many tokens as it has records.

#include <cstdint>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace equilink::ingest {

class RateLimiter {
 public:
  struct Options {
    double records_per_second = 50000;
    double burst_records = 250000;
    // How long a batch may wait for tokens before it is refused.
    absl::Duration max_wait = absl::Seconds(1);
    std::function<absl::Time()> clock = [] { return absl::Now(); };
    // Waits; tests replace it to advance a fake clock instead.
    std::function<void(absl::Duration)> sleep = [](absl::Duration d) {
      absl::SleepFor(d);
    };
  };

  explicit RateLimiter(Options options);

  // Takes `records` tokens from the organisation's bucket, waiting up to
  // max_wait for them to accrue. ResourceExhausted, with a retry hint in
  // seconds and the rule id S11, when they would not accrue in time; nothing
  // is taken then. A batch larger than the burst can never pass and is refused
  // at once with that explanation. Thread-safe.
  absl::Status Acquire(absl::string_view organisation_code, uint64_t records);

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time updated;
  };

  const Options options_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace equilink::ingest

#endif  // EQUILINK_SERVER_INGEST_RATE_LIMITER_H_
