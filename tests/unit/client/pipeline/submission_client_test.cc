// SubmissionClient against a scripted SubmissionService on 127.0.0.1: the
// client, not the gateway, is what notices a batch that was sent and never
// acknowledged. gRPC C++ drops a message cut off by the end of its stream
// without an error (tests/integration/hostile_transport_integration_test.cc,
// TruncatedStreamTest), so the gateway can only end such a stream OK with no
// ack for it; the client must not call that success.

#include "client/pipeline/submission_client.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"

namespace equilink::client {
namespace {

using ::testing::HasSubstr;

// Reads every batch and acknowledges only the first `acks_to_send`, then ends
// the stream OK.
class AcksSomeService final : public v1::SubmissionService::Service {
 public:
  explicit AcksSomeService(int acks_to_send) : acks_to_send_(acks_to_send) {}

  grpc::Status Submit(
      grpc::ServerContext*,
      grpc::ServerReaderWriter<v1::BatchAck, v1::SubmissionBatch>* stream)
      override {
    v1::SubmissionBatch batch;
    int acked = 0;
    while (stream->Read(&batch)) {
      if (acked < acks_to_send_) {
        v1::BatchAck ack;
        ack.set_sequence(batch.sequence());
        stream->Write(ack);
        ++acked;
      }
    }
    return grpc::Status::OK;
  }

 private:
  const int acks_to_send_;
};

class SubmissionClientTest : public ::testing::Test {
 protected:
  void Start(int acks_to_send) {
    service_ = std::make_unique<AcksSomeService>(acks_to_send);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                   grpc::InsecureChannelCredentials());
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  // A source of `count` one-record batches.
  BatchSource Batches(int count) {
    return
        [count, next = 0](OutgoingBatch* out) mutable -> absl::StatusOr<bool> {
          if (next == count) return false;
          out->batch.Clear();
          out->batch.set_submission_id("unit-1");
          out->batch.set_sequence(next);
          out->batch.add_records();
          out->record_rows = {next + 2};
          ++next;
          return true;
        };
  }

  std::unique_ptr<AcksSomeService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(SubmissionClientTest, EveryBatchAcknowledgedIsSuccess) {
  Start(/*acks_to_send=*/3);
  SubmissionClient client(channel_, SubmissionClientOptions{});
  std::vector<uint64_t> acked;
  const absl::Status status = client.Stream(
      Batches(3), [&](const v1::BatchAck& ack, const std::vector<int>&) {
        acked.push_back(ack.sequence());
      });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_THAT(acked, ::testing::ElementsAre(0, 1, 2));
}

TEST_F(SubmissionClientTest, StreamEndingOkWithABatchUnacknowledgedIsAnError) {
  Start(/*acks_to_send=*/2);
  SubmissionClient client(channel_, SubmissionClientOptions{});
  std::vector<uint64_t> acked;
  const absl::Status status = client.Stream(
      Batches(3), [&](const v1::BatchAck& ack, const std::vector<int>&) {
        acked.push_back(ack.sequence());
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_THAT(status.message(), HasSubstr("before every batch"));
  // The two that were acknowledged were still handed on: they are durable
  // and a re-run resumes after them.
  EXPECT_THAT(acked, ::testing::ElementsAre(0, 1));
}

}  // namespace
}  // namespace equilink::client
