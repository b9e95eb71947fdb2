#ifndef EQUILINK_COMMON_RPC_CLIENT_CERTIFICATE_VERIFIER_H_
#define EQUILINK_COMMON_RPC_CLIENT_CERTIFICATE_VERIFIER_H_

// Verifies a client's certificate chain against the gateway's CA in our own
// code, after the TLS handshake and before the connection is accepted, so a
// refusal can be counted and audited. With gRPC's built-in verification
// (GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY) OpenSSL refuses
// inside the handshake and the application never learns that it happened.
//
// The check is the one OpenSSL makes in the handshake: X509_verify_cert with
// the "ssl_client" defaults (purpose sslclient: the leaf must allow clientAuth)
// against a store holding only the CA certificates, current time. Proof that
// the client holds the certificate's key is still TLS's own CertificateVerify
// step, which OpenSSL checks whatever the verification mode.

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/rpc/handshake_refusal.h"
#include "grpcpp/security/tls_certificate_verifier.h"

namespace equilink {

// A verifier for grpc::experimental::TlsServerCredentialsOptions trusting only
// the PEM certificates in `ca_pem`, reporting each refusal to `observer`
// (which may be empty). InvalidArgument when `ca_pem` holds no certificate.
absl::StatusOr<std::shared_ptr<grpc::experimental::CertificateVerifier>>
MakeClientCertificateVerifier(const std::string& ca_pem,
                              HandshakeRefusalObserver observer);

// The check itself, for unit tests: OK, or the refusal for a leaf
// certificate `leaf_pem` (empty: none presented) with optional intermediates
// `chain_pem`.
class ClientChainChecker {
 public:
  static absl::StatusOr<std::unique_ptr<ClientChainChecker>> New(
      const std::string& ca_pem);
  ~ClientChainChecker();
  ClientChainChecker(const ClientChainChecker&) = delete;
  ClientChainChecker& operator=(const ClientChainChecker&) = delete;

  // nullopt when the chain is good. Thread-safe.
  std::optional<HandshakeRefusal> Check(absl::string_view leaf_pem,
                                        absl::string_view chain_pem) const;

 private:
  struct Store;
  explicit ClientChainChecker(std::unique_ptr<Store> store);
  std::unique_ptr<Store> store_;
};

}  // namespace equilink

#endif  // EQUILINK_COMMON_RPC_CLIENT_CERTIFICATE_VERIFIER_H_
