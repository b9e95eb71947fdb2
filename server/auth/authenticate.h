#ifndef EQUILINK_SERVER_AUTH_AUTHENTICATE_H_
#define EQUILINK_SERVER_AUTH_AUTHENTICATE_H_

// Authentication: which organisation is on the other end of a call. The answer
// comes only from the TLS layer's AuthContext, the one source a client cannot
// write to (metadata and peer addresses are the client's to choose).
//
// The identity is the certificate's URI subject alternative name
// urn:equilink:org:<CODE>, where CODE is the organisation's ODS code: 2 to 16
// characters of [A-Z0-9]. The subject's CN and O, DNS SANs and any other field
// are ignored, so a CA that puts an organisation's name in the CN cannot
// confuse two organisations. Nothing else is accepted as an identity.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/security/auth_context.h"

namespace equilink::auth {

inline constexpr absl::string_view kOrganisationUriPrefix = "urn:equilink:org:";

// The auth property holding a certificate's URI SANs, one value each. gRPC
// 1.51 also lists them, mixed with DNS, email and IP SANs and without their
// type, under "x509_subject_alternative_name"; reading the typed property means
// a DNS SAN spelled like the URN is not mistaken for one.
inline constexpr char kUriSanProperty[] = "peer_uri";

// True when `code` is 2-16 characters of [A-Z0-9].
bool IsValidOrganisationCode(absl::string_view code);

// The organisation code of an authenticated TLS peer. Requires
// context.IsPeerAuthenticated() and exactly one URI SAN that starts with
// urn:equilink:org:, whose remainder is a valid code. Other URI SANs (for
// example a SPIFFE id) are ignored. Everything else is Unauthenticated, with a
// message that names the rule and never the certificate's contents. Does not
// consult the registry: see organisation_authoriser.h. Thread-safe.
absl::StatusOr<std::string> OrganisationFromAuthContext(
    const grpc::AuthContext& context);

inline constexpr absl::string_view kPersonUriPrefix = "urn:equilink:person:";

// The member of staff a certificate names: its one URI SAN starting with
// urn:equilink:person:, followed by 1-64 characters of [a-z0-9._-]. Empty
// when there is none (organisation certificates); Unauthenticated when there
// are two or the id is malformed. Thread-safe.
absl::StatusOr<std::string> PersonFromAuthContext(
    const grpc::AuthContext& context);

// Lowercase hex SHA-256 of the peer certificate's DER encoding, for binding an
// organisation to one certificate. Unauthenticated when the context holds no
// parseable peer certificate. Thread-safe.
absl::StatusOr<std::string> CertificateSha256FromAuthContext(
    const grpc::AuthContext& context);

}  // namespace equilink::auth

#endif  // EQUILINK_SERVER_AUTH_AUTHENTICATE_H_
