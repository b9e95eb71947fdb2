#include "client/pipeline/submission_client.h"

#include <deque>
#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/rpc/status_grpc.h"
#include "common/status/retry_after.h"
#include "grpcpp/client_context.h"

namespace equilink::client {
namespace {

// Batches sent and not yet acknowledged, shared by the writer (this thread) and
// the ack reader.
class Window {
 public:
  explicit Window(int capacity) : capacity_(capacity) {}

  // Blocks until there is room or the reader has finished.
  void Push(uint64_t sequence, std::vector<int> record_rows) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](Window* w) {
          return static_cast<int>(w->pending_.size()) < w->capacity_ ||
                 w->done_;
        },
        this));
    pending_.push_back({sequence, std::move(record_rows)});
  }

  // The record rows of the oldest pending batch if it has `sequence`.
  absl::StatusOr<std::vector<int>> Pop(uint64_t sequence) {
    absl::MutexLock lock(&mu_);
    if (pending_.empty() || pending_.front().sequence != sequence) {
      return absl::InternalError(absl::StrCat("gateway acknowledged sequence ",
                                              sequence, " out of order"));
    }
    std::vector<int> rows = std::move(pending_.front().record_rows);
    pending_.pop_front();
    return rows;
  }

  void MarkDone() {
    absl::MutexLock lock(&mu_);
    done_ = true;
  }

  size_t size() {
    absl::MutexLock lock(&mu_);
    return pending_.size();
  }

 private:
  struct Pending {
    uint64_t sequence;
    std::vector<int> record_rows;
  };
  absl::Mutex mu_;
  std::deque<Pending> pending_ ABSL_GUARDED_BY(mu_);
  const int capacity_;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

SubmissionClient::SubmissionClient(std::shared_ptr<grpc::Channel> channel,
                                   SubmissionClientOptions options)
    : stub_(v1::SubmissionService::NewStub(std::move(channel))),
      options_(options) {}

absl::StatusOr<v1::SubmissionStatus> SubmissionClient::GetStatus(
    const std::string& submission_id) {
  grpc::ClientContext context;
  context.set_deadline(
      absl::ToChronoTime(absl::Now() + options_.unary_deadline));
  v1::GetSubmissionStatusRequest request;
  request.set_submission_id(submission_id);
  v1::SubmissionStatus response;
  grpc::Status status =
      stub_->GetSubmissionStatus(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::Status SubmissionClient::Stream(const BatchSource& source,
                                      const AckSink& sink,
                                      const WireObserver& observer) {
  grpc::ClientContext context;
  context.set_deadline(
      absl::ToChronoTime(absl::Now() + options_.stream_deadline));
  std::unique_ptr<grpc::ClientReaderWriter<v1::SubmissionBatch, v1::BatchAck>>
      stream = stub_->Submit(&context);

  Window window(options_.max_unacknowledged_batches);
  absl::Status reader_status;
  std::thread reader([&] {
    v1::BatchAck ack;
    while (stream->Read(&ack)) {
      absl::StatusOr<std::vector<int>> rows = window.Pop(ack.sequence());
      if (!rows.ok()) {
        reader_status = rows.status();
        context.TryCancel();
        break;
      }
      sink(ack, *rows);
    }
    window.MarkDone();
  });

  absl::Status source_status;
  OutgoingBatch outgoing;
  std::string wire;
  while (true) {
    absl::StatusOr<bool> more = source(&outgoing);
    if (!more.ok()) {
      source_status = more.status();
      break;
    }
    if (!*more) break;
    if (observer) {
      outgoing.batch.SerializeToString(&wire);
      observer(wire);
    }
    window.Push(outgoing.batch.sequence(), std::move(outgoing.record_rows));
    if (!stream->Write(outgoing.batch))
      break;  // the stream failed: Finish says why
    // `outgoing` is not reset: the source overwrites it, and may take back
    // the written batch's memory (RecordPipeline recycles its records).
  }
  stream->WritesDone();
  reader.join();
  grpc::Status finish = stream->Finish();
  if (!source_status.ok()) return source_status;
  if (!reader_status.ok()) return reader_status;
  if (!finish.ok()) {
    absl::Status failed = FromGrpcStatus(finish);
    // A full gateway says when to come back (common/status/retry_after.h).
    const auto& trailers = context.GetServerTrailingMetadata();
    if (auto hint = trailers.find(kRetryAfterMetadata);
        hint != trailers.end()) {
      int64_t milliseconds = 0;
      if (absl::SimpleAtoi(
              absl::string_view(hint->second.data(), hint->second.size()),
              &milliseconds) &&
          milliseconds >= 0) {
        failed = WithRetryAfter(failed, absl::Milliseconds(milliseconds));
      }
    }
    return failed;
  }
  if (window.size() != 0) {
    return absl::UnavailableError(
        "stream ended before every batch was acknowledged");
  }
  return absl::OkStatus();
}

}  // namespace equilink::client
