#include "server/auth/organisation_authoriser.h"

#include <optional>
#include <utility>

#include "common/status/check.h"
#include "common/status/status_macros.h"

namespace equilink::auth {

RegistryAuthoriser::RegistryAuthoriser(store::Store* store) : store_(store) {
  EQ_CHECK(store_ != nullptr);
}

absl::StatusOr<Principal> RegistryAuthoriser::AuthoriseSubmitter(
    const std::string& organisation_code) {
  EQ_ASSIGN_OR_RETURN(std::optional<store::Organisation> organisation,
                      store_->FindOrganisation(organisation_code));
  if (!organisation.has_value()) {
    return absl::PermissionDeniedError("organisation is not registered");
  }
  if (!organisation->active) {
    return absl::PermissionDeniedError("organisation is suspended");
  }
  Principal principal{organisation->code, std::move(organisation->roles)};
  if (!principal.HasRole(kRoleSubmitter)) {
    return absl::PermissionDeniedError("role submitter required");
  }
  return principal;
}

}  // namespace equilink::auth
