#ifndef EQUILINK_COMMON_RPC_TLS_CREDENTIALS_H_
#define EQUILINK_COMMON_RPC_TLS_CREDENTIALS_H_

// Mutual-TLS credentials for the gateway and its clients, built from the PEM
// files named in an equilink.v1.TlsFiles message.
//
// Every file is read and parsed with OpenSSL before gRPC sees it, so a broken
// configuration fails at start-up with a message naming the file and the rule,
// instead of as an opaque handshake failure on the first connection. In
// particular an empty CA file is refused: gRPC would silently fall back to the
// system's public roots, and any certificate a public CA issued would then
// pass.
//
// TLS versions: gRPC 1.51's TLS stack (TSI over OpenSSL) negotiates TLS 1.2 or
// 1.3 only; its public API cannot even express an older minimum (see
// SECURITY.md; tests/unit/server/other/auth/mtls_test.cc and
// tests/integration/hostile_transport_integration_test.cc check that a TLS
// 1.1 and a TLS 1.0 handshake are refused).

#include <memory>

#include "absl/status/statusor.h"
#include "common/rpc/handshake_refusal.h"
#include "equilink/v1/gateway_config.pb.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

namespace equilink {

// Server credentials that require every client to present a certificate
// chaining to `files.ca_file()`: a peer without one never reaches a handler.
// The server presents `files.certificate_file()` with
// `files.private_key_file()`.
//
// The chain is verified by ClientCertificateVerifier
// (client_certificate_verifier.h) right after the handshake rather than by
// OpenSSL inside it, so that each refusal (no certificate, another CA,
// expired, not yet valid) reaches `observer` to be audited. TLS 1.2 is the
// minimum (gRPC's TLS credentials default; there is no setting below it).
//
// Errors, each naming the path:
//   FailedPrecondition: the private key file is accessible to group or others
//     (it must be mode 0600 or stricter), or is not a regular file; the
//     certificate has expired; the key does not match the certificate.
//   InvalidArgument: a path is empty, or a file holds no parsable PEM
//     certificate / private key (encrypted keys are not supported).
//   NotFound, PermissionDenied, ...: the file cannot be opened (errno).
// Thread-safe.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const v1::TlsFiles& files, HandshakeRefusalObserver observer = {});

// Client channel credentials: presents `files.certificate_file()` with
// `files.private_key_file()`, and trusts only the CA in `files.ca_file()` for
// the server's certificate. Same errors as MakeServerCredentials. Thread-safe.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>
MakeChannelCredentials(const v1::TlsFiles& files);

}  // namespace equilink

#endif  // EQUILINK_COMMON_RPC_TLS_CREDENTIALS_H_
