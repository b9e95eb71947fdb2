#include "server/ingest/batch_ingestor.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "common/validate/record_rules.h"

namespace equilink::ingest {
namespace {

v1::BatchAck RejectedAck(const v1::SubmissionBatch& batch, std::string reason) {
  v1::BatchAck ack;
  ack.set_submission_id(batch.submission_id());
  ack.set_sequence(batch.sequence());
  ack.set_outcome(v1::BATCH_REJECTED);
  ack.set_records_rejected(static_cast<uint32_t>(batch.records_size()));
  ack.set_reason(std::move(reason));
  return ack;
}

}  // namespace

bool IsWellFormedId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
           c == '_' || c == '-';
  });
}

BatchIngestor::BatchIngestor(store::Store* store, IngestOptions options)
    : store_(store), options_(std::move(options)) {}

absl::StatusOr<v1::BatchAck> BatchIngestor::Ingest(
    absl::string_view organisation_code,
    const v1::SubmissionBatch& batch) const {
  if (!IsWellFormedId(batch.submission_id())) {
    return absl::InvalidArgumentError(
        "batch submission_id must be 1-64 characters of A-Z, a-z, 0-9, '.', "
        "'_' or '-'");
  }
  if (static_cast<uint32_t>(batch.records_size()) >
      options_.max_batch_records) {
    return RejectedAck(batch, absl::StrCat("batch has ", batch.records_size(),
                                           " records; the limit is ",
                                           options_.max_batch_records));
  }
  if (!IsWellFormedId(batch.key_id())) {
    return RejectedAck(batch, "key_id is missing or malformed");
  }
  if (!options_.accepted_key_ids.empty() &&
      std::find(options_.accepted_key_ids.begin(),
                options_.accepted_key_ids.end(),
                batch.key_id()) == options_.accepted_key_ids.end()) {
    return RejectedAck(batch,
                       "key_id is not a linkage key of this linkage domain");
  }
  if (!batch.dataset_id().empty() && !IsWellFormedId(batch.dataset_id())) {
    return RejectedAck(batch, "dataset_id is malformed");
  }

  store::BatchWrite write;
  write.organisation_code = std::string(organisation_code);
  write.submission_id = batch.submission_id();
  write.sequence = batch.sequence();
  write.dataset_id = batch.dataset_id();
  write.key_id = batch.key_id();
  write.records.reserve(batch.records_size());

  v1::BatchAck ack;
  ack.set_submission_id(batch.submission_id());
  ack.set_sequence(batch.sequence());
  absl::flat_hash_set<absl::string_view> seen;
  seen.reserve(batch.records_size());
  for (int i = 0; i < batch.records_size(); ++i) {
    const v1::PseudonymisedRecord& record = batch.records(i);
    std::optional<RecordViolation> violation = CheckPseudonymisedRecord(record);
    if (!violation.has_value() &&
        !seen.insert(record.record_pseudonym()).second) {
      violation =
          RecordViolation{v1::REJECT_DUPLICATE_IN_BATCH, "record_pseudonym"};
    }
    if (violation.has_value()) {
      v1::RecordRejection* rejection = ack.add_rejections();
      rejection->set_index(static_cast<uint32_t>(i));
      rejection->set_reason(violation->reason);
      rejection->set_field(std::move(violation->field));
      continue;
    }
    store::RecordRow& row = write.records.emplace_back();
    row.record_pseudonym = record.record_pseudonym();
    record.SerializeToString(&row.payload);
  }
  ack.set_records_accepted(static_cast<uint32_t>(write.records.size()));
  ack.set_records_rejected(static_cast<uint32_t>(ack.rejections_size()));
  ack.set_outcome(ack.rejections_size() == 0 ? v1::BATCH_ACCEPTED
                                             : v1::BATCH_PARTIALLY_ACCEPTED);
  if (write.records.empty() && batch.records_size() > 0) {
    ack.set_outcome(v1::BATCH_REJECTED);
    ack.set_reason("every record in the batch broke a rule");
  }
  ack.SerializeToString(&write.ack);

  EQ_ASSIGN_OR_RETURN(store::CommitResult result,
                      store_->CommitBatch(std::move(write)));
  if (!result.already_stored) return ack;
  v1::BatchAck stored;
  if (!stored.ParseFromString(result.ack)) {
    return absl::DataLossError(
        "stored acknowledgement of a batch cannot be parsed");
  }
  stored.set_already_stored(true);
  return stored;
}

}  // namespace equilink::ingest
