#ifndef EQUILINK_COMMON_RPC_HANDSHAKE_REFUSAL_H_
#define EQUILINK_COMMON_RPC_HANDSHAKE_REFUSAL_H_

// Why the gateway refused a connection before any RPC handler could run. A
// refusal carries no peer address and nothing from the certificate: whoever
// connects without a trusted certificate is anonymous by definition, and what
// they claim is not evidence of anything.

#include <functional>

#include "absl/strings/string_view.h"

namespace equilink {

enum class HandshakeRefusal {
  // Seen by ClientCertificateVerifier (our code, after the TLS handshake).
  kNoCertificate = 0,
  kUntrustedIssuer,  // not issued by the CA in tls.ca_file
  kExpired,
  kNotYetValid,
  kInvalidCertificate,  // any other chain verification failure
  // Seen only through gRPC's log (grpc_log_observer.h): OpenSSL refuses these
  // before a certificate is exchanged.
  kOldTlsVersion,    // TLS 1.1 or older offered
  kNotTls,           // plaintext HTTP/2, HTTP/1, garbage bytes
  kHandshakeFailed,  // any other TLS handshake failure
};
inline constexpr int kHandshakeRefusalKinds = 8;

// Called for every refusal, on a gRPC thread: must not block.
using HandshakeRefusalObserver = std::function<void(HandshakeRefusal)>;

// The audit rule id, e.g. "TLS-UNTRUSTED-CA".
absl::string_view HandshakeRefusalRuleId(HandshakeRefusal refusal);
// A short fixed description, e.g. "client certificate not issued by the
// gateway's CA".
absl::string_view HandshakeRefusalDescription(HandshakeRefusal refusal);

}  // namespace equilink

#endif  // EQUILINK_COMMON_RPC_HANDSHAKE_REFUSAL_H_
