#include "server/auth/access_policy.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/log/log.h"
#include "common/status/check.h"
#include "server/auth/authenticate.h"

namespace equilink::auth {
namespace {

// Roles are the least each method needs (DESIGN.md): submitters submit and
// see their own submissions; governance writes agreements, the registry and
// the opt-out list; consumers pull what their agreements allow; auditors and
// governance read the audit trail; admin runs the retention purge alongside
// governance. The transparency register is public in content, but served
// only to registered organisations: publishing it is the ICS's job.
const std::vector<MethodRule>& Rules() {
  static const auto* const rules = new std::vector<MethodRule>{
      {"/equilink.v1.SubmissionService/Submit", {kRoleSubmitter}},
      {"/equilink.v1.SubmissionService/GetSubmissionStatus", {kRoleSubmitter}},

      {"/equilink.v1.GovernanceService/CreateAgreement", {kRoleGovernance}},
      {"/equilink.v1.GovernanceService/GetAgreement",
       {kRoleGovernance, kRoleAuditor}},
      {"/equilink.v1.GovernanceService/ListAgreements",
       {kRoleGovernance, kRoleAuditor}},
      {"/equilink.v1.GovernanceService/TransitionAgreement", {kRoleGovernance}},
      {"/equilink.v1.GovernanceService/RegisterOrganisation",
       {kRoleGovernance, kRoleAdmin}},
      {"/equilink.v1.GovernanceService/SetOrganisationStatus",
       {kRoleGovernance, kRoleAdmin}},
      {"/equilink.v1.GovernanceService/ListOrganisations",
       {kRoleGovernance, kRoleAdmin, kRoleAuditor}},
      {"/equilink.v1.GovernanceService/UploadOptOutList", {kRoleGovernance}},
      {"/equilink.v1.GovernanceService/GetOptOutList",
       {kRoleGovernance, kRoleAuditor}},
      {"/equilink.v1.GovernanceService/PurgeExpiredRecords",
       {kRoleGovernance, kRoleAdmin}},
      {"/equilink.v1.GovernanceService/ListAuditEntries",
       {kRoleAuditor, kRoleGovernance}},
      {"/equilink.v1.GovernanceService/GetAuditKey",
       {kRoleAuditor, kRoleGovernance}},
      {"/equilink.v1.GovernanceService/ExportRegister",
       {kRoleGovernance, kRoleAuditor}},

      {"/equilink.v1.ExtractService/Pull", {kRoleConsumer}},
      {"/equilink.v1.IndicatorService/GetIndicators", {kRoleConsumer}},
  };
  return *rules;
}

}  // namespace

absl::Span<const MethodRule> MethodRules() { return Rules(); }

const MethodRule* FindMethodRule(absl::string_view full_method) {
  for (const MethodRule& rule : Rules()) {
    if (rule.method == full_method) return &rule;
  }
  return nullptr;
}

std::string AuditActionOf(absl::string_view full_method) {
  // "/equilink.v1.Service/Method": keep "Service.Method".
  std::vector<absl::string_view> parts =
      absl::StrSplit(full_method, '/', absl::SkipEmpty());
  if (parts.size() != 2) return "unknown-method";
  absl::string_view service = parts[0];
  const size_t dot = service.rfind('.');
  if (dot != absl::string_view::npos) service.remove_prefix(dot + 1);
  return absl::StrCat(service, ".", parts[1]);
}

CallAuthoriser::CallAuthoriser(store::Store* store, audit::AuditLog* audit)
    : store_(store), audit_(audit) {
  EQ_CHECK(store_ != nullptr);
}

absl::Status CallAuthoriser::Refuse(absl::Status refusal,
                                    absl::string_view organisation_code,
                                    absl::string_view person,
                                    absl::string_view full_method,
                                    absl::string_view rule_id) {
  EQ_LOG(kWarning, "denied %s: %s", AuditActionOf(full_method),
         refusal.message());
  if (audit_ == nullptr) return refusal;
  v1::AuditEntry entry;
  // An unauthenticated caller has no organisation code the log could trust;
  // "unauthenticated" is a fixed marker, never what the certificate claimed.
  entry.mutable_principal()->set_organisation_code(
      organisation_code.empty() ? "unauthenticated"
                                : std::string(organisation_code));
  entry.mutable_principal()->set_role("none");
  entry.mutable_principal()->set_person(std::string(person));
  entry.set_action(AuditActionOf(full_method));
  entry.set_decision(v1::AUDIT_DENY);
  entry.set_rule_id(std::string(rule_id));
  entry.set_reason(std::string(refusal.message()));
  absl::StatusOr<v1::AuditEntry> appended = audit_->Append(entry);
  if (!appended.ok()) {
    EQ_LOG(kError, "audit append failed for a refusal: %s",
           appended.status().ToString());
    return absl::UnavailableError(
        "the audit log cannot be written; the call is refused");
  }
  return refusal;
}

absl::StatusOr<Principal> CallAuthoriser::Authorise(
    const grpc::AuthContext& context, absl::string_view full_method) {
  absl::StatusOr<std::string> organisation =
      OrganisationFromAuthContext(context);
  if (!organisation.ok()) {
    return Refuse(organisation.status(), "", "", full_method, "AUTHN");
  }
  absl::StatusOr<std::string> person = PersonFromAuthContext(context);
  if (!person.ok()) {
    return Refuse(person.status(), *organisation, "", full_method, "AUTHN");
  }
  absl::StatusOr<std::string> fingerprint =
      CertificateSha256FromAuthContext(context);
  if (!fingerprint.ok()) {
    return Refuse(fingerprint.status(), *organisation, *person, full_method,
                  "AUTHN");
  }
  return AuthoriseOrganisation(*organisation, *person, *fingerprint,
                               full_method);
}

absl::StatusOr<Principal> CallAuthoriser::AuthoriseOrganisation(
    const std::string& organisation_code, absl::string_view person,
    absl::string_view certificate_sha256, absl::string_view full_method) {
  const MethodRule* rule = FindMethodRule(full_method);
  if (rule == nullptr) {
    return Refuse(absl::PermissionDeniedError("method has no access rule"),
                  organisation_code, person, full_method, "AUTHZ-METHOD");
  }
  absl::StatusOr<std::optional<store::Organisation>> organisation =
      store_->FindOrganisation(organisation_code);
  if (!organisation.ok()) {
    EQ_LOG(kError, "organisation registry unreadable: %s",
           organisation.status().ToString());
    return absl::UnavailableError(
        "the organisation registry cannot be read; retry later");
  }
  if (!organisation->has_value()) {
    return Refuse(absl::PermissionDeniedError("organisation is not registered"),
                  organisation_code, person, full_method, "AUTHZ-REGISTERED");
  }
  if (!(*organisation)->active) {
    return Refuse(absl::PermissionDeniedError("organisation is suspended"),
                  organisation_code, person, full_method, "AUTHZ-ACTIVE");
  }
  if (!(*organisation)->certificate_sha256.empty() &&
      (*organisation)->certificate_sha256 != certificate_sha256) {
    return Refuse(absl::PermissionDeniedError(
                      "certificate is not the one bound to the organisation"),
                  organisation_code, person, full_method, "AUTHZ-CERTIFICATE");
  }
  Principal principal{(*organisation)->code, std::move((*organisation)->roles),
                      std::string(person)};
  for (absl::string_view role : rule->roles) {
    if (principal.HasRole(role)) return principal;
  }
  return Refuse(absl::PermissionDeniedError(absl::StrCat(
                    "role ", absl::StrJoin(rule->roles, " or "), " required")),
                organisation_code, person, full_method, "AUTHZ-ROLE");
}

}  // namespace equilink::auth
