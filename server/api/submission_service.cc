#include "server/api/submission_service.h"

#include <deque>
#include <future>
#include <thread>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "common/log/log.h"
#include "common/rpc/status_grpc.h"
#include "common/status/retry_after.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/unknown_field_set.h"
#include "server/auth/authenticate.h"
#include "server/ingest/unknown_fields.h"

namespace equilink::api {
namespace {

constexpr char kSubmitMethod[] = "/equilink.v1.SubmissionService/Submit";
constexpr char kGetSubmissionStatusMethod[] =
    "/equilink.v1.SubmissionService/GetSubmissionStatus";

absl::Status DrainingStatus() {
  return absl::UnavailableError("gateway is shutting down; retry later");
}

// A received batch and the arena its thousands of records and strings are
// parsed into: one block allocation and one release per batch instead of an
// allocation and a free per message and field (they showed up as a tenth of
// the gateway's CPU). Shared between the reading thread and the ingest task.
struct ReceivedBatch {
  ReceivedBatch() : arena(Options()) {
    batch = google::protobuf::Arena::CreateMessage<v1::SubmissionBatch>(&arena);
  }
  static google::protobuf::ArenaOptions Options() {
    google::protobuf::ArenaOptions options;
    // A batch of 2,000 records parses into ~2-3 MiB.
    options.start_block_size = 256 << 10;
    options.max_block_size = 4 << 20;
    return options;
  }
  google::protobuf::Arena arena;
  v1::SubmissionBatch* batch = nullptr;  // owned by `arena`
};

// gRPC's synchronous Read returns false both when the client half-closes and
// when a message arrives that does not parse, so the handler marks each
// message before reading into it. Parsing always begins by clearing the
// message (protobuf's ParseFrom* contract, which gRPC's deserialiser uses),
// so a mark that is gone after a failed Read means bytes arrived and were not
// a SubmissionBatch; a mark still there means no message came at all.
// The mark is an unknown field no schema version uses.
constexpr int kUnreadMarkField = 536870911;  // the largest field number

void MarkUnread(v1::SubmissionBatch& batch) {
  batch.GetReflection()->MutableUnknownFields(&batch)->AddVarint(
      kUnreadMarkField, 1);
}

bool StillUnread(const v1::SubmissionBatch& batch) {
  return !batch.GetReflection()->GetUnknownFields(batch).empty();
}

}  // namespace

SubmissionService::SubmissionService(auth::CallAuthoriser* authoriser,
                                     const ingest::BatchIngestor* ingestor,
                                     store::Store* store,
                                     IngestExecutor* executor,
                                     const std::atomic<bool>* draining,
                                     SubmissionServiceOptions options)
    : authoriser_(authoriser),
      ingestor_(ingestor),
      store_(store),
      executor_(executor),
      draining_(draining),
      options_(options),
      budget_(options.max_in_flight_batch_bytes) {}

absl::StatusOr<auth::Principal> SubmissionService::AuthoriseCaller(
    const grpc::ServerContext& context, absl::string_view full_method) {
  return authoriser_->Authorise(*context.auth_context(), full_method);
}

grpc::Status SubmissionService::Submit(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::BatchAck, v1::SubmissionBatch>* stream) {
  absl::StatusOr<auth::Principal> principal =
      AuthoriseCaller(*context, kSubmitMethod);
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  if (draining_->load()) return ToGrpcStatus(DrainingStatus());
  const std::string organisation = principal->organisation_code;
  // Authorise has just read it from the same context, so it is there.
  const std::string certificate_sha256 =
      auth::CertificateSha256FromAuthContext(*context->auth_context())
          .value_or(std::string());

  // Acks go back in the order batches arrived, each once its batch is
  // durable, written by a thread of their own: this thread blocks in Read
  // waiting for the next batch, and a client whose window of unacknowledged
  // batches is full sends none until it has an ack, so acks written only
  // between Reads could wait forever.
  struct InFlight {
    std::future<absl::StatusOr<v1::BatchAck>> ack;
    int64_t bytes = 0;  // taken from budget_ until the ack is written
  };
  absl::Mutex mu;
  std::deque<InFlight> in_flight ABSL_GUARDED_BY(mu);
  int outstanding ABSL_GUARDED_BY(mu) = 0;  // queued or being written
  bool reading_done ABSL_GUARDED_BY(mu) = false;
  // The first failure, from either side; no ack is written after it.
  absl::Status stream_status ABSL_GUARDED_BY(mu);
  // Set when a message fails to parse; reported after the batches before it
  // are acknowledged, since they stand.
  absl::Status parse_status;
  auto fail = [&](absl::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (stream_status.ok()) stream_status = std::move(status);
  };

  std::thread ack_writer([&] {
    bool cancelled = false;
    for (;;) {
      InFlight next;
      {
        absl::MutexLock lock(&mu);
        auto has_work = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
          return !in_flight.empty() || reading_done;
        };
        // After a failure the reader may be blocked in Read on a client that
        // waits for an ack that will not come: end the call if it does not
        // come back by itself. The client then sees CANCELLED.
        while (!mu.AwaitWithTimeout(absl::Condition(&has_work),
                                    absl::Seconds(5))) {
          if (!stream_status.ok() && !cancelled) {
            context->TryCancel();
            cancelled = true;
          }
        }
        if (in_flight.empty()) return;  // reading is done and all is written
        next = std::move(in_flight.front());
        in_flight.pop_front();
      }
      absl::StatusOr<v1::BatchAck> ack = next.ack.get();
      budget_.Release(next.bytes);
      bool write = false;
      {
        absl::MutexLock lock(&mu);
        --outstanding;
        if (!ack.ok()) fail(ack.status());
        write = stream_status.ok();
      }
      if (write && !stream->Write(*ack)) {
        absl::MutexLock lock(&mu);
        fail(absl::CancelledError("client went away"));
      }
    }
  });

  for (;;) {
    {
      absl::MutexLock lock(&mu);
      auto room = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
        return outstanding < options_.max_in_flight_batches_per_stream ||
               !stream_status.ok();
      };
      mu.Await(absl::Condition(&room));
      if (!stream_status.ok()) break;
    }
    auto received = std::make_shared<ReceivedBatch>();
    MarkUnread(*received->batch);
    if (!stream->Read(received->batch)) {
      if (!StillUnread(*received->batch)) {
        parse_status = absl::InvalidArgumentError(
            "a message on the stream is not a SubmissionBatch; nothing after "
            "the last acknowledged batch was stored");
      }
      break;
    }
    if (draining_->load()) {
      absl::MutexLock lock(&mu);
      fail(DrainingStatus());
      break;
    }
    if (options_.reauthorise_each_batch) {
      // Audited by the authoriser when it refuses.
      absl::StatusOr<auth::Principal> still_allowed =
          authoriser_->AuthoriseOrganisation(organisation, principal->person,
                                             certificate_sha256, kSubmitMethod);
      if (!still_allowed.ok()) {
        absl::MutexLock lock(&mu);
        fail(still_allowed.status());
        break;
      }
    }
    // Holding the batch counts against the gateway's budget; while there is
    // no room this stream reads nothing more, so its client is held back.
    const auto bytes = static_cast<int64_t>(received->batch->ByteSizeLong());
    if (absl::Status room = budget_.Acquire(bytes, options_.ingest_budget_wait);
        !room.ok()) {
      absl::MutexLock lock(&mu);
      fail(std::move(room));
      break;
    }
    std::future<absl::StatusOr<v1::BatchAck>> ack =
        executor_->Schedule<absl::StatusOr<v1::BatchAck>>(
            [this, &organisation, received]() {
              // Before anything else looks at the batch (unknown_fields.h).
              ingest::DropUnknownFields(*received->batch);
              return ingestor_->Ingest(organisation, *received->batch);
            });
    absl::MutexLock lock(&mu);
    in_flight.push_back({std::move(ack), bytes});
    ++outstanding;
  }
  absl::Status stream_status_copy;
  {
    absl::MutexLock lock(&mu);
    reading_done = true;
  }
  ack_writer.join();
  {
    absl::MutexLock lock(&mu);
    stream_status_copy = stream_status;
  }
  if (stream_status_copy.ok()) stream_status_copy = parse_status;
  if (!stream_status_copy.ok()) {
    EQ_LOG(kWarning, "submission stream from %s ended: %s", organisation,
           stream_status_copy.ToString(
               absl::StatusToStringMode::kWithNoExtraData));
  }
  // The retry hint travels as trailing metadata: grpc::Status has no room
  // for structured details the client could read without parsing text.
  if (std::optional<absl::Duration> retry_after =
          RetryAfter(stream_status_copy)) {
    context->AddTrailingMetadata(
        kRetryAfterMetadata,
        absl::StrCat(absl::ToInt64Milliseconds(*retry_after)));
  }
  return ToGrpcStatus(stream_status_copy);
}

grpc::Status SubmissionService::GetSubmissionStatus(
    grpc::ServerContext* context, const v1::GetSubmissionStatusRequest* request,
    v1::SubmissionStatus* response) {
  absl::StatusOr<auth::Principal> principal =
      AuthoriseCaller(*context, kGetSubmissionStatusMethod);
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  if (!ingest::IsWellFormedId(request->submission_id())) {
    return ToGrpcStatus(
        absl::InvalidArgumentError("submission_id is malformed"));
  }
  absl::StatusOr<std::vector<uint64_t>> sequences = store_->DurableSequences(
      principal->organisation_code, request->submission_id());
  if (!sequences.ok()) return ToGrpcStatus(sequences.status());
  absl::StatusOr<uint64_t> records = store_->RecordsInSubmission(
      principal->organisation_code, request->submission_id());
  if (!records.ok()) return ToGrpcStatus(records.status());
  response->set_submission_id(request->submission_id());
  response->mutable_durable_sequences()->Add(sequences->begin(),
                                             sequences->end());
  response->set_records_stored(*records);
  return grpc::Status::OK;
}

}  // namespace equilink::api
