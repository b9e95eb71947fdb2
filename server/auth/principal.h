#ifndef EQUILINK_SERVER_AUTH_PRINCIPAL_H_
#define EQUILINK_SERVER_AUTH_PRINCIPAL_H_

// Who is calling: the organisation its client certificate names, with the
// roles the gateway's organisation registry gives it. A Principal exists only
// after authentication (authenticate.h) and an authoriser
// (organisation_authoriser.h) have both passed.

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace equilink::auth {

// The roles an organisation can hold (DESIGN.md).
inline constexpr absl::string_view kRoleSubmitter = "submitter";
inline constexpr absl::string_view kRoleGovernance = "governance";
inline constexpr absl::string_view kRoleConsumer = "consumer";
inline constexpr absl::string_view kRoleAuditor = "auditor";
inline constexpr absl::string_view kRoleAdmin = "admin";

struct Principal {
  std::string organisation_code;   // from urn:equilink:org:<code>
  std::vector<std::string> roles;  // from the registry, not the certificate
  // urn:equilink:person:<id> from the certificate when it names a member of
  // staff (governance users), else empty.
  std::string person;

  // Who acted, for four-eyes checks and agreement histories: the person when
  // the certificate names one, else the organisation's URN.
  std::string Id() const {
    return person.empty() ? "urn:equilink:org:" + organisation_code : person;
  }

  bool HasRole(absl::string_view role) const {
    return std::find(roles.begin(), roles.end(), role) != roles.end();
  }
};

}  // namespace equilink::auth

#endif  // EQUILINK_SERVER_AUTH_PRINCIPAL_H_
