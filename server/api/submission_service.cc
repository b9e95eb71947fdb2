#include "server/api/submission_service.h"

#include <deque>
#include <future>
#include <utility>

#include "common/log/log.h"
#include "common/rpc/status_grpc.h"
#include "common/status/retry_after.h"
#include "google/protobuf/arena.h"
#include "server/auth/authenticate.h"

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

  // Acks go back in the order batches arrived; each is written only once its
  // batch is durable.
  struct InFlight {
    std::future<absl::StatusOr<v1::BatchAck>> ack;
    int64_t bytes = 0;  // taken from budget_ until the ack is written
  };
  std::deque<InFlight> in_flight;
  absl::Status stream_status;
  auto write_oldest = [&]() {
    absl::StatusOr<v1::BatchAck> ack = in_flight.front().ack.get();
    budget_.Release(in_flight.front().bytes);
    in_flight.pop_front();
    if (!stream_status.ok()) return;
    if (!ack.ok()) {
      stream_status = ack.status();
      return;
    }
    if (!stream->Write(*ack))
      stream_status = absl::CancelledError("client went away");
  };

  for (;;) {
    if (!stream_status.ok()) break;
    auto received = std::make_shared<ReceivedBatch>();
    if (!stream->Read(received->batch)) break;
    if (draining_->load()) {
      stream_status = DrainingStatus();
      break;
    }
    if (options_.reauthorise_each_batch) {
      // Audited by the authoriser when it refuses.
      absl::StatusOr<auth::Principal> still_allowed =
          authoriser_->AuthoriseOrganisation(organisation, principal->person,
                                             certificate_sha256, kSubmitMethod);
      if (!still_allowed.ok()) {
        stream_status = still_allowed.status();
        break;
      }
    }
    // Holding the batch counts against the gateway's budget; while there is
    // no room this stream reads nothing more, so its client is held back.
    const auto bytes = static_cast<int64_t>(received->batch->ByteSizeLong());
    if (absl::Status room = budget_.Acquire(bytes, options_.ingest_budget_wait);
        !room.ok()) {
      stream_status = std::move(room);
      break;
    }
    in_flight.push_back({executor_->Schedule<absl::StatusOr<v1::BatchAck>>(
                             [this, &organisation, received]() {
                               return ingestor_->Ingest(organisation,
                                                        *received->batch);
                             }),
                         bytes});
    while (!in_flight.empty() &&
           (static_cast<int>(in_flight.size()) >=
                options_.max_in_flight_batches_per_stream ||
            in_flight.front().ack.wait_for(std::chrono::seconds(0)) ==
                std::future_status::ready)) {
      write_oldest();
    }
  }
  while (!in_flight.empty()) write_oldest();
  if (!stream_status.ok()) {
    EQ_LOG(kWarning, "submission stream from %s ended: %s", organisation,
           stream_status.ToString(absl::StatusToStringMode::kWithNoExtraData));
  }
  // The retry hint travels as trailing metadata: grpc::Status has no room
  // for structured details the client could read without parsing text.
  if (std::optional<absl::Duration> retry_after = RetryAfter(stream_status)) {
    context->AddTrailingMetadata(
        kRetryAfterMetadata,
        absl::StrCat(absl::ToInt64Milliseconds(*retry_after)));
  }
  return ToGrpcStatus(stream_status);
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
