#include "server/api/extract_service.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/rpc/status_grpc.h"
#include "equilink/v1/record.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "server/extract/pull_request_check.h"
#include "server/extract/released_fields.h"
#include "server/governance/agreement_validator.h"
#include "server/governance/extract_policy.h"
#include "server/governance/flow_resolver.h"
#include "server/metrics/gateway_metrics.h"

namespace equilink::api {
namespace {

using google::protobuf::FieldDescriptor;

constexpr char kPullMethod[] = "/equilink.v1.ExtractService/Pull";

struct Refusal {
  std::string rule;
  std::string reason;
  absl::StatusCode code = absl::StatusCode::kPermissionDenied;
};

// What a permitted pull releases.
struct ReleasePlan {
  governance::PolicyDecision decision;
  std::string agreement_version_hash;
  // The PseudonymisedRecord fields released, by number and by name, in
  // field-number order.
  std::vector<int> released_numbers;
  std::vector<std::string> released_names;
  // Set for an incremental pull: the marks its cursor carried.
  std::optional<store::ChangeMarks> since;
  // Set when the agreement applies the national data opt-out.
  std::shared_ptr<const governance::OptOutSnapshot> optouts;
};

bool IsKeyedToken(const v1::DataItem& item) {
  return item.item_class() == v1::ITEM_CLASS_PSEUDONYM ||
         item.transform() == v1::ITEM_TRANSFORM_KEYED_TOKEN;
}

// The fields of `agreement` to release at record level: those requested, or
// every whitelisted field that may be released when none are. Keyed tokens
// are refused when requested and left out otherwise.
std::optional<Refusal> ChooseFields(
    const v1::Agreement& agreement, const v1::PullRequest& request,
    absl::flat_hash_set<const FieldDescriptor*>* released) {
  const google::protobuf::Descriptor* record =
      v1::PseudonymisedRecord::descriptor();
  if (request.fields().empty()) {
    for (const v1::DataItem& item : agreement.data_items()) {
      const FieldDescriptor* field = record->FindFieldByName(item.field());
      if (field == nullptr || extract::IsRecordKeyField(item.field()) ||
          IsKeyedToken(item) ||
          !governance::ItemClassPermittedAt(item.item_class(),
                                            request.identifiability())) {
        continue;
      }
      released->insert(field);
    }
    return std::nullopt;
  }
  for (const std::string& name : request.fields()) {
    // CheckExtract has confirmed each is on the whitelist at this level.
    const v1::DataItem* item = governance::FindDataItem(agreement, name);
    if (item == nullptr) {
      return Refusal{"E4",
                     absl::StrCat("requested field ", name,
                                  " is not on the agreement's whitelist")};
    }
    if (IsKeyedToken(*item)) {
      return Refusal{"E4", absl::StrCat("requested field ", name,
                                        " is a keyed token of the providers' "
                                        "linkage domain; each row's release "
                                        "pseudonyms (PullChunk.rows) stand "
                                        "in for it")};
    }
    released->insert(record->FindFieldByName(name));
  }
  return std::nullopt;
}

// E2-E5 for a well-formed request: fills `plan` (the deciding agreement is
// set even when a later check refuses, so the denial can cite it).
std::optional<Refusal> PlanRelease(
    const std::string& consumer, const v1::PullRequest& request,
    const governance::AgreementSnapshot& agreements,
    const governance::OptOutRegistry& optouts, ReleasePlan* plan) {
  plan->decision = governance::CheckPullExtract(agreements.agreements, consumer,
                                                request, agreements.day);
  if (!plan->decision.allowed()) {
    return Refusal{plan->decision.rule, plan->decision.reason};
  }
  const v1::Agreement* agreement = agreements.Find(
      plan->decision.agreement_id, plan->decision.agreement_version);
  if (agreement == nullptr) {
    return Refusal{"E2", "the allowing agreement is no longer in force"};
  }
  plan->agreement_version_hash = agreements.VersionHash(
      plan->decision.agreement_id, plan->decision.agreement_version);
  absl::flat_hash_set<const FieldDescriptor*> released;
  if (std::optional<Refusal> refusal =
          ChooseFields(*agreement, request, &released)) {
    return refusal;
  }
  const google::protobuf::Descriptor* record_type =
      v1::PseudonymisedRecord::descriptor();
  for (int i = 0; i < record_type->field_count(); ++i) {
    const FieldDescriptor* field = record_type->field(i);
    if (released.contains(field)) {
      plan->released_numbers.push_back(field->number());
      plan->released_names.push_back(field->name());
    }
  }
  if (agreement->opt_outs().apply_national_data_opt_out()) {
    plan->optouts = optouts.Current();
    if (plan->optouts->version == 0) {
      return Refusal{"E5",
                     "the agreement applies the national data opt-out and no "
                     "opt-out list has been uploaded"};
    }
  }
  return std::nullopt;
}

v1::AuditEntry EntryFor(const auth::Principal& principal,
                        const v1::PullRequest& request) {
  v1::AuditEntry entry;
  entry.mutable_principal()->set_organisation_code(principal.organisation_code);
  entry.mutable_principal()->set_role(std::string(auth::kRoleConsumer));
  entry.mutable_principal()->set_person(principal.person);
  entry.set_action(auth::AuditActionOf(kPullMethod));
  if (extract::IsValidPullRequestId(request.request_id())) {
    entry.set_request_id(request.request_id());
  }
  return entry;
}

absl::Status AuditUnavailable(const absl::Status& append_error) {
  EQ_LOG(kError, "audit append failed for an extract: %s",
         append_error.ToString());
  return absl::UnavailableError(
      "the audit log cannot be written; nothing is released");
}

// Counts, audits, then sends, over one snapshot of the store.
absl::Status Release(store::Store& store, audit::AuditLog& audit,
                     const extract::ReleaseKeys& keys,
                     const grpc::ServerContext& context,
                     const ReleasePlan& plan, const v1::AuditEntry& base,
                     const v1::PullRequest& request,
                     grpc::ServerWriter<v1::PullChunk>* writer) {
  const std::string& consumer = base.principal().organisation_code();
  uint64_t to_release = 0;
  uint64_t opted_out = 0;
  bool first_chunk = true;
  v1::PullChunk chunk;
  store::ChangeMarks marks;

  // The first chunk names the released fields; the final one the cursor.
  auto write = [&](bool final) -> absl::Status {
    if (first_chunk) {
      for (const std::string& name : plan.released_names) {
        chunk.add_fields(name);
      }
      first_chunk = false;
    }
    if (final) {
      chunk.set_next_cursor(keys.EncodeCursor(
          {consumer, request.purpose_id(), request.dataset_id()},
          {marks.record_id_through, marks.linked_at_through}));
    }
    if (context.IsCancelled() || !writer->Write(chunk)) {
      return absl::CancelledError("the consumer went away");
    }
    chunk.Clear();
    return absl::OkStatus();
  };

  store::CurrentRecordScan scan;
  scan.dataset_id = request.dataset_id();
  scan.since = plan.since;
  scan.marks = &marks;
  scan.passes = 2;  // count, audit, then send: see extract_service.h
  const extract::ReleasedFieldFilter filter(plan.released_numbers);
  std::string released_bytes;
  scan.visit = [&](int pass, const store::CurrentRecord& row) -> absl::Status {
    absl::string_view nhs_number_token;
    released_bytes.clear();
    if (!filter.Split(row.payload, pass == 1 ? &released_bytes : nullptr,
                      &nhs_number_token)) {
      return absl::DataLossError("a stored record cannot be read");
    }
    if (plan.optouts != nullptr && !nhs_number_token.empty() &&
        plan.optouts->Contains(nhs_number_token)) {
      if (pass == 0) ++opted_out;
      return absl::OkStatus();
    }
    if (pass == 0) {
      ++to_release;
      return absl::OkStatus();
    }
    if (!chunk.add_records()->ParseFromString(released_bytes)) {
      return absl::DataLossError("a stored record cannot be read");
    }
    v1::ReleasedRow* released = chunk.add_rows();
    released->set_record_release_pseudonym(keys.RecordPseudonym(
        consumer, row.organisation_code, row.record_pseudonym));
    if (row.person_id != 0) {
      released->set_linked(true);
      released->set_person_release_pseudonym(
          keys.PersonPseudonym(consumer, row.person_id));
      released->set_link_stage(row.link_stage);
      released->set_match_probability(row.match_probability);
    }
    if (static_cast<size_t>(chunk.records_size()) < kRecordsPerChunk) {
      return absl::OkStatus();
    }
    return write(/*final=*/false);
  };
  scan.pass_done = [&](int pass) -> absl::Status {
    if (pass == 1) return write(/*final=*/true);
    v1::AuditEntry entry = base;
    entry.set_decision(v1::AUDIT_ALLOW);
    entry.set_rule_id(plan.decision.rule);
    entry.set_agreement_id(plan.decision.agreement_id);
    entry.set_agreement_version(plan.decision.agreement_version);
    entry.set_agreement_version_hash(plan.agreement_version_hash);
    entry.mutable_counts()->set_records_accepted(to_release);
    entry.mutable_counts()->set_records_opted_out(opted_out);
    if (absl::StatusOr<v1::AuditEntry> appended = audit.Append(entry);
        !appended.ok()) {
      return AuditUnavailable(appended.status());
    }
    return absl::OkStatus();
  };
  return store.ForEachCurrentRecord(scan);
}

}  // namespace

ExtractService::ExtractService(auth::CallAuthoriser* authoriser,
                               governance::AgreementCache* agreements,
                               const governance::OptOutRegistry* optouts,
                               store::Store* store, audit::AuditLog* audit,
                               const extract::ReleaseKeys* release_keys,
                               metrics::CounterFamily* pulls)
    : authoriser_(authoriser),
      agreements_(agreements),
      optouts_(optouts),
      store_(store),
      audit_(audit),
      release_keys_(release_keys),
      pulls_(pulls) {}

grpc::Status ExtractService::Pull(grpc::ServerContext* context,
                                  const v1::PullRequest* request,
                                  grpc::ServerWriter<v1::PullChunk>* writer) {
  grpc::Status status = Decide(context, request, writer);
  if (pulls_ != nullptr) {
    pulls_
        ->Get(metrics::DecisionOf(
            static_cast<absl::StatusCode>(status.error_code())))
        .Increment();
  }
  return status;
}

grpc::Status ExtractService::Decide(grpc::ServerContext* context,
                                    const v1::PullRequest* request,
                                    grpc::ServerWriter<v1::PullChunk>* writer) {
  absl::StatusOr<auth::Principal> principal =
      authoriser_->Authorise(*context->auth_context(), kPullMethod);
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  if (release_keys_ == nullptr) {
    // An operator's omission, not a governance decision: nothing is planned.
    return ToGrpcStatus(absl::FailedPreconditionError(
        "extracts are disabled: the gateway has no release key "
        "(extract.release_key_file); ask the operator to create one"));
  }
  const v1::AuditEntry base = EntryFor(*principal, *request);

  ReleasePlan plan;
  std::optional<Refusal> refusal;
  if (std::optional<extract::PullRequestRefusal> shape =
          extract::CheckPullRequestShape(*request)) {
    refusal = Refusal{std::move(shape->rule), std::move(shape->reason)};
  }
  if (!refusal.has_value() && !request->cursor().empty()) {
    absl::StatusOr<extract::CursorMarks> marks = release_keys_->DecodeCursor(
        {principal->organisation_code, request->purpose_id(),
         request->dataset_id()},
        request->cursor());
    if (marks.ok()) {
      plan.since = store::ChangeMarks{marks->record_id_through,
                                      marks->linked_at_through};
    } else {
      refusal = Refusal{"CURSOR", std::string(marks.status().message()),
                        absl::StatusCode::kInvalidArgument};
    }
  }
  if (!refusal.has_value()) {
    absl::StatusOr<std::shared_ptr<const governance::AgreementSnapshot>>
        agreements = agreements_->Current();
    if (!agreements.ok()) {
      EQ_LOG(kError, "agreements unreadable: %s",
             agreements.status().ToString());
      return ToGrpcStatus(absl::UnavailableError(
          "the agreement registry cannot be read; retry later"));
    }
    refusal = PlanRelease(principal->organisation_code, *request, **agreements,
                          *optouts_, &plan);
  }
  if (refusal.has_value()) {
    v1::AuditEntry entry = base;
    entry.set_decision(v1::AUDIT_DENY);
    entry.set_rule_id(refusal->rule);
    entry.set_reason(refusal->reason);
    entry.set_agreement_id(plan.decision.agreement_id);
    entry.set_agreement_version(plan.decision.agreement_version);
    entry.set_agreement_version_hash(plan.agreement_version_hash);
    if (absl::StatusOr<v1::AuditEntry> appended = audit_->Append(entry);
        !appended.ok()) {
      return ToGrpcStatus(AuditUnavailable(appended.status()));
    }
    return ToGrpcStatus(absl::Status(
        refusal->code, absl::StrCat(refusal->rule, ": ", refusal->reason)));
  }
  return ToGrpcStatus(Release(*store_, *audit_, *release_keys_, *context, plan,
                              base, *request, writer));
}

}  // namespace equilink::api
