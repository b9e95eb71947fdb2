#include "server/ingest/batch_ingestor.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "common/validate/record_rules.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"

namespace equilink::ingest {
namespace {

constexpr char kAuditAction[] = "submission.batch";
// Decisions of the ingest path's own envelope checks (not agreement rules).
constexpr char kEnvelopeRule[] = "INGEST";

v1::BatchAck RejectedAck(const v1::SubmissionBatch& batch, std::string reason) {
  v1::BatchAck ack;
  ack.set_submission_id(batch.submission_id());
  ack.set_sequence(batch.sequence());
  ack.set_outcome(v1::BATCH_REJECTED);
  ack.set_records_rejected(static_cast<uint32_t>(batch.records_size()));
  ack.set_reason(std::move(reason));
  return ack;
}

// The envelope checks that refuse a whole batch; nullopt when it passes.
std::optional<std::string> EnvelopeProblem(const v1::SubmissionBatch& batch,
                                           const IngestOptions& options) {
  if (static_cast<uint32_t>(batch.records_size()) > options.max_batch_records) {
    return absl::StrCat("batch has ", batch.records_size(),
                        " records; the limit is ", options.max_batch_records);
  }
  if (!IsWellFormedId(batch.key_id())) return "key_id is missing or malformed";
  if (!options.accepted_key_ids.empty() &&
      std::find(options.accepted_key_ids.begin(),
                options.accepted_key_ids.end(),
                batch.key_id()) == options.accepted_key_ids.end()) {
    return "key_id is not a linkage key of this linkage domain";
  }
  if (!batch.dataset_id().empty() && !IsWellFormedId(batch.dataset_id())) {
    return "dataset_id is malformed";
  }
  return std::nullopt;
}

// The names of the fields populated in any record of the batch (S6 looks at
// the batch as a whole). Collects descriptors first: reflection per record is
// cheap, a vector of names per record is not.
std::vector<std::string> PopulatedBatchFields(
    const v1::SubmissionBatch& batch) {
  // Runs over every record of every batch: a flag per field, indexed by the
  // field's position in the descriptor, costs less than hashing ~20 pointers
  // per record.
  const google::protobuf::Descriptor* descriptor =
      v1::PseudonymisedRecord::descriptor();
  std::vector<char> seen(static_cast<size_t>(descriptor->field_count()), 0);
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  for (const v1::PseudonymisedRecord& record : batch.records()) {
    fields.clear();
    record.GetReflection()->ListFields(record, &fields);
    for (const google::protobuf::FieldDescriptor* field : fields) {
      seen[static_cast<size_t>(field->index())] = 1;
    }
  }
  // In field-number order, as PopulatedRecordFields reports them.
  std::vector<const google::protobuf::FieldDescriptor*> ordered;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    if (seen[static_cast<size_t>(i)]) ordered.push_back(descriptor->field(i));
  }
  std::sort(ordered.begin(), ordered.end(), [](const auto* a, const auto* b) {
    return a->number() < b->number();
  });
  std::vector<std::string> names;
  names.reserve(ordered.size());
  for (const auto* field : ordered) names.push_back(field->name());
  return names;
}

bool AppliesOptOutAtIngest(const v1::Agreement& agreement) {
  const v1::OptOutPolicy& policy = agreement.opt_outs();
  return policy.apply_national_data_opt_out() &&
         (policy.national_data_opt_out_stage() == v1::OPT_OUT_AT_INGEST ||
          policy.national_data_opt_out_stage() ==
              v1::OPT_OUT_STAGE_UNSPECIFIED);
}

// One batch's decision in the gateway's counters. A batch that ended in an
// error other than a refusal (the store failing, say) is only received.
void CountDecision(const absl::StatusOr<v1::BatchAck>& ack,
                   std::string refused_by, metrics::GatewayCounters& counters) {
  counters.batches_received->Increment();
  if (!ack.ok()) {
    // S13: the audit log could not record the decision, so the batch is
    // refused whatever the decision was.
    if (absl::StartsWith(ack.status().message(), "S13:")) refused_by = "S13";
    if (!refused_by.empty())
      counters.batches_rejected->Get(refused_by).Increment();
    return;
  }
  if (ack->already_stored()) {
    counters.batches_already_stored->Increment();
    return;
  }
  for (const v1::RecordRejection& rejection : ack->rejections()) {
    counters.records_rejected
        ->Get(metrics::RecordRejectLabel(rejection.reason()))
        .Increment();
  }
  if (ack->outcome() == v1::BATCH_REJECTED) {
    counters.batches_rejected
        ->Get(refused_by.empty() ? absl::string_view(kEnvelopeRule)
                                 : refused_by)
        .Increment();
    return;
  }
  counters.batches_accepted->Increment();
  counters.records_accepted->Increment(ack->records_accepted());
  counters.records_quarantined->Increment(ack->records_quarantined());
  counters.records_opted_out->Increment(ack->records_opted_out());
}

}  // namespace

bool IsWellFormedId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
           c == '_' || c == '-';
  });
}

BatchIngestor::BatchIngestor(store::Store* store, IngestOptions options,
                             std::optional<IngestGovernance> governance)
    : store_(store),
      options_(std::move(options)),
      governance_(std::move(governance)) {}

absl::Status BatchIngestor::Audit(absl::string_view organisation_code,
                                  const v1::SubmissionBatch& batch,
                                  v1::AuditEntry entry) const {
  entry.mutable_principal()->set_organisation_code(
      std::string(organisation_code));
  entry.mutable_principal()->set_role("submitter");
  entry.set_action(kAuditAction);
  // A malformed id cannot go in the log (entry_rules.h); the entry then
  // stands for "some batch of this organisation".
  if (IsWellFormedId(batch.submission_id())) {
    entry.set_request_id(batch.submission_id());
  }
  absl::StatusOr<v1::AuditEntry> appended = governance_->audit->Append(entry);
  if (!appended.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "S13: the audit log cannot be written, so the batch is refused (",
        appended.status().message(), ")"));
  }
  return absl::OkStatus();
}

absl::Status BatchIngestor::AuditDeny(absl::string_view organisation_code,
                                      const v1::SubmissionBatch& batch,
                                      absl::string_view rule,
                                      absl::string_view reason) const {
  v1::AuditEntry entry;
  entry.set_decision(v1::AUDIT_DENY);
  entry.set_rule_id(std::string(rule));
  entry.set_reason(std::string(reason));
  entry.mutable_counts()->set_records_rejected(
      static_cast<uint64_t>(batch.records_size()));
  return Audit(organisation_code, batch, std::move(entry));
}

absl::StatusOr<v1::BatchAck> BatchIngestor::Ingest(
    absl::string_view organisation_code,
    const v1::SubmissionBatch& batch) const {
  std::string refused_by;
  absl::StatusOr<v1::BatchAck> ack =
      Decide(organisation_code, batch, &refused_by);
  if (options_.metrics != nullptr) {
    CountDecision(ack, std::move(refused_by), *options_.metrics);
  }
  return ack;
}

absl::StatusOr<v1::BatchAck> BatchIngestor::Decide(
    absl::string_view organisation_code, const v1::SubmissionBatch& batch,
    std::string* refused_by) const {
  const bool governed = governance_.has_value();
  if (!IsWellFormedId(batch.submission_id())) {
    absl::Status refusal = absl::InvalidArgumentError(
        "batch submission_id must be 1-64 characters of A-Z, a-z, 0-9, '.', "
        "'_' or '-'");
    if (governed) {
      EQ_RETURN_IF_ERROR(AuditDeny(organisation_code, batch, kEnvelopeRule,
                                   "malformed submission id"));
    }
    *refused_by = kEnvelopeRule;
    return refusal;
  }
  if (governed && governance_->rate_limiter != nullptr) {
    absl::Status allowed = governance_->rate_limiter->Acquire(
        organisation_code, static_cast<uint64_t>(batch.records_size()));
    if (!allowed.ok()) {
      EQ_RETURN_IF_ERROR(
          AuditDeny(organisation_code, batch, "S11",
                    "the organisation's rate limit is exceeded"));
      *refused_by = "S11";
      return allowed;
    }
  }
  if (std::optional<std::string> problem = EnvelopeProblem(batch, options_)) {
    if (governed) {
      EQ_RETURN_IF_ERROR(
          AuditDeny(organisation_code, batch, kEnvelopeRule, *problem));
    }
    *refused_by = kEnvelopeRule;
    return RejectedAck(batch, *std::move(problem));
  }

  // The whole-batch agreement checks.
  std::shared_ptr<const governance::AgreementSnapshot> agreements;
  const v1::Agreement* agreement = nullptr;
  absl::CivilDay day;  // today in the agreements' time zone (S9 ages)
  std::shared_ptr<const governance::OptOutSnapshot> optouts;
  if (governed) {
    absl::StatusOr<std::shared_ptr<const governance::AgreementSnapshot>>
        current = governance_->agreements->Current();
    if (!current.ok()) {
      EQ_RETURN_IF_ERROR(AuditDeny(organisation_code, batch, "S2",
                                   "the agreement registry cannot be read"));
      *refused_by = "S2";
      return absl::UnavailableError(
          "S2: the agreement registry cannot be read, so no batch is "
          "accepted; retry later");
    }
    agreements = *std::move(current);
    const std::vector<std::string> fields = PopulatedBatchFields(batch);
    governance::SubmissionRequest request;
    request.organisation_code = organisation_code;
    request.dataset_id = batch.dataset_id();
    request.purpose_id = batch.purpose_id();
    request.key_id = batch.key_id();
    request.day = agreements->day;
    day = agreements->day;
    request.populated_fields = fields;
    request.batch_size = static_cast<uint64_t>(batch.records_size());
    request.review_grace_days =
        static_cast<int>(governance_->review_grace_days);
    governance::PolicyDecision decision =
        governance::CheckSubmission(agreements->agreements, request);
    if (!decision.allowed()) {
      EQ_RETURN_IF_ERROR(
          AuditDeny(organisation_code, batch, decision.rule, decision.reason));
      *refused_by = decision.rule;
      return RejectedAck(batch,
                         absl::StrCat(decision.rule, ": ", decision.reason));
    }
    agreement =
        agreements->Find(decision.agreement_id, decision.agreement_version);
    if (agreement == nullptr) {
      return absl::InternalError("S2: the admitting agreement is not cached");
    }
    if (AppliesOptOutAtIngest(*agreement)) {
      optouts = governance_->optouts == nullptr
                    ? nullptr
                    : governance_->optouts->Current();
      if (optouts == nullptr || optouts->version == 0 ||
          optouts->key_id != batch.key_id()) {
        constexpr char kNoList[] =
            "the agreement applies the national data opt-out at ingest but "
            "no opt-out list for the batch's linkage key is loaded";
        EQ_RETURN_IF_ERROR(AuditDeny(organisation_code, batch, "S10", kNoList));
        *refused_by = "S10";
        return RejectedAck(batch, absl::StrCat("S10: ", kNoList));
      }
    }
  }

  store::BatchWrite write;
  write.organisation_code = std::string(organisation_code);
  write.submission_id = batch.submission_id();
  write.sequence = batch.sequence();
  write.dataset_id = batch.dataset_id();
  write.key_id = batch.key_id();
  write.records.reserve(batch.records_size());
  if (agreement != nullptr) {
    write.agreement_id = agreement->agreement_id();
    write.agreement_version = agreement->version();
  }

  v1::BatchAck ack;
  ack.set_submission_id(batch.submission_id());
  ack.set_sequence(batch.sequence());
  uint32_t opted_out = 0;
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
    // An opted-out person's record is neither stored nor quarantined.
    if (optouts != nullptr && !record.nhs_number_token().empty() &&
        optouts->Contains(record.nhs_number_token())) {
      ++opted_out;
      continue;
    }
    if (agreement != nullptr) {
      governance::PolicyDecision scope = governance::CheckRecordScope(
          *agreement, record, *governance_->local_authorities, day);
      if (scope.verdict == governance::Verdict::kQuarantine) {
        store::QuarantinedRow& row = write.quarantined.emplace_back();
        row.record_pseudonym = record.record_pseudonym();
        row.rule = scope.rule;
        record.SerializeToString(&row.payload);
        continue;
      }
    }
    store::RecordRow& row = write.records.emplace_back();
    row.record_pseudonym = record.record_pseudonym();
    record.SerializeToString(&row.payload);
  }
  ack.set_records_accepted(static_cast<uint32_t>(write.records.size()));
  ack.set_records_rejected(static_cast<uint32_t>(ack.rejections_size()));
  ack.set_records_quarantined(static_cast<uint32_t>(write.quarantined.size()));
  ack.set_records_opted_out(opted_out);
  ack.set_outcome(ack.rejections_size() == 0 ? v1::BATCH_ACCEPTED
                                             : v1::BATCH_PARTIALLY_ACCEPTED);
  if (batch.records_size() > 0 &&
      ack.rejections_size() == batch.records_size()) {
    ack.set_outcome(v1::BATCH_REJECTED);
    ack.set_reason("every record in the batch broke a rule");
    *refused_by = kEnvelopeRule;
  }
  ack.SerializeToString(&write.ack);

  if (governed) {
    v1::AuditEntry entry;
    entry.set_decision(v1::AUDIT_ALLOW);
    entry.set_agreement_id(agreement->agreement_id());
    entry.set_agreement_version(agreement->version());
    entry.set_agreement_version_hash(agreements->VersionHash(
        agreement->agreement_id(), agreement->version()));
    v1::AuditCounts* counts = entry.mutable_counts();
    counts->set_records_accepted(ack.records_accepted());
    counts->set_records_rejected(ack.records_rejected());
    counts->set_records_quarantined(ack.records_quarantined());
    counts->set_records_opted_out(ack.records_opted_out());
    EQ_RETURN_IF_ERROR(Audit(organisation_code, batch, std::move(entry)));
  }

  EQ_ASSIGN_OR_RETURN(store::CommitResult result,
                      store_->CommitBatch(std::move(write)));
  if (!result.already_stored) {
    if (options_.on_records_committed && ack.records_accepted() > 0) {
      options_.on_records_committed();
    }
    return ack;
  }
  v1::BatchAck stored;
  if (!stored.ParseFromString(result.ack)) {
    return absl::DataLossError(
        "stored acknowledgement of a batch cannot be parsed");
  }
  stored.set_already_stored(true);
  return stored;
}

}  // namespace equilink::ingest
