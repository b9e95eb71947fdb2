#include "client/commands/governance_connection.h"

#include <chrono>

#include "common/rpc/channel_options.h"
#include "common/rpc/tls_credentials.h"
#include "common/status/status_macros.h"
#include "grpcpp/create_channel.h"

namespace equilink::client {

absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectGateway(
    const GatewayConnection& connection) {
  if (connection.address.empty()) {
    return absl::InvalidArgumentError("--gateway=HOST:PORT is required");
  }
  EQ_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ChannelCredentials> credentials,
                      MakeChannelCredentials(connection.tls));
  return grpc::CreateCustomChannel(
      connection.address, credentials,
      ClientChannelArguments(kDefaultMaxMessageBytes));
}

absl::StatusOr<std::unique_ptr<v1::GovernanceService::Stub>> ConnectGovernance(
    const GatewayConnection& connection) {
  EQ_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel,
                      ConnectGateway(connection));
  return v1::GovernanceService::NewStub(channel);
}

std::unique_ptr<grpc::ClientContext> CallContext(
    const GatewayConnection& connection) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoMilliseconds(connection.deadline));
  return context;
}

}  // namespace equilink::client
