#ifndef EQUILINK_CLIENT_PIPELINE_SUBMISSION_CLIENT_H_
#define EQUILINK_CLIENT_PIPELINE_SUBMISSION_CLIENT_H_

// The client end of equilink.v1.SubmissionService: one bidirectional stream per
// submission, batches written ahead of their acknowledgements within a bounded
// window.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "equilink/v1/submission.grpc.pb.h"
#include "grpcpp/channel.h"

namespace equilink::client {

// A batch ready to send, with the CSV row number of each of its records so that
// a gateway rejection (which names a record index) can be reported against the
// row it came from.
struct OutgoingBatch {
  v1::SubmissionBatch batch;
  std::vector<int> record_rows;
};

// Supplies batches in sequence order; returns false when there are no more, or
// an error. *out still holds the previous batch, already written: the source
// must set every field of it, and may reuse its memory.
using BatchSource = std::function<absl::StatusOr<bool>(OutgoingBatch* out)>;

// Sees every acknowledgement together with the batch's record rows, in sequence
// order.
using AckSink = std::function<void(const v1::BatchAck& ack,
                                   const std::vector<int>& record_rows)>;

// Sees the exact bytes of every batch as serialized for the wire (the privacy
// tests scan them).
using WireObserver = std::function<void(const std::string& serialized_batch)>;

struct SubmissionClientOptions {
  int max_unacknowledged_batches =
      16;  // bounds client memory and gateway queueing
  absl::Duration stream_deadline = absl::Hours(12);
  absl::Duration unary_deadline = absl::Seconds(30);
};

class SubmissionClient {
 public:
  // `channel` is shared with the caller (gRPC channels are reference-counted).
  SubmissionClient(std::shared_ptr<grpc::Channel> channel,
                   SubmissionClientOptions options);

  // Which sequences of a submission the gateway already holds durably.
  absl::StatusOr<v1::SubmissionStatus> GetStatus(
      const std::string& submission_id);

  // Sends every batch `source` yields on one stream and hands each
  // acknowledgement to `sink`. Returns once every sent batch is acknowledged.
  // The gateway's status when the stream fails (e.g. UNAVAILABLE during its
  // shutdown, PERMISSION_DENIED for an unregistered organisation); batches
  // acknowledged before the failure are durable, and a re-run resumes after
  // them.
  absl::Status Stream(const BatchSource& source, const AckSink& sink,
                      const WireObserver& observer = nullptr);

 private:
  std::unique_ptr<v1::SubmissionService::Stub> stub_;
  const SubmissionClientOptions options_;
};

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_PIPELINE_SUBMISSION_CLIENT_H_
