#ifndef EQUILINK_SERVER_INGEST_BATCH_INGESTOR_H_
#define EQUILINK_SERVER_INGEST_BATCH_INGESTOR_H_

// The gateway's submission rules for one batch, independent of gRPC: check the
// envelope, validate every record again (the gateway never trusts the client),
// write the accepted records durably, and build the acknowledgement that may be
// sent only after that write.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "equilink/v1/submission.pb.h"
#include "server/store/store.h"

namespace equilink::ingest {

struct IngestOptions {
  uint32_t max_batch_records = 5000;
  // Linkage key ids this linkage domain uses. Tokens made under another key
  // cannot be linked, so such a batch is refused. Empty accepts any key id.
  std::vector<std::string> accepted_key_ids;
};

// True for 1-64 characters of [A-Za-z0-9._-]: the shape of submission, dataset
// and key ids.
bool IsWellFormedId(absl::string_view id);

class BatchIngestor {
 public:
  // `store` is not owned and must outlive the ingestor.
  BatchIngestor(store::Store* store, IngestOptions options);

  // Processes one batch from `organisation_code` (already authenticated and
  // authorised). Returns the acknowledgement once the accepted records are
  // durable:
  //  - BATCH_ACCEPTED or BATCH_PARTIALLY_ACCEPTED with one RecordRejection per
  //  refused record;
  //  - BATCH_REJECTED with a reason when the batch as a whole breaks a rule
  //  (too many records,
  //    an unaccepted key id); nothing from it is stored, so a corrected re-send
  //    is possible;
  //  - the stored acknowledgement with already_stored set when this (submission
  //  id, sequence)
  //    was durable before.
  // InvalidArgument when the envelope cannot even be keyed (malformed
  // submission id); the store's error (e.g. Unavailable while closing) when the
  // write fails. Thread-safe.
  absl::StatusOr<v1::BatchAck> Ingest(absl::string_view organisation_code,
                                      const v1::SubmissionBatch& batch) const;

 private:
  store::Store* const store_;
  const IngestOptions options_;
};

}  // namespace equilink::ingest

#endif  // EQUILINK_SERVER_INGEST_BATCH_INGESTOR_H_
