#ifndef EQUILINK_SERVER_AUTH_ORGANISATION_AUTHORISER_H_
#define EQUILINK_SERVER_AUTH_ORGANISATION_AUTHORISER_H_

// Authorisation, the step after authentication: may this organisation act in
// this role at all? A certificate only proves who the caller is; the
// gateway's own registry says whether it is registered, not suspended, and
// holds the role. Data sharing agreements (which datasets, fields, purposes
// and dates) are a further check behind this one.

#include <string>

#include "absl/status/statusor.h"
#include "server/auth/principal.h"
#include "server/store/store.h"

namespace equilink::auth {

// The check every submission handler makes once OrganisationFromAuthContext
// has named the caller. An interface because the data-sharing-agreement work
// replaces the registry-only check with one that also consults agreements.
class SubmissionAuthoriser {
 public:
  virtual ~SubmissionAuthoriser() = default;

  // The caller's principal when `organisation_code` may submit data.
  // PermissionDenied when it may not (the message says which rule failed and
  // holds no record content); the store's status when the registry cannot be
  // read (for example Unavailable). Implementations are thread-safe.
  virtual absl::StatusOr<Principal> AuthoriseSubmitter(
      const std::string& organisation_code) = 0;
};

// Authorises against the organisation registry in the store:
//   not registered            -> PermissionDenied "organisation is not
//   registered" registered, not active    -> PermissionDenied "organisation is
//   suspended" active, lacks "submitter" -> PermissionDenied "role submitter
//   required"
// PermissionDenied rather than Unauthenticated: the certificate was valid and
// the caller is known to be who it says; it just may not do this. Thread-safe
// when the store is (every Store is).
class RegistryAuthoriser final : public SubmissionAuthoriser {
 public:
  // `store` is not owned and must outlive this object.
  explicit RegistryAuthoriser(store::Store* store);

  absl::StatusOr<Principal> AuthoriseSubmitter(
      const std::string& organisation_code) override;

 private:
  store::Store* const store_;
};

}  // namespace equilink::auth

#endif  // EQUILINK_SERVER_AUTH_ORGANISATION_AUTHORISER_H_
