#ifndef EQUILINK_COMMON_RPC_CHANNEL_OPTIONS_H_
#define EQUILINK_COMMON_RPC_CHANNEL_OPTIONS_H_

// Channel settings both ends must agree on: the largest message, and keepalive
// pings. They live together because the client's ping interval has to stay
// above the server's minimum, or the server closes the connection with
// GOAWAY "too_many_pings".

#include "grpcpp/server_builder.h"
#include "grpcpp/support/channel_arguments.h"

namespace equilink {

// 16 MiB: a batch of 5,000 pseudonymised records (~2 KiB each with Bloom
// encodings) fits with room to spare.
inline constexpr int kDefaultMaxMessageBytes = 16 * 1024 * 1024;

// Server keepalive. The server pings an idle connection every 60 s and drops
// it when no answer comes within 20 s, so a client that vanished behind a NAT
// releases its stream and memory. Clients may ping down to every 20 s.
inline constexpr int kServerKeepaliveTimeMs = 60'000;
inline constexpr int kServerKeepaliveTimeoutMs = 20'000;
inline constexpr int kServerMinClientPingIntervalMs = 20'000;

// Client keepalive: pings during calls every 30 s (above the server's 20 s
// floor), so a long submission stream through a firewall that forgets idle
// flows stays open.
inline constexpr int kClientKeepaliveTimeMs = 30'000;
inline constexpr int kClientKeepaliveTimeoutMs = 10'000;

// Sets message size limits (both directions) and keepalive on `builder`.
// A `max_message_bytes` <= 0 means kDefaultMaxMessageBytes.
void ApplyServerChannelOptions(int max_message_bytes,
                               grpc::ServerBuilder& builder);

// Channel arguments for a client of the gateway: the same message size limits
// and keepalive that ApplyServerChannelOptions permits. A `max_message_bytes`
// <= 0 means kDefaultMaxMessageBytes.
grpc::ChannelArguments ClientChannelArguments(int max_message_bytes);

}  // namespace equilink

#endif  // EQUILINK_COMMON_RPC_CHANNEL_OPTIONS_H_
