#ifndef EQUILINK_CLIENT_COMMANDS_GOVERNANCE_CONNECTION_H_
#define EQUILINK_CLIENT_COMMANDS_GOVERNANCE_CONNECTION_H_

// The governance commands' link to the gateway: a mutual-TLS channel from the
// same flags `equilink submit` takes (--gateway --ca --cert --key), and a
// deadline on every call so a stuck gateway never hangs a terminal.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "equilink/v1/gateway_config.pb.h"
#include "equilink/v1/governance.grpc.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"

namespace equilink::client {

struct GatewayConnection {
  std::string address;  // host:port
  v1::TlsFiles tls;     // the caller's certificate, key, and the CA
  absl::Duration deadline = absl::Seconds(60);
};

// A new mutual-TLS channel to the gateway, for any of its services.
// InvalidArgument when no address is given; TLS file errors as
// MakeChannelCredentials reports them (naming the file).
absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectGateway(
    const GatewayConnection& connection);

// A governance stub over a new channel (ConnectGateway's errors).
absl::StatusOr<std::unique_ptr<v1::GovernanceService::Stub>> ConnectGovernance(
    const GatewayConnection& connection);

// A context whose deadline is `connection.deadline` from now.
std::unique_ptr<grpc::ClientContext> CallContext(
    const GatewayConnection& connection);

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_COMMANDS_GOVERNANCE_CONNECTION_H_
