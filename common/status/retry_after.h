#ifndef EQUILINK_COMMON_STATUS_RETRY_AFTER_H_
#define EQUILINK_COMMON_STATUS_RETRY_AFTER_H_

// A retry hint carried by a RESOURCE_EXHAUSTED status: the gateway is full
// (its ingest budget, or an organisation's rate limit) and says how long to
// wait. Inside a process it is an absl::Status payload; on the wire the
// gateway sends it as trailing metadata, which `equilink submit` reads and
// honours by resuming the submission after the delay.

#include <optional>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace equilink {

inline constexpr char kRetryAfterMetadata[] = "equilink-retry-after-ms";

// `status` with the hint attached.
absl::Status WithRetryAfter(absl::Status status, absl::Duration delay);

// The hint, when `status` carries a well-formed one.
std::optional<absl::Duration> RetryAfter(const absl::Status& status);

}  // namespace equilink

#endif  // EQUILINK_COMMON_STATUS_RETRY_AFTER_H_
