#include "server/ingest/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/retry_after.h"

namespace equilink::ingest {

RateLimiter::RateLimiter(Options options) : options_(std::move(options)) {}

absl::Status RateLimiter::Acquire(absl::string_view organisation_code,
                                  uint64_t records) {
  const double wanted = static_cast<double>(records);
  if (wanted > options_.burst_records) {
    return absl::ResourceExhaustedError(
        absl::StrCat("S11: the batch of ", records,
                     " records exceeds the organisation's rate limit burst of ",
                     static_cast<uint64_t>(options_.burst_records),
                     " records; send smaller batches"));
  }
  absl::Duration wait;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = options_.clock();
    auto [it, inserted] = buckets_.try_emplace(organisation_code);
    Bucket& bucket = it->second;
    if (inserted) {
      bucket.tokens = options_.burst_records;
      bucket.updated = now;
    }
    bucket.tokens =
        std::min(options_.burst_records,
                 bucket.tokens + absl::ToDoubleSeconds(now - bucket.updated) *
                                     options_.records_per_second);
    bucket.updated = now;
    if (bucket.tokens >= wanted) {
      bucket.tokens -= wanted;
      return absl::OkStatus();
    }
    wait =
        absl::Seconds((wanted - bucket.tokens) / options_.records_per_second);
    if (wait > options_.max_wait) {
      const double retry_seconds =
          std::ceil(absl::ToDoubleSeconds(wait) * 10) / 10;
      return WithRetryAfter(
          absl::ResourceExhaustedError(absl::StrFormat(
              "S11: the organisation's submission rate limit (%.0f "
              "records/s) is exceeded; retry after %.1f s",
              options_.records_per_second, retry_seconds)),
          absl::Seconds(retry_seconds));
    }
    // Reserve now (the bucket goes negative) so batches waiting together
    // queue behind each other instead of all waking to the same tokens.
    bucket.tokens -= wanted;
  }
  options_.sleep(wait);
  return absl::OkStatus();
}

}  // namespace equilink::ingest
