#ifndef EQUILINK_SERVER_API_INGEST_BUDGET_H_
#define EQUILINK_SERVER_API_INGEST_BUDGET_H_

// The gateway-wide bound on submitted batches held in memory.
//
// Each stream already keeps at most a few batches in flight, but with many
// streams and a disk slower than the clients, those add up with no bound.
// Every batch read from a stream takes its size from this budget before it
// is queued and gives it back once its acknowledgement is written. A stream
// that cannot take its batch's size waits without reading further, so gRPC's
// flow control stops its client from sending (backpressure to the client's
// disk read); if the budget stays exhausted past the wait, the stream ends
// with RESOURCE_EXHAUSTED and a retry hint, which `equilink submit` honours
// by resuming after the hinted delay. Memory then holds at most the budget,
// plus one batch per open stream that is waiting.

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace equilink::api {

class IngestBudget {
 public:
  // `capacity_bytes` 0: unbounded (Acquire always succeeds at once).
  explicit IngestBudget(int64_t capacity_bytes) : capacity_(capacity_bytes) {}

  // Takes `bytes`, waiting at most `max_wait` for them to be given back. A
  // batch larger than the whole budget is let through when nothing else is
  // held, so it cannot wait forever. ResourceExhausted with a retry hint
  // (common/status/retry_after.h) when the wait ran out.
  absl::Status Acquire(int64_t bytes, absl::Duration max_wait);
  void Release(int64_t bytes);

  int64_t capacity() const { return capacity_; }
  int64_t in_use() const;
  int64_t peak() const;  // the most ever held at once

 private:
  const int64_t capacity_;
  mutable absl::Mutex mu_;
  int64_t in_use_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t peak_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace equilink::api

#endif  // EQUILINK_SERVER_API_INGEST_BUDGET_H_
