#ifndef EQUILINK_COMMON_RPC_GRPC_LOG_OBSERVER_H_
#define EQUILINK_COMMON_RPC_GRPC_LOG_OBSERVER_H_

// Handshake failures that happen before a certificate is exchanged (a TLS 1.0
// or 1.1 ClientHello, plaintext HTTP/2, garbage bytes) end inside OpenSSL;
// gRPC 1.51 offers no callback for them. The one trace they leave is the
// line gRPC's TLS layer logs for every failed handshake
// (src/core/tsi/ssl_transport_security.cc: "Handshake failed with fatal
// error SSL_ERROR_SSL: <OpenSSL reason>"). This routes gRPC's log through our
// logger and turns those lines into HandshakeRefusal events.
//
// It depends on the text of a gRPC log line, so it is checked by
// tests/integration/hostile_transport_integration_test.cc on every build: a
// gRPC upgrade that changes the text fails that test instead of silently
// losing the count. Handshakes a gRPC client in the same process fails
// produce the same line, so in a process that is also a client (the
// in-process integration tests) the counts include those.

#include <optional>

#include "absl/strings/string_view.h"
#include "common/rpc/handshake_refusal.h"

namespace equilink {

// Sends every gRPC log line to common/log from now on (idempotent), and
// replaces the observer of handshake failures (empty: none). Thread-safe.
void SetGrpcHandshakeFailureObserver(HandshakeRefusalObserver observer);

// The refusal a gRPC log message reports, if it reports one. Exposed for
// unit tests.
std::optional<HandshakeRefusal> HandshakeRefusalFromGrpcLog(
    absl::string_view message);

}  // namespace equilink

#endif  // EQUILINK_COMMON_RPC_GRPC_LOG_OBSERVER_H_
