#ifndef EQUILINK_SERVER_API_INGEST_EXECUTOR_H_
#define EQUILINK_SERVER_API_INGEST_EXECUTOR_H_

// A fixed set of threads that validate and commit batches for every submission
// stream. Each stream keeps several batches in flight so the store can fold
// them into one transaction; a thread per batch (std::async) measured as
// page-fault and thread-creation churn in the gateway's profile, so the threads
// are made once.

#include <deque>
#include <functional>
#include <future>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace equilink::api {

class IngestExecutor {
 public:
  // Starts `threads` (at least 1) worker threads.
  explicit IngestExecutor(int threads);
  // Runs every task already scheduled, then joins the threads.
  ~IngestExecutor();
  IngestExecutor(const IngestExecutor&) = delete;
  IngestExecutor& operator=(const IngestExecutor&) = delete;

  // Runs `task` on a worker thread; its result arrives through the future.
  // Thread-safe.
  template <typename T>
  std::future<T> Schedule(std::function<T()> task) {
    auto packaged = std::make_shared<std::packaged_task<T()>>(std::move(task));
    std::future<T> result = packaged->get_future();
    Enqueue([packaged] { (*packaged)(); });
    return result;
  }

 private:
  void Enqueue(std::function<void()> work);
  void WorkLoop();
  bool HasWorkOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace equilink::api

#endif  // EQUILINK_SERVER_API_INGEST_EXECUTOR_H_
