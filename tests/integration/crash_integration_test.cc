// The real equilink-gateway binary killed (SIGKILL) or stopped (SIGTERM) in the
// middle of a submission: no acknowledged batch may be lost, and the client's
// re-run completes the rest without storing anything twice.

#include <signal.h>

#include <atomic>
#include <set>
#include <string>

#include "absl/synchronization/mutex.h"
#include "client/commands/submit_command.h"
#include "client/pipeline/submission_client.h"
#include "client/pipeline/submission_id.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/sqlite_store.h"
#include "tests/integration/gateway_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink::testing {
namespace {

constexpr int kRows = 20000;
constexpr int kRowsPerBatch = 250;

class CrashIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const v1::GatewayConfig config = MakeGatewayConfig(dir_.path());
    const absl::Status installed =
        InstallActiveAgreement(config.store().sqlite_path(),
                               ExampleSubmissionAgreement(kCharitylogOrg));
    ASSERT_TRUE(installed.ok()) << installed;
    config_path_ = WriteGatewayConfig(config, dir_.File("gateway.textproto"));
    export_path_ = dir_.File("export.csv");
    WriteSyntheticCharitylogExport(export_path_, kRows, 7);
  }

  void StartGateway() {
    absl::StatusOr<GatewayProcess> gateway = StartGatewayProcess(
        config_path_, dir_.File("port"), dir_.File("gateway.log"));
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = *std::move(gateway);
  }

  client::SubmitOptions Options() {
    client::SubmitOptions options;
    options.export_options.input_path = export_path_;
    options.export_options.profile_path =
        SourcePath("client/profiles/charitylog.textproto");
    options.export_options.postcode_lookup_path =
        SourcePath("deploy/data/postcode_lookup_demo.csv");
    options.export_options.rows_per_batch = kRowsPerBatch;
    options.linkage_key_path = TestLinkageKeyPath();
    options.gateway_address = absl::StrCat("127.0.0.1:", gateway_.port);
    options.tls = TestPki::Get().ClientFiles(kCharitylogOrg);
    options.purpose_id = kExamplePurpose;
    return options;
  }

  // Submits until `stop_after_acks` acknowledgements have arrived, then sends
  // `signal` to the gateway. Returns the acknowledged sequences.
  std::set<uint64_t> SubmitAndInterrupt(int stop_after_acks, int signal) {
    absl::Mutex mu;
    std::set<uint64_t> acked;
    std::atomic<bool> signalled{false};
    client::SubmitOptions options = Options();
    options.ack_observer = [&](const v1::BatchAck& ack) {
      absl::MutexLock lock(&mu);
      acked.insert(ack.sequence());
      if (static_cast<int>(acked.size()) >= stop_after_acks &&
          !signalled.exchange(true)) {
        gateway_.process.Signal(signal);
      }
    };
    absl::StatusOr<client::RunReport> report = client::RunSubmit(options);
    EXPECT_FALSE(report.ok()) << "the submission should have been interrupted";
    absl::MutexLock lock(&mu);
    return acked;
  }

  TempDir dir_;
  std::string config_path_;
  std::string export_path_;
  GatewayProcess gateway_;
};

TEST_F(CrashIntegrationTest,
       KilledGatewayLosesNoAcknowledgedBatchAndReRunCompletes) {
  StartGateway();
  const std::set<uint64_t> acked = SubmitAndInterrupt(10, SIGKILL);
  ASSERT_GE(acked.size(), 10u);
  EQ_ASSERT_OK_AND_ASSIGN(ExitInfo exit,
                          gateway_.process.Wait(absl::Seconds(10)));
  EXPECT_EQ(exit.signal, SIGKILL);

  StartGateway();
  client::SubmitOptions options = Options();
  EQ_ASSERT_OK_AND_ASSIGN(
      const std::string submission_id,
      client::DeriveSubmissionId(options.export_options.input_path,
                                 kCharitylogOrg, "charitylog-v1",
                                 kTestLinkageKeyId, kRowsPerBatch));
  client::SubmissionClient status_client(
      MakeChannel(gateway_.port, TestPki::Get().ClientFiles(kCharitylogOrg)),
      {});
  EQ_ASSERT_OK_AND_ASSIGN(v1::SubmissionStatus durable,
                          status_client.GetStatus(submission_id));
  const std::set<uint64_t> durable_sequences(
      durable.durable_sequences().begin(), durable.durable_sequences().end());
  for (uint64_t sequence : acked) {
    EXPECT_TRUE(durable_sequences.contains(sequence))
        << "acknowledged batch lost: " << sequence;
  }

  EQ_ASSERT_OK_AND_ASSIGN(client::RunReport rerun, client::RunSubmit(options));
  EXPECT_GE(rerun.batches_skipped, static_cast<int64_t>(acked.size()));
  EQ_ASSERT_OK_AND_ASSIGN(v1::SubmissionStatus after,
                          status_client.GetStatus(submission_id));
  EXPECT_EQ(after.durable_sequences_size(), kRows / kRowsPerBatch);
  EXPECT_EQ(after.records_stored(),
            static_cast<uint64_t>(kRows - rerun.rows_rejected));
}

TEST_F(CrashIntegrationTest,
       SigtermFinishesInFlightBatchesRefusesNewOnesAndExitsCleanly) {
  StartGateway();
  const std::set<uint64_t> acked = SubmitAndInterrupt(5, SIGTERM);
  EQ_ASSERT_OK_AND_ASSIGN(ExitInfo exit,
                          gateway_.process.Wait(absl::Seconds(30)));
  EXPECT_EQ(exit.exit_code, 0);
  EXPECT_EQ(exit.signal, 0);
  EXPECT_THAT(ReadFileOrEmpty(dir_.File("gateway.log")),
              ::testing::HasSubstr("graceful shutdown"));

  StartGateway();
  client::SubmitOptions options = Options();
  EQ_ASSERT_OK_AND_ASSIGN(client::RunReport rerun, client::RunSubmit(options));
  EXPECT_GE(rerun.batches_skipped, static_cast<int64_t>(acked.size()));
  client::SubmissionClient status_client(
      MakeChannel(gateway_.port, TestPki::Get().ClientFiles(kCharitylogOrg)),
      {});
  EQ_ASSERT_OK_AND_ASSIGN(v1::SubmissionStatus after,
                          status_client.GetStatus(rerun.submission_id));
  EXPECT_EQ(after.durable_sequences_size(), kRows / kRowsPerBatch);
  EXPECT_EQ(after.records_stored(),
            static_cast<uint64_t>(kRows - rerun.rows_rejected));
}

}  // namespace
}  // namespace equilink::testing
