#ifndef EQUILINK_SERVER_AUTH_ACCESS_POLICY_H_
#define EQUILINK_SERVER_AUTH_ACCESS_POLICY_H_

// Role-based access to every RPC the gateway serves, in one table: each
// method names the roles that may call it. A method missing from the table is
// refused to everyone (fail closed), and tests/integration enumerates every
// method of every equilink service from the generated descriptors and calls
// it with no certificate, a wrong role and a suspended organisation, so a
// handler added without a rule, or without calling CallAuthoriser, fails the
// build's tests.
//
// Role first, agreement second: CallAuthoriser only answers "may this
// organisation, as registered now, call this method at all". Whether an
// agreement allows the particular submission or extract is the handler's next
// check (server/governance).

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "grpcpp/security/auth_context.h"
#include "server/audit/audit_log.h"
#include "server/auth/principal.h"
#include "server/store/store.h"

namespace equilink::auth {

struct MethodRule {
  // The gRPC full method name, "/equilink.v1.SubmissionService/Submit".
  absl::string_view method;
  // Any one of these roles suffices.
  std::vector<absl::string_view> roles;
};

// Every rule, in no particular order.
absl::Span<const MethodRule> MethodRules();

// The rule for `full_method`, or null.
const MethodRule* FindMethodRule(absl::string_view full_method);

// Authenticates the caller, consults the organisation registry and the method
// rule, and audits every refusal before returning it. Thread-safe.
class CallAuthoriser {
 public:
  // Neither pointer is owned; both must outlive the authoriser. `audit` may
  // be null only in unit tests of the policy table.
  CallAuthoriser(store::Store* store, audit::AuditLog* audit);

  // The caller's principal when it may call `full_method`:
  //  - Unauthenticated when the certificate names no organisation (or two);
  //  - PermissionDenied "organisation is not registered", "organisation is
  //    suspended", "certificate is not the one bound to the organisation",
  //    "role R required" (listing the rule's roles), or "method has no access
  //    rule";
  //  - Unavailable when the registry or the audit log cannot be used: a
  //    refusal that cannot be audited is still a refusal, and an allow is
  //    never given without a readable registry.
  // Each refusal appends an AUDIT_DENY entry naming the method and the rule
  // ("AUTHN", "AUTHZ-REGISTERED", "AUTHZ-ACTIVE", "AUTHZ-CERTIFICATE",
  // "AUTHZ-ROLE", "AUTHZ-METHOD"). Allows are audited by the handler, which
  // knows what was decided.
  absl::StatusOr<Principal> Authorise(const grpc::AuthContext& context,
                                      absl::string_view full_method);

  // The same check for an organisation already authenticated, e.g. again on
  // every batch of a long submission stream, so suspending an organisation
  // stops a stream that is already open.
  absl::StatusOr<Principal> AuthoriseOrganisation(
      const std::string& organisation_code, absl::string_view person,
      absl::string_view certificate_sha256, absl::string_view full_method);

 private:
  absl::Status Refuse(absl::Status refusal, absl::string_view organisation_code,
                      absl::string_view person, absl::string_view full_method,
                      absl::string_view rule_id);

  store::Store* const store_;
  audit::AuditLog* const audit_;
};

// The short action name audit entries use for `full_method`:
// "/equilink.v1.GovernanceService/CreateAgreement" ->
// "GovernanceService.CreateAgreement".
std::string AuditActionOf(absl::string_view full_method);

}  // namespace equilink::auth

#endif  // EQUILINK_SERVER_AUTH_ACCESS_POLICY_H_
