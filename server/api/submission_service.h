#ifndef EQUILINK_SERVER_API_SUBMISSION_SERVICE_H_
#define EQUILINK_SERVER_API_SUBMISSION_SERVICE_H_

// gRPC adapter for equilink.v1.SubmissionService: authenticate, authorise, hand
// each batch to the ingestor, and answer with its acknowledgement. Business
// rules live in server/ingest.

#include <atomic>

#include "absl/time/time.h"
#include "equilink/v1/submission.grpc.pb.h"
#include "server/api/ingest_budget.h"
#include "server/api/ingest_executor.h"
#include "server/auth/access_policy.h"
#include "server/ingest/batch_ingestor.h"
#include "server/store/store.h"

namespace equilink::api {

struct SubmissionServiceOptions {
  // Batches of one stream being validated and committed at once. More than one
  // lets the store fold a stream's consecutive batches into one transaction and
  // overlaps validation of the next batch with the commit of the previous one.
  int max_in_flight_batches_per_stream = 8;
  // Authorise the organisation again before each batch (a registry read), so
  // suspending an organisation stops its open streams at their next batch.
  // Off only in the benchmark's ungoverned baseline.
  bool reauthorise_each_batch = true;
  // Bytes of submitted batches held at once across every stream (see
  // ingest_budget.h); 0 unbounded. A stream waits up to
  // `ingest_budget_wait` for room before it ends with RESOURCE_EXHAUSTED.
  int64_t max_in_flight_batch_bytes = 256 << 20;
  absl::Duration ingest_budget_wait = absl::Seconds(10);
};

class SubmissionService final : public v1::SubmissionService::Service {
 public:
  // None of the pointers is owned; all must outlive the service. `draining`
  // becomes true when the gateway starts a graceful shutdown: in-flight batches
  // finish, new ones are refused.
  SubmissionService(auth::CallAuthoriser* authoriser,
                    const ingest::BatchIngestor* ingestor, store::Store* store,
                    IngestExecutor* executor, const std::atomic<bool>* draining,
                    SubmissionServiceOptions options = {});

  grpc::Status Submit(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::BatchAck, v1::SubmissionBatch>* stream)
      override;

  grpc::Status GetSubmissionStatus(
      grpc::ServerContext* context,
      const v1::GetSubmissionStatusRequest* request,
      v1::SubmissionStatus* response) override;

  const IngestBudget& ingest_budget() const { return budget_; }

 private:
  // The calling organisation, or the status to answer with. Every handler calls
  // this first.
  absl::StatusOr<auth::Principal> AuthoriseCaller(
      const grpc::ServerContext& context, absl::string_view full_method);

  auth::CallAuthoriser* const authoriser_;
  const ingest::BatchIngestor* const ingestor_;
  store::Store* const store_;
  IngestExecutor* const executor_;
  const std::atomic<bool>* const draining_;
  const SubmissionServiceOptions options_;
  IngestBudget budget_;
};

}  // namespace equilink::api

#endif  // EQUILINK_SERVER_API_SUBMISSION_SERVICE_H_
