#include "server/api/ingest_budget.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status/retry_after.h"

namespace equilink::api {
namespace {

// Long enough for a commit or two to drain the queue, short enough that a
// client retries promptly once the disk catches up.
constexpr absl::Duration kRetryAfter = absl::Seconds(2);

}  // namespace

absl::Status IngestBudget::Acquire(int64_t bytes, absl::Duration max_wait) {
  absl::MutexLock lock(&mu_);
  if (capacity_ > 0) {
    auto fits = [this, bytes]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return in_use_ == 0 || in_use_ + bytes <= capacity_;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&fits), max_wait)) {
      return WithRetryAfter(
          absl::ResourceExhaustedError(absl::StrCat(
              "the gateway is holding as many submitted batches as it may (",
              capacity_ >> 20, " MiB) while its disk catches up; retry after ",
              absl::ToInt64Seconds(kRetryAfter), " s")),
          kRetryAfter);
    }
  }
  in_use_ += bytes;
  peak_ = std::max(peak_, in_use_);
  return absl::OkStatus();
}

void IngestBudget::Release(int64_t bytes) {
  absl::MutexLock lock(&mu_);
  in_use_ -= bytes;
}

int64_t IngestBudget::in_use() const {
  absl::MutexLock lock(&mu_);
  return in_use_;
}

int64_t IngestBudget::peak() const {
  absl::MutexLock lock(&mu_);
  return peak_;
}

}  // namespace equilink::api
