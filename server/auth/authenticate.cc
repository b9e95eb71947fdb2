#include "server/auth/authenticate.h"

#include <optional>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace equilink::auth {

bool IsValidOrganisationCode(absl::string_view code) {
  if (code.size() < 2 || code.size() > 16) return false;
  for (const char c : code) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

absl::StatusOr<std::string> OrganisationFromAuthContext(
    const grpc::AuthContext& context) {
  if (!context.IsPeerAuthenticated()) {
    return absl::UnauthenticatedError(
        "a client certificate issued by the gateway's CA is required");
  }
  std::optional<absl::string_view> code;
  for (const grpc::string_ref& value :
       context.FindPropertyValues(kUriSanProperty)) {
    const absl::string_view uri(value.data(), value.size());
    if (!absl::StartsWith(uri, kOrganisationUriPrefix)) continue;
    if (code.has_value()) {
      return absl::UnauthenticatedError(absl::StrCat(
          "the client certificate has more than one ", kOrganisationUriPrefix,
          " URI; exactly one is required"));
    }
    code = uri.substr(kOrganisationUriPrefix.size());
  }
  if (!code.has_value()) {
    return absl::UnauthenticatedError(
        absl::StrCat("the client certificate has no ", kOrganisationUriPrefix,
                     "<CODE> URI subject alternative name"));
  }
  if (!IsValidOrganisationCode(*code)) {
    return absl::UnauthenticatedError(absl::StrCat(
        "the organisation code in the client certificate's ",
        kOrganisationUriPrefix, " URI must be 2-16 characters A-Z 0-9"));
  }
  return std::string(*code);
}

}  // namespace equilink::auth
