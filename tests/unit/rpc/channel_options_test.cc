#include "common/rpc/channel_options.h"

#include <string>

#include "grpc/grpc.h"
#include "gtest/gtest.h"

namespace equilink {
namespace {

int IntArg(const grpc::ChannelArguments& args, const char* key) {
  grpc_channel_args c_args = args.c_channel_args();
  for (size_t i = 0; i < c_args.num_args; ++i) {
    if (std::string(c_args.args[i].key) == key &&
        c_args.args[i].type == GRPC_ARG_INTEGER) {
      return c_args.args[i].value.integer;
    }
  }
  return -1;
}

TEST(ClientChannelArgumentsTest, SetsMessageLimitsBothWays) {
  const grpc::ChannelArguments args = ClientChannelArguments(1234);
  EXPECT_EQ(IntArg(args, GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH), 1234);
  EXPECT_EQ(IntArg(args, GRPC_ARG_MAX_SEND_MESSAGE_LENGTH), 1234);
}

TEST(ClientChannelArgumentsTest, NonPositiveMeansDefault) {
  const grpc::ChannelArguments args = ClientChannelArguments(0);
  EXPECT_EQ(IntArg(args, GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH),
            kDefaultMaxMessageBytes);
}

// A client that pings more often than the server allows is disconnected with
// GOAWAY too_many_pings; the two constants must stay in this order.
TEST(ClientChannelArgumentsTest, ClientPingsNoFasterThanServerPermits) {
  const grpc::ChannelArguments args = ClientChannelArguments(0);
  EXPECT_GE(IntArg(args, GRPC_ARG_KEEPALIVE_TIME_MS),
            kServerMinClientPingIntervalMs);
}

}  // namespace
}  // namespace equilink
