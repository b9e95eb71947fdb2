#include "common/rpc/channel_options.h"

#include "grpc/grpc.h"

namespace equilink {
namespace {

int OrDefault(int max_message_bytes) {
  return max_message_bytes > 0 ? max_message_bytes : kDefaultMaxMessageBytes;
}

}  // namespace

void ApplyServerChannelOptions(int max_message_bytes,
                               grpc::ServerBuilder& builder) {
  const int limit = OrDefault(max_message_bytes);
  builder.SetMaxReceiveMessageSize(limit);
  builder.SetMaxSendMessageSize(limit);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             kServerKeepaliveTimeMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             kServerKeepaliveTimeoutMs);
  // Let clients keep long streams alive with their own pings, without the
  // server counting them as abuse.
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
      kServerMinClientPingIntervalMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // The server's own keepalive pings must not stop after the default two
  // pings without data, or a dead idle peer would never be detected.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
}

grpc::ChannelArguments ClientChannelArguments(int max_message_bytes) {
  const int limit = OrDefault(max_message_bytes);
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(limit);
  args.SetMaxSendMessageSize(limit);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, kClientKeepaliveTimeMs);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kClientKeepaliveTimeoutMs);
  // Ping only while a call is open; an idle client has nothing to keep.
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 0);
  // 0 = no cap on pings between data frames, so a stream waiting on a slow
  // commit is not dropped after the default two pings.
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  return args;
}

}  // namespace equilink
