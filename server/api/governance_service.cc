#include "server/api/governance_service.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log/log.h"
#include "common/rpc/status_grpc.h"
#include "common/status/status_macros.h"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "server/audit/audit_reader.h"
#include "server/audit/entry_rules.h"
#include "server/auth/authenticate.h"
#include "server/config/gateway_config.h"
#include "server/governance/retention_purge.h"
#include "server/governance/transparency_register.h"

namespace equilink::api {
namespace {

constexpr char kService[] = "/equilink.v1.GovernanceService/";

std::string Method(absl::string_view name) {
  return absl::StrCat(kService, name);
}

// The agreement version an entry is about; hash_hex as the registry holds it.
struct AgreementRef {
  std::string id;
  uint32_t version = 0;
  std::string hash_hex;
};

// The rule a refusal names: "agreement rule A7", "lifecycle rule L1",
// "organisation rule O4", "opt-out rule NDOO1"; four-eyes refusals are
// FOUR-EYES; anything else is named by its status code.
std::string RuleIdOf(const absl::Status& status) {
  const absl::string_view message = status.message();
  if (absl::StartsWith(message, "four-eyes:")) return "FOUR-EYES";
  const size_t at = message.find("rule ");
  if (at != absl::string_view::npos) {
    absl::string_view rest = message.substr(at + 5);
    size_t end = 0;
    while (end < rest.size() &&
           (absl::ascii_isalnum(rest[end]) || rest[end] == '-')) {
      ++end;
    }
    if (end > 0) return std::string(rest.substr(0, end));
  }
  return absl::StatusCodeToString(status.code());
}

// Audit reasons are short printable ASCII (entry_rules.h).
std::string ReasonText(absl::string_view text) {
  std::string reason;
  for (char c : text.substr(0, 256)) {
    reason += absl::ascii_isprint(c) ? c : '?';
  }
  return reason;
}

bool IsLowercaseHex(absl::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f');
  });
}

v1::AgreementView ViewOf(governance::StoredAgreement stored) {
  v1::AgreementView view;
  *view.mutable_agreement() = std::move(stored.agreement);
  view.set_version_hash(std::move(stored.version_hash));
  for (v1::AgreementEvent& event : stored.history) {
    *view.add_history() = std::move(event);
  }
  return view;
}

v1::Organisation OrganisationOf(const store::Organisation& organisation) {
  v1::Organisation out;
  out.set_code(organisation.code);
  out.set_name(organisation.name);
  for (const std::string& role : organisation.roles) out.add_roles(role);
  out.set_status(organisation.active ? v1::ORGANISATION_ACTIVE
                                     : v1::ORGANISATION_SUSPENDED);
  out.set_certificate_uri(
      absl::StrCat(auth::kOrganisationUriPrefix, organisation.code));
  out.set_certificate_sha256(organisation.certificate_sha256);
  return out;
}

}  // namespace

// One call: who made it (after CallAuthoriser) and the audit entries about
// it. Allow and Deny append before the handler answers; when the append fails
// they return UNAVAILABLE, which the handler must answer with.
class GovernanceService::Call {
 public:
  Call(audit::AuditLog* audit, std::string method)
      : audit_(audit), method_(std::move(method)) {}

  absl::Status Authorise(auth::CallAuthoriser& authoriser,
                         const grpc::ServerContext& context) {
    EQ_ASSIGN_OR_RETURN(principal_,
                        authoriser.Authorise(*context.auth_context(), method_));
    // The role that let the call through, first in the rule's order.
    if (const auth::MethodRule* rule = auth::FindMethodRule(method_)) {
      for (absl::string_view role : rule->roles) {
        if (principal_.HasRole(role)) {
          role_ = std::string(role);
          break;
        }
      }
    }
    return absl::OkStatus();
  }

  const auth::Principal& principal() const { return principal_; }

  v1::AuditPrincipal AuditPrincipal() const {
    v1::AuditPrincipal out;
    out.set_organisation_code(principal_.organisation_code);
    out.set_role(role_);
    out.set_person(principal_.person);
    return out;
  }

  absl::Status Allow(absl::string_view reason, const AgreementRef& ref = {}) {
    return Append(v1::AUDIT_ALLOW, "", reason, ref);
  }

  // Audits `refusal` and returns it, or UNAVAILABLE when it cannot be
  // audited.
  absl::Status Deny(absl::Status refusal, const AgreementRef& ref = {}) {
    EQ_RETURN_IF_ERROR(
        Append(v1::AUDIT_DENY, RuleIdOf(refusal), refusal.message(), ref));
    return refusal;
  }

 private:
  absl::Status Append(v1::AuditDecision decision, absl::string_view rule_id,
                      absl::string_view reason, const AgreementRef& ref) {
    v1::AuditEntry entry;
    *entry.mutable_principal() = AuditPrincipal();
    entry.set_action(auth::AuditActionOf(method_));
    entry.set_decision(decision);
    entry.set_rule_id(std::string(rule_id));
    entry.set_reason(ReasonText(reason));
    entry.set_agreement_id(ref.id);
    entry.set_agreement_version(ref.version);
    if (ref.hash_hex.size() == 64 && IsLowercaseHex(ref.hash_hex)) {
      entry.set_agreement_version_hash(absl::HexStringToBytes(ref.hash_hex));
    }
    // A refusal's message can be long or name something the entry rules
    // will not take (an agreement id with spaces in a rejected draft); the
    // decision is still recorded, with fixed text in place of what failed.
    if (!audit::ValidateNewEntry(entry).ok()) {
      entry.set_reason("reason not recordable; see the rule id");
    }
    if (!audit::ValidateNewEntry(entry).ok()) entry.clear_agreement_id();
    absl::StatusOr<v1::AuditEntry> appended = audit_->Append(entry);
    if (!appended.ok()) {
      EQ_LOG(kError, "audit append failed for %s: %s", entry.action(),
             appended.status().ToString());
      return absl::UnavailableError(
          "the audit log cannot be written; the action was not taken");
    }
    return absl::OkStatus();
  }

  audit::AuditLog* const audit_;
  const std::string method_;
  auth::Principal principal_;
  std::string role_ = "none";
};

GovernanceService::GovernanceService(auth::CallAuthoriser* authoriser,
                                     store::Store* store,
                                     audit::AuditLog* audit,
                                     governance::AgreementRegistry* agreements,
                                     governance::OptOutRegistry* optouts,
                                     GovernanceServiceOptions options)
    : authoriser_(authoriser),
      store_(store),
      audit_(audit),
      agreements_(agreements),
      optouts_(optouts),
      options_(std::move(options)) {}

// ---- Agreements ----

grpc::Status GovernanceService::CreateAgreement(
    grpc::ServerContext* context, const v1::CreateAgreementRequest* request,
    v1::AgreementView* response) {
  Call call(audit_, Method("CreateAgreement"));
  if (absl::Status s = call.Authorise(*authoriser_, *context); !s.ok()) {
    return ToGrpcStatus(s);
  }
  return ToGrpcStatus(DoCreateAgreement(call, *request, *response));
}

absl::Status GovernanceService::DoCreateAgreement(
    Call& call, const v1::CreateAgreementRequest& request,
    v1::AgreementView& response) {
  v1::Agreement agreement = request.agreement();
  AgreementRef ref{agreement.agreement_id(), agreement.version(), ""};
  // Four eyes means nothing if the author can be named freely: the author
  // is whoever creates the version.
  const std::string caller = call.principal().Id();
  if (agreement.author().empty()) {
    agreement.set_author(caller);
  } else if (agreement.author() != caller) {
    return call.Deny(
        absl::PermissionDeniedError(
            "four-eyes: the author must be the caller's own principal "
            "(leave author empty to be recorded as the author)"),
        ref);
  }
  std::optional<absl::Status> audited;
  absl::StatusOr<governance::StoredAgreement> stored = agreements_->Create(
      agreement, options_.clock(), [&](const v1::AgreementEvent& created) {
        ref.hash_hex = created.agreement_hash();
        audited = call.Allow("agreement version stored as a draft", ref);
        return *audited;
      });
  if (!stored.ok()) {
    if (audited.has_value() && !audited->ok()) return *audited;
    // Refused by a rule, or a commit that failed after its allow was
    // appended: either way nothing is stored, and the log says so.
    return call.Deny(stored.status(), ref);
  }
  if (!audited.has_value()) {
    // The same content again: nothing written, but still a decision.
    ref.hash_hex = stored->version_hash;
    EQ_RETURN_IF_ERROR(
        call.Allow("agreement version already stored, unchanged", ref));
  }
  response = ViewOf(*std::move(stored));
  return absl::OkStatus();
}

grpc::Status GovernanceService::GetAgreement(
    grpc::ServerContext* context, const v1::GetAgreementRequest* request,
    v1::AgreementView* response) {
  Call call(audit_, Method("GetAgreement"));
  if (absl::Status s = call.Authorise(*authoriser_, *context); !s.ok()) {
    return ToGrpcStatus(s);
  }
  AgreementRef ref{request->agreement_id(), request->version(), ""};
  absl::StatusOr<governance::StoredAgreement> stored =
      absl::NotFoundError("agreement version not found");
  if (request->version() != 0) {
    stored = agreements_->Get(request->agreement_id(), request->version());
  } else {
    absl::StatusOr<std::vector<governance::StoredAgreement>> all =
        agreements_->List();
    if (!all.ok()) {
      stored = all.status();
    } else {
      for (governance::StoredAgreement& candidate : *all) {
        if (candidate.agreement.agreement_id() == request->agreement_id()) {
          stored = std::move(candidate);  // ordered by version: keep the last
        }
      }
    }
  }
  if (!stored.ok()) return ToGrpcStatus(call.Deny(stored.status(), ref));
  ref.version = stored->agreement.version();
  ref.hash_hex = stored->version_hash;
  if (absl::Status s = call.Allow("agreement version read", ref); !s.ok()) {
    return ToGrpcStatus(s);
  }
  *response = ViewOf(*std::move(stored));
  return grpc::Status::OK;
}

grpc::Status GovernanceService::ListAgreements(
    grpc::ServerContext* context, const v1::ListAgreementsRequest* /*request*/,
    v1::ListAgreementsResponse* response) {
  Call call(audit_, Method("ListAgreements"));
  if (absl::Status s = call.Authorise(*authoriser_, *context); !s.ok()) {
    return ToGrpcStatus(s);
  }
  absl::StatusOr<std::vector<governance::StoredAgreement>> all =
      agreements_->List();
  if (!all.ok()) return ToGrpcStatus(call.Deny(all.status()));
  if (absl::Status s = call.Allow(
          absl::StrCat("agreements listed: ", all->size(), " versions"));
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  for (governance::StoredAgreement& stored : *all) {
    *response->add_agreements() = ViewOf(std::move(stored));
  }
  return grpc::Status::OK;
}

grpc::Status GovernanceService::TransitionAgreement(
    grpc::ServerContext* context, const v1::TransitionAgreementRequest* request,
    v1::AgreementEvent* response) {
  Call call(audit_, Method("TransitionAgreement"));
  if (absl::Status s = call.Authorise(*authoriser_, *context); !s.ok()) {
    return ToGrpcStatus(s);
  }
  return ToGrpcStatus(DoTransitionAgreement(call, *request, *response));
}

absl::Status GovernanceService::DoTransitionAgreement(
    Call& call, const v1::TransitionAgreementRequest& request,
    v1::AgreementEvent& response) {
  governance::TransitionRequest transition;
  transition.action = request.action();
  transition.actor.principal = call.principal().Id();
  transition.actor.has_governance_role =
      call.principal().HasRole(auth::kRoleGovernance);
  transition.time = options_.clock();
  transition.agreement_time_zone = options_.agreement_time_zone;
  // The reason is free text for the agreement's own history; the audit log
  // takes only fixed text.
  transition.reason = request.reason();

  AgreementRef ref{request.agreement_id(), request.version(), ""};
  std::optional<absl::Status> audited;
  absl::StatusOr<v1::AgreementEvent> event = agreements_->Transition(
      request.agreement_id(), request.version(), transition,
      [&](const v1::AgreementEvent& next) {
        ref.hash_hex = next.agreement_hash();
        audited = call.Allow(
            absl::StrCat(v1::AgreementAction_Name(next.action()), ": ",
                         v1::AgreementStatus_Name(next.from_status()), " to ",
                         v1::AgreementStatus_Name(next.to_status())),
            ref);
        return *audited;
      });
  if (!event.ok()) {
    if (audited.has_value() && !audited->ok()) return *audited;
    if (ref.hash_hex.empty()) {
      absl::StatusOr<governance::StoredAgreement> stored =
          agreements_->Get(request.agreement_id(), request.version());
      if (stored.ok()) ref.hash_hex = stored->version_hash;
    }
    return call.Deny(event.status(), ref);
  }
  response = *std::move(event);
  return absl::OkStatus();
}

// ---- Organisations ----

grpc::Status GovernanceService::RegisterOrganisation(
    grpc::ServerContext* context,
    const v1::RegisterOrganisationRequest* request,
    v1::Organisation* response) {
  Call call(audit_, Method("RegisterOrganisation"));
  if (absl::Status s = call.Authorise(*authoriser_, *context); !s.ok()) {
    return ToGrpcStatus(s);
  }
  return ToGrpcStatus(DoRegisterOrganisation(call, *request, *response));
}

absl::Status GovernanceService::DoRegisterOrganisation(
    Call& call, const v1::RegisterOrganisationRequest& request,
    v1::Organisation& response) {
  const v1::Organisation& wanted = request.organisation();
  if (!auth::IsValidOrganisationCode(wanted.code())) {
    return call.Deny(absl::InvalidArgumentError(
        "organisation rule O1: the code must be 2-16 characters A-Z 0-9"));
  }
  if (wanted.name().empty() || wanted.roles().empty()) {
    return call.Deny(absl::InvalidArgumentError(
        "organisation rule O2: a name and at least one role are required"));
  }
  store::Organisation organisation;
  for (const std::string& role : wanted.roles()) {
    if (!config::IsKnownRole(role)) {
      return call.Deny(absl::InvalidArgumentError(
          "organisation rule O2: unknown role; expected submitter, "
          "governance, consumer, auditor or admin"));
    }
    if (std::find(organisation.roles.begin(), organisation.roles.end(), role) ==
        organisation.roles.end()) {
      organisation.roles.push_back(role);
    }
  }
  const std::string& fingerprint = wanted.certificate_sha256();
  if (!fingerprint.empty() &&
      (fingerprint.size() != 64 || !IsLowercaseHex(fingerprint))) {
    return call.Deny(absl::InvalidArgumentError(
        "organisation rule O3: certificate_sha256 must be empty or 64 "
        "lowercase hex digits"));
  }
  organisation.code = wanted.code();
  organisation.name = wanted.name();
  organisation.active = true;
  organisation.certificate_sha256 = fingerprint;

  absl::MutexLock lock(&organisations_mu_);
  absl::StatusOr<std::optional<store::Organisation>> existing =
      store_->FindOrganisation(organisation.code);
  if (!existing.ok()) return call.Deny(existing.status());
  if (existing->has_value()) {
    return call.Deny(absl::AlreadyExistsError(
        "organisation rule O4: the code is already registered"));
  }
  // Audited first: the store has no commit hook (see the header).
  EQ_RETURN_IF_ERROR(call.Allow(absl::StrCat(
      "organisation ", organisation.code, " registered with roles ",
      absl::StrJoin(organisation.roles, " "),
      fingerprint.empty() ? "" : ", bound to one certificate")));
  if (absl::Status s = store_->UpsertOrganisation(organisation); !s.ok()) {
    return call.Deny(s);
  }
  response = OrganisationOf(organisation);
  return absl::OkStatus();
}

grpc::Status GovernanceService::SetOrganisationStatus(
    grpc::ServerContext* context,
    const v1::SetOrganisationStatusRequest* request,
    v1::Organisation* response) {
  Call call(audit_, Method("SetOrganisationStatus"));
  if (absl::Status s = call.Authorise(*authoriser_, *context); !s.ok()) {
    return ToGrpcStatus(s);
  }
  return ToGrpcStatus(DoSetOrganisationStatus(call, *request, *response));
}

absl::Status GovernanceService::DoSetOrganisationStatus(
    Call& call, const v1::SetOrganisationStatusRequest& request,
    v1::Organisation& response) {
  const bool suspend = request.status() == v1::ORGANISATION_SUSPENDED;
  if (!suspend && request.status() != v1::ORGANISATION_ACTIVE) {
    return call.Deny(absl::InvalidArgumentError(
        "organisation rule O5: the status must be ACTIVE or SUSPENDED"));
  }
  // The reason goes into the audit log, so it must pass the log's rules for
  // free text; checked here so the caller learns why, not the log's failure.
  const std::string reason = absl::StrCat(
      "organisation ", request.code(),
      suspend ? " suspended: " : " reactivated: ", request.reason());
  v1::AuditEntry probe;
  probe.mutable_principal()->set_organisation_code("X");
  probe.mutable_principal()->set_role("X");
  probe.set_action("X");
  probe.set_decision(v1::AUDIT_ALLOW);
  probe.set_reason(reason);
  if (request.reason().empty() || !audit::ValidateNewEntry(probe).ok()) {
    return call.Deny(absl::InvalidArgumentError(
        "organisation rule O5: a reason is required: short printable text "
        "with nothing shaped like an identifier or token"));
  }
  if (suspend && request.code() == call.principal().organisation_code) {
    return call.Deny(absl::PermissionDeniedError(
        "organisation rule O6: an organisation cannot suspend itself"));
  }
  absl::MutexLock lock(&organisations_mu_);
  absl::StatusOr<std::optional<store::Organisation>> existing =
      store_->FindOrganisation(request.code());
  if (!existing.ok()) return call.Deny(existing.status());
  if (!existing->has_value()) {
    return call.Deny(absl::NotFoundError(
        "organisation rule O5: no organisation is registered under the code"));
  }
  store::Organisation organisation = **existing;
  organisation.active = !suspend;
  EQ_RETURN_IF_ERROR(call.Allow(reason));
  if (absl::Status s = store_->UpsertOrganisation(organisation); !s.ok()) {
    return call.Deny(s);
  }
  response = OrganisationOf(organisation);
  return absl::OkStatus();
}

grpc::Status GovernanceService::ListOrganisations(
    grpc::ServerContext* context,
    const v1::ListOrganisationsRequest* /*request*/,
    v1::ListOrganisationsResponse* response) {
  Call call(audit_, Method("ListOrganisations"));
  if (absl::Status s = call.Authorise(*authoriser_, *context); !s.ok()) {
    return ToGrpcStatus(s);
  }
  absl::StatusOr<std::vector<store::Organisation>> all =
      store_->ListOrganisations();
  if (!all.ok()) return ToGrpcStatus(call.Deny(all.status()));
  std::sort(all->begin(), all->end(),
            [](const auto& a, const auto& b) { return a.code < b.code; });
  if (absl::Status s =
          call.Allow(absl::StrCat("organisations listed: ", all->size()));
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  for (const store::Organisation& organisation : *all) {
    *response->add_organisations() = OrganisationOf(organisation);
  }
  return grpc::Status::OK;
}

// ---- The opt-out list ----

grpc::Status GovernanceService::UploadOptOutList(
    grpc::ServerContext* context,
    grpc::ServerReader<v1::OptOutListChunk>* reader,
    v1::OptOutListInfo* response) {
  Call call(audit_, Method("UploadOptOutList"));
  if (absl::Status s = call.Authorise(*authoriser_, *context); !s.ok()) {
    return ToGrpcStatus(s);
  }
  return ToGrpcStatus(DoUploadOptOutList(call, *reader, *response));
}

absl::Status GovernanceService::DoUploadOptOutList(
    Call& call, grpc::ServerReader<v1::OptOutListChunk>& reader,
    v1::OptOutListInfo& response) {
  std::string key_id;
  std::string description;
  std::vector<std::string> tokens;
  bool first = true;
  v1::OptOutListChunk chunk;
  while (reader.Read(&chunk)) {
    if (first) {
      key_id = chunk.key_id();
      description = chunk.description();
      first = false;
    } else if (!chunk.key_id().empty() && chunk.key_id() != key_id) {
      return call.Deny(absl::InvalidArgumentError(
          "opt-out rule NDOO2: every chunk of one upload names the same "
          "key_id"));
    }
    if (tokens.size() + chunk.nhs_number_tokens_size() >
        options_.max_optout_tokens) {
      return call.Deny(absl::ResourceExhaustedError(
          absl::StrCat("opt-out rule NDOO3: a list holds at most ",
                       options_.max_optout_tokens, " tokens")));
    }
    for (std::string& token : *chunk.mutable_nhs_number_tokens()) {
      tokens.push_back(std::move(token));
    }
  }
  std::optional<absl::Status> audited;
  // Counts and the version only: the tokens never reach the log.
  absl::StatusOr<v1::OptOutListInfo> info = optouts_->Upload(
      key_id, description, std::move(tokens), call.principal().Id(),
      options_.clock(), [&](const v1::OptOutListInfo& next) {
        audited = call.Allow(absl::StrCat("opt-out list version ",
                                          next.version(), " stored with ",
                                          next.token_count(), " tokens"));
        return *audited;
      });
  if (!info.ok()) {
    if (audited.has_value() && !audited->ok()) return *audited;
    return call.Deny(info.status());
  }
  response = *std::move(info);
  return absl::OkStatus();
}

grpc::Status GovernanceService::GetOptOutList(
    grpc::ServerContext* context, const v1::GetOptOutListRequest* /*request*/,
    v1::OptOutListInfo* response) {
  Call call(audit_, Method("GetOptOutList"));
  if (absl::Status s = call.Authorise(*authoriser_, *context); !s.ok()) {
    return ToGrpcStatus(s);
  }
  absl::StatusOr<v1::OptOutListInfo> info = optouts_->Info();
  if (!info.ok()) return ToGrpcStatus(call.Deny(info.status()));
  if (absl::Status s = call.Allow(
          absl::StrCat("opt-out list version ", info->version(), " described"));
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  *response = *std::move(info);
  return grpc::Status::OK;
}

// ---- Retention ----

grpc::Status GovernanceService::PurgeExpiredRecords(
    grpc::ServerContext* context, const v1::PurgeExpiredRecordsRequest* request,
    v1::PurgeReport* response) {
  Call call(audit_, Method("PurgeExpiredRecords"));
  if (absl::Status s = call.Authorise(*authoriser_, *context); !s.ok()) {
    return ToGrpcStatus(s);
  }
  // The shared helper audits the counts before it removes anything, the same
  // way for this call and the gateway's periodic purge.
  absl::StatusOr<v1::PurgeReport> report =
      governance::PurgeExpiredRecordsAudited(
          *store_, *agreements_, *audit_, call.AuditPrincipal(),
          options_.clock(), request->dry_run());
  if (!report.ok()) return ToGrpcStatus(call.Deny(report.status()));
  *response = *std::move(report);
  return grpc::Status::OK;
}

// ---- The audit trail ----

grpc::Status GovernanceService::ListAuditEntries(
    grpc::ServerContext* context, const v1::ListAuditEntriesRequest* request,
    grpc::ServerWriter<v1::AuditLogChunk>* writer) {
  Call call(audit_, Method("ListAuditEntries"));
  if (absl::Status s = call.Authorise(*authoriser_, *context); !s.ok()) {
    return ToGrpcStatus(s);
  }
  absl::StatusOr<audit::StoredAuditLog> log = audit::ReadStoredAuditLog(
      audit_->path(), request->after_sequence(), request->limit());
  if (!log.ok()) return ToGrpcStatus(call.Deny(log.status()));
  if (absl::Status s = call.Allow(
          absl::StrCat("audit log read: ", log->entries.size(), " entries, ",
                       log->checkpoints.size(), " checkpoints"));
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  // Rows go out exactly as read, in stored order, 1000 entries a message;
  // the checkpoints ride with the first message.
  constexpr size_t kEntriesPerChunk = 1000;
  size_t next = 0;
  do {
    v1::AuditLogChunk chunk;
    if (next == 0) {
      for (v1::AuditCheckpoint& checkpoint : log->checkpoints) {
        *chunk.add_checkpoints() = std::move(checkpoint);
      }
    }
    const size_t end = std::min(log->entries.size(), next + kEntriesPerChunk);
    for (; next < end; ++next) {
      *chunk.add_entries() = std::move(log->entries[next]);
    }
    if (!writer->Write(chunk)) {
      return grpc::Status(grpc::StatusCode::CANCELLED,
                          "the client stopped reading");
    }
  } while (next < log->entries.size());
  return grpc::Status::OK;
}

namespace {

// The raw 32-byte Ed25519 key inside a SubjectPublicKeyInfo PEM.
absl::StatusOr<std::string> RawEd25519PublicKey(absl::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (bio == nullptr) return absl::InternalError("audit key: out of memory");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr),
      &EVP_PKEY_free);
  std::string raw(32, '\0');
  size_t size = raw.size();
  if (key == nullptr || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_ED25519 ||
      EVP_PKEY_get_raw_public_key(key.get(),
                                  reinterpret_cast<unsigned char*>(raw.data()),
                                  &size) != 1 ||
      size != raw.size()) {
    return absl::InternalError("audit key: not an Ed25519 public key");
  }
  return raw;
}

}  // namespace

grpc::Status GovernanceService::GetAuditKey(
    grpc::ServerContext* context, const v1::GetAuditKeyRequest* /*request*/,
    v1::AuditKey* response) {
  Call call(audit_, Method("GetAuditKey"));
  if (absl::Status s = call.Authorise(*authoriser_, *context); !s.ok()) {
    return ToGrpcStatus(s);
  }
  absl::StatusOr<std::string> raw = audit_->PublicKeyPem();
  if (raw.ok()) raw = RawEd25519PublicKey(*raw);
  if (!raw.ok()) return ToGrpcStatus(call.Deny(raw.status()));
  if (absl::Status s = call.Allow("audit checkpoint public key read");
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  response->set_key_id(audit_->key_id());
  response->set_ed25519_public_key(*std::move(raw));
  return grpc::Status::OK;
}

// ---- The transparency register ----

grpc::Status GovernanceService::ExportRegister(
    grpc::ServerContext* context, const v1::ExportRegisterRequest* /*request*/,
    v1::TransparencyRegister* response) {
  Call call(audit_, Method("ExportRegister"));
  if (absl::Status s = call.Authorise(*authoriser_, *context); !s.ok()) {
    return ToGrpcStatus(s);
  }
  absl::StatusOr<std::vector<governance::StoredAgreement>> all =
      agreements_->List();
  if (!all.ok()) return ToGrpcStatus(call.Deny(all.status()));
  const absl::CivilDay today =
      absl::ToCivilDay(options_.clock(), options_.agreement_time_zone);
  v1::TransparencyRegister reg =
      governance::BuildTransparencyRegister(*all, today);
  if (absl::Status s = call.Allow(absl::StrCat(
          "transparency register exported: ", reg.entries_size(), " entries"));
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  *response = std::move(reg);
  return grpc::Status::OK;
}

}  // namespace equilink::api
