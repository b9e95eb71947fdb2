// The submission path end to end: the real client pipeline and an in-process
// gateway on 127.0.0.1 with mutual TLS and certificates from
// deploy/pki/make-dev-pki.sh.

#include <memory>
#include <string>

#include "client/commands/submit_command.h"
#include "equilink/v1/submission.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "server/config/gateway_config.h"
#include "server/store/sqlite_store.h"
#include "tests/integration/gateway_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink::testing {
namespace {

using ::testing::HasSubstr;

class SubmissionIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = MakeGatewayConfig(dir_.path());
    for (const char* org : {kCharitylogOrg, kLamplightOrg}) {
      const absl::Status installed = InstallActiveAgreement(
          config_.store().sqlite_path(), ExampleSubmissionAgreement(org));
      ASSERT_TRUE(installed.ok()) << installed;
    }
    absl::StatusOr<std::unique_ptr<api::GatewayServer>> gateway =
        api::GatewayServer::Start(config_);
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = *std::move(gateway);
  }

  client::SubmitOptions Options(const std::string& org,
                                const std::string& profile,
                                const std::string& sample) {
    client::SubmitOptions options;
    options.export_options.input_path = SourcePath("client/samples/" + sample);
    options.export_options.profile_path =
        SourcePath("client/profiles/" + profile);
    options.export_options.postcode_lookup_path =
        SourcePath("deploy/data/postcode_lookup_demo.csv");
    options.export_options.rejects_path = dir_.File(org + "_rejects.csv");
    options.export_options.rows_per_batch =
        7;  // several batches from a small sample
    options.linkage_key_path = TestLinkageKeyPath();
    options.gateway_address = absl::StrCat("127.0.0.1:", gateway_->port());
    options.tls = TestPki::Get().ClientFiles(org);
    options.purpose_id = kExamplePurpose;
    return options;
  }

  uint64_t StoredRecords(const std::string& org) {
    store::SqliteOptions options;
    options.path = config_.store().sqlite_path();
    absl::StatusOr<std::unique_ptr<store::SqliteStore>> store =
        store::SqliteStore::Open(options);
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return 0;
    absl::StatusOr<std::vector<store::OrganisationSummary>> summary =
        (*store)->Summarise();
    EXPECT_TRUE(summary.ok());
    for (const store::OrganisationSummary& row : *summary) {
      if (row.organisation_code == org) return row.records;
    }
    return 0;
  }

  grpc::Status SubmitOneBatch(const v1::TlsFiles& client,
                              const v1::SubmissionBatch& batch,
                              v1::BatchAck* ack) {
    return testing::SubmitOneBatch(gateway_->port(), client, batch, ack);
  }

  // Submits the charitylog sample and returns its first batch exactly as it
  // went on the wire.
  v1::SubmissionBatch SubmitCharitylogKeepingFirstBatch(
      client::RunReport* report) {
    client::SubmitOptions options = Options(
        kCharitylogOrg, "charitylog.textproto", "charitylog_export.csv");
    std::vector<std::string> wire_batches;
    options.wire_observer = [&](const std::string& bytes) {
      wire_batches.push_back(bytes);
    };
    absl::StatusOr<client::RunReport> result = client::RunSubmit(options);
    EXPECT_TRUE(result.ok()) << result.status();
    v1::SubmissionBatch batch;
    if (!result.ok() || wire_batches.empty()) return batch;
    *report = *result;
    EXPECT_TRUE(batch.ParseFromString(wire_batches.front()));
    return batch;
  }

  TempDir dir_;
  v1::GatewayConfig config_;
  std::unique_ptr<api::GatewayServer> gateway_;
};

TEST_F(SubmissionIntegrationTest, GoodSubmitStoresEveryValidRow) {
  EQ_ASSERT_OK_AND_ASSIGN(
      client::RunReport report,
      client::RunSubmit(Options(kCharitylogOrg, "charitylog.textproto",
                                "charitylog_export.csv")));
  EXPECT_GT(report.rows_read, 30);
  EXPECT_EQ(report.rows_rejected, 0);
  EXPECT_EQ(report.records_accepted, report.rows_read);
  EXPECT_EQ(report.records_rejected_by_gateway, 0);
  EXPECT_GT(report.batches_sent, 1);
  EXPECT_EQ(StoredRecords(kCharitylogOrg),
            static_cast<uint64_t>(report.rows_read));
}

// A client that sends the next batch only once the previous one is
// acknowledged: the gateway must acknowledge while it waits to read, or the
// two wait for each other for ever.
TEST_F(SubmissionIntegrationTest, OneBatchAtATimeClientCompletes) {
  client::SubmitOptions options =
      Options(kCharitylogOrg, "charitylog.textproto", "charitylog_export.csv");
  options.max_unacknowledged_batches = 1;
  EQ_ASSERT_OK_AND_ASSIGN(client::RunReport report, client::RunSubmit(options));
  EXPECT_GT(report.batches_sent, 3);
  EXPECT_EQ(report.records_accepted, report.rows_read);
  EXPECT_EQ(StoredRecords(kCharitylogOrg),
            static_cast<uint64_t>(report.rows_read));
}

TEST_F(SubmissionIntegrationTest,
       BadRowsAreRejectedWithReasonsAndGoodRowsStored) {
  client::SubmitOptions options =
      Options(kLamplightOrg, "lamplight.textproto", "lamplight_export.csv");
  EQ_ASSERT_OK_AND_ASSIGN(client::RunReport report, client::RunSubmit(options));
  EXPECT_GE(report.rows_rejected, 4);
  EXPECT_EQ(report.records_accepted, report.rows_read - report.rows_rejected);
  EXPECT_EQ(StoredRecords(kLamplightOrg),
            static_cast<uint64_t>(report.rows_read - report.rows_rejected));
  const std::string rejects =
      ReadFileOrEmpty(options.export_options.rejects_path);
  EXPECT_THAT(rejects, HasSubstr("row,field,rule,severity"));
  EXPECT_THAT(rejects, HasSubstr("DATE_FORMAT"));
  EXPECT_THAT(rejects, HasSubstr("SCORE_RANGE"));
  EXPECT_THAT(rejects, HasSubstr("CODESET"));
}

TEST_F(SubmissionIntegrationTest,
       ReRunOfSameFileSkipsDurableBatchesAndDuplicatesNothing) {
  client::SubmitOptions options =
      Options(kCharitylogOrg, "charitylog.textproto", "charitylog_export.csv");
  EQ_ASSERT_OK_AND_ASSIGN(client::RunReport first, client::RunSubmit(options));
  EQ_ASSERT_OK_AND_ASSIGN(client::RunReport second, client::RunSubmit(options));
  EXPECT_EQ(second.submission_id, first.submission_id);
  EXPECT_EQ(second.batches_sent, 0);
  EXPECT_EQ(second.batches_skipped, first.batches_sent);
  EXPECT_EQ(StoredRecords(kCharitylogOrg),
            static_cast<uint64_t>(first.records_accepted));
}

TEST_F(SubmissionIntegrationTest, ReSentBatchIsAcknowledgedAgainAndStoredOnce) {
  client::RunReport report;
  const v1::SubmissionBatch first_batch =
      SubmitCharitylogKeepingFirstBatch(&report);
  ASSERT_GT(first_batch.records_size(), 0);

  v1::BatchAck ack;
  ASSERT_TRUE(SubmitOneBatch(TestPki::Get().ClientFiles(kCharitylogOrg),
                             first_batch, &ack)
                  .ok());
  EXPECT_TRUE(ack.already_stored());
  EXPECT_EQ(ack.outcome(), v1::BATCH_ACCEPTED);
  EXPECT_EQ(ack.records_accepted(),
            static_cast<uint32_t>(first_batch.records_size()));
  EXPECT_EQ(StoredRecords(kCharitylogOrg),
            static_cast<uint64_t>(report.records_accepted));
}

TEST_F(SubmissionIntegrationTest,
       ResubmittedRecordPseudonymUpdatesTheStoredRecord) {
  client::RunReport report;
  v1::SubmissionBatch batch = SubmitCharitylogKeepingFirstBatch(&report);
  ASSERT_GT(batch.records_size(), 1);
  batch.set_submission_id("correction-1");
  batch.mutable_records(0)->set_discharge_date("2025-01-31");
  v1::BatchAck ack;
  ASSERT_TRUE(
      SubmitOneBatch(TestPki::Get().ClientFiles(kCharitylogOrg), batch, &ack)
          .ok());
  EXPECT_FALSE(ack.already_stored());
  EXPECT_EQ(ack.outcome(), v1::BATCH_ACCEPTED);
  EXPECT_EQ(StoredRecords(kCharitylogOrg),
            static_cast<uint64_t>(report.records_accepted));
}

TEST_F(SubmissionIntegrationTest,
       GatewayRejectsMalformedRecordsAndKeepsTheRest) {
  client::RunReport report;
  v1::SubmissionBatch batch = SubmitCharitylogKeepingFirstBatch(&report);
  ASSERT_GT(batch.records_size(), 1);
  const uint64_t before = StoredRecords(kCharitylogOrg);

  // A client that does not validate: one record with a bad code, one with a
  // truncated token.
  batch.set_submission_id("untrusted-client-1");
  batch.mutable_records(0)->set_ethnic_category("Q");
  batch.mutable_records(1)->set_record_pseudonym("short");
  v1::BatchAck ack;
  ASSERT_TRUE(
      SubmitOneBatch(TestPki::Get().ClientFiles(kCharitylogOrg), batch, &ack)
          .ok());
  EXPECT_EQ(ack.outcome(), v1::BATCH_PARTIALLY_ACCEPTED);
  ASSERT_EQ(ack.rejections_size(), 2);
  EXPECT_EQ(ack.rejections(0).index(), 0u);
  EXPECT_EQ(ack.rejections(0).reason(), v1::REJECT_INVALID_CODE);
  EXPECT_EQ(ack.rejections(0).field(), "ethnic_category");
  EXPECT_EQ(ack.rejections(1).index(), 1u);
  EXPECT_EQ(ack.rejections(1).reason(), v1::REJECT_MALFORMED_TOKEN);
  EXPECT_EQ(ack.rejections(1).field(), "record_pseudonym");
  EXPECT_EQ(StoredRecords(kCharitylogOrg), before);
}

TEST_F(SubmissionIntegrationTest,
       BatchOverTheLimitIsRejectedWholeAndNothingStored) {
  gateway_.reset();
  config_.set_max_batch_records(3);
  EQ_ASSERT_OK_AND_ASSIGN(gateway_, api::GatewayServer::Start(config_));
  client::SubmitOptions options =
      Options(kCharitylogOrg, "charitylog.textproto", "charitylog_export.csv");
  EQ_ASSERT_OK_AND_ASSIGN(client::RunReport report, client::RunSubmit(options));
  EXPECT_EQ(report.records_accepted, 0);
  EXPECT_EQ(StoredRecords(kCharitylogOrg), 0u);
  bool saw_limit = false;
  for (const auto& [rule, count] : report.issues_by_rule) {
    if (rule.find("the limit is 3") != std::string::npos) saw_limit = true;
  }
  EXPECT_TRUE(saw_limit);
}

TEST_F(SubmissionIntegrationTest, UnregisteredOrganisationIsRefused) {
  client::SubmitOptions options = Options(
      kUnregisteredOrg, "charitylog.textproto", "charitylog_export.csv");
  EXPECT_THAT(client::RunSubmit(options),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("not registered")));
}

TEST_F(SubmissionIntegrationTest, NoClientCertificateIsRefused) {
  v1::TlsFiles anonymous;
  anonymous.set_ca_file(TestPki::Get().ClientFiles(kCharitylogOrg).ca_file());
  v1::BatchAck ack;
  v1::SubmissionBatch batch;
  batch.set_submission_id("anonymous-1");
  grpc::Status status = SubmitOneBatch(anonymous, batch, &ack);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(SubmissionIntegrationTest, CertificateFromAnotherCaIsRefused) {
  v1::BatchAck ack;
  v1::SubmissionBatch batch;
  batch.set_submission_id("other-ca-1");
  grpc::Status status =
      SubmitOneBatch(TestPki::Get().OtherCaClientFiles(), batch, &ack);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(StoredRecords(kCharitylogOrg), 0u);
}

TEST_F(SubmissionIntegrationTest, HealthIsServing) {
  auto stub = grpc::health::v1::Health::NewStub(MakeChannel(
      gateway_->port(), TestPki::Get().ClientFiles(kCharitylogOrg)));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(stub->Check(&context, request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

}  // namespace
}  // namespace equilink::testing
