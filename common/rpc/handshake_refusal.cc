#include "common/rpc/handshake_refusal.h"

namespace equilink {

absl::string_view HandshakeRefusalRuleId(HandshakeRefusal refusal) {
  switch (refusal) {
    case HandshakeRefusal::kNoCertificate:
      return "TLS-NO-CERTIFICATE";
    case HandshakeRefusal::kUntrustedIssuer:
      return "TLS-UNTRUSTED-CA";
    case HandshakeRefusal::kExpired:
      return "TLS-EXPIRED";
    case HandshakeRefusal::kNotYetValid:
      return "TLS-NOT-YET-VALID";
    case HandshakeRefusal::kInvalidCertificate:
      return "TLS-CERTIFICATE";
    case HandshakeRefusal::kOldTlsVersion:
      return "TLS-VERSION";
    case HandshakeRefusal::kNotTls:
      return "TLS-NOT-TLS";
    case HandshakeRefusal::kHandshakeFailed:
      return "TLS-HANDSHAKE";
  }
  return "TLS-HANDSHAKE";
}

absl::string_view HandshakeRefusalDescription(HandshakeRefusal refusal) {
  switch (refusal) {
    case HandshakeRefusal::kNoCertificate:
      return "no client certificate";
    case HandshakeRefusal::kUntrustedIssuer:
      return "client certificate not issued by the gateway's CA";
    case HandshakeRefusal::kExpired:
      return "client certificate expired";
    case HandshakeRefusal::kNotYetValid:
      return "client certificate not yet valid";
    case HandshakeRefusal::kInvalidCertificate:
      return "client certificate failed verification";
    case HandshakeRefusal::kOldTlsVersion:
      return "TLS version older than 1.2 offered";
    case HandshakeRefusal::kNotTls:
      return "not a TLS client (plaintext or garbage)";
    case HandshakeRefusal::kHandshakeFailed:
      return "TLS handshake failed";
  }
  return "TLS handshake failed";
}

}  // namespace equilink
