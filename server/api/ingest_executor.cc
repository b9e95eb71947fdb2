#include "server/api/ingest_executor.h"

#include <algorithm>
#include <utility>

namespace equilink::api {

IngestExecutor::IngestExecutor(int threads) {
  for (int i = 0; i < std::max(threads, 1); ++i) {
    threads_.emplace_back([this] { WorkLoop(); });
  }
}

IngestExecutor::~IngestExecutor() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) thread.join();
}

void IngestExecutor::Enqueue(std::function<void()> work) {
  absl::MutexLock lock(&mu_);
  queue_.push_back(std::move(work));
}

bool IngestExecutor::HasWorkOrStopping() const {
  return !queue_.empty() || stopping_;
}

void IngestExecutor::WorkLoop() {
  while (true) {
    std::function<void()> work;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &IngestExecutor::HasWorkOrStopping));
      if (queue_.empty()) return;  // stopping, and nothing left to run
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    work();
  }
}

}  // namespace equilink::api
