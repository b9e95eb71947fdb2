// IndicatorService.GetIndicators end to end: a real gateway with mutual TLS,
// the Charitylog sample submitted by the real client and linked by the
// gateway's worker, the example extract agreement (an aggregate indicators
// flow to QHLPHM under NHSD_2018), and the audit trail read back from its
// database.

#include <sqlite3.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/commands/indicators_command.h"
#include "client/commands/submit_command.h"
#include "equilink/v1/indicators.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "server/audit/audit_reader.h"
#include "server/auth/access_policy.h"
#include "server/governance/agreement_file.h"
#include "tests/integration/gateway_harness.h"
#include "tests/testing/temp_dir.h"

namespace equilink::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kMethod[] = "/equilink.v1.IndicatorService/GetIndicators";

int64_t Count(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  int64_t count = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
      SQLITE_OK) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
      count = sqlite3_column_int64(statement, 0);
    }
    sqlite3_finalize(statement);
  }
  sqlite3_close(db);
  return count;
}

class IndicatorsIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = MakeGatewayConfig(dir_.path());
    v1::FrameworkConfig& framework = *config_.mutable_framework();
    framework.set_ics_code("QHL");
    framework.set_ics_name("Birmingham and Solihull");
    framework.add_local_authorities("E08000025");
    framework.add_local_authorities("E08000029");
    const std::string store = config_.store().sqlite_path();
    ASSERT_TRUE(InstallActiveAgreement(
                    store, ExampleSubmissionAgreement(kCharitylogOrg))
                    .ok());
    absl::StatusOr<v1::Agreement> extract =
        governance::LoadAgreementFile(SourcePath(
            "deploy/agreements/qhl_population_health_extract.textproto"));
    ASSERT_TRUE(extract.ok()) << extract.status();
    ASSERT_TRUE(InstallActiveAgreement(store, *extract).ok());
    absl::StatusOr<std::unique_ptr<api::GatewayServer>> gateway =
        api::GatewayServer::Start(config_);
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = *std::move(gateway);

    absl::StatusOr<client::RunReport> report =
        SubmitCharitylogSample(gateway_->port(), dir_.File("rejects.csv"));
    ASSERT_TRUE(report.ok()) << report.status();
    // The worker links each committed batch; indicators count linked people.
    for (int i = 0; i < 300; ++i) {
      const int64_t records = Count(store, "SELECT count(*) FROM records");
      if (records > 0 &&
          Count(store, "SELECT count(*) FROM record_links") == records) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  grpc::Status Get(const v1::IndicatorRequest& request,
                   v1::IndicatorResponse* response,
                   const std::string& organisation = kConsumerOrg) {
    auto stub = v1::IndicatorService::NewStub(MakeChannel(
        gateway_->port(), TestPki::Get().ClientFiles(organisation)));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(60));
    return stub->GetIndicators(&context, request, response);
  }

  static v1::IndicatorRequest Request(const std::string& request_id) {
    v1::IndicatorRequest request;
    request.set_purpose_id(kExamplePurpose);
    request.add_indicator_ids("ACC-04");
    request.add_indicator_ids("ACC-05");
    request.set_period_first_day("2022-01-01");
    request.set_period_last_day("2026-12-31");
    request.set_request_id(request_id);
    return request;
  }

  // The indicator entries of the audit log for `request_id`.
  std::vector<v1::AuditEntry> Audits(const std::string& request_id) {
    absl::StatusOr<audit::StoredAuditLog> log =
        audit::ReadStoredAuditLog(config_.audit().sqlite_path(), 0, 0);
    EXPECT_TRUE(log.ok()) << log.status();
    std::vector<v1::AuditEntry> found;
    if (!log.ok()) return found;
    for (const v1::AuditEntry& entry : log->entries) {
      if (entry.action() == auth::AuditActionOf(kMethod) &&
          entry.request_id() == request_id) {
        found.push_back(entry);
      }
    }
    return found;
  }

  TempDir dir_;
  v1::GatewayConfig config_;
  std::unique_ptr<api::GatewayServer> gateway_;
};

TEST_F(IndicatorsIntegrationTest, PermittedConsumerGetsControlledFigures) {
  v1::IndicatorResponse response;
  const grpc::Status status = Get(Request("ind-ok"), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_GT(response.rows_size(), 2);
  const v1::IndicatorValueRow& all = response.rows(0);
  EXPECT_EQ(all.indicator_id(), "ACC-04");
  EXPECT_EQ(all.area_code(), "QHL");
  EXPECT_EQ(all.disclosure_profile(), "NHSD_2018 v1");
  EXPECT_EQ(all.imd_version(), "IMD2019");
  // NHSD_2018: every count shown is '*' or a multiple of 5.
  for (const v1::IndicatorValueRow& row : response.rows()) {
    if (row.count() == "*") continue;
    EXPECT_EQ(std::stoll(row.count()) % 5, 0) << row.category();
  }
  EXPECT_EQ(response.inequalities_size(), 2);
  const std::vector<v1::AuditEntry> audits = Audits("ind-ok");
  ASSERT_EQ(audits.size(), 1u);
  EXPECT_EQ(audits[0].decision(), v1::AUDIT_ALLOW);
  EXPECT_EQ(audits[0].principal().organisation_code(), kConsumerOrg);
  EXPECT_EQ(audits[0].counts().records_accepted(),
            static_cast<uint64_t>(response.rows_size()));

  // The same through the client command, as Fingertips CSV.
  client::IndicatorsOptions options;
  options.gateway.address = absl::StrCat("127.0.0.1:", gateway_->port());
  options.gateway.tls = TestPki::Get().ClientFiles(kConsumerOrg);
  options.purpose_id = kExamplePurpose;
  options.indicator_ids = {"ACC-05"};
  options.period_first_day = "2022-01-01";
  options.period_last_day = "2026-12-31";
  options.format = client::IndicatorFormat::kCsv;
  absl::StatusOr<std::string> csv = client::RunIndicators(options);
  ASSERT_TRUE(csv.ok()) << csv.status();
  EXPECT_THAT(*csv, HasSubstr("Indicator ID,Indicator Name,Area Code"));
  EXPECT_THAT(*csv, HasSubstr("ACC-05,"));
}

TEST_F(IndicatorsIntegrationTest, RefusalsAreAuditedAndShowNothing) {
  // An indicator the purpose does not permit (E2).
  v1::IndicatorRequest unpermitted = Request("ind-unpermitted");
  unpermitted.add_indicator_ids("INC-06");
  v1::IndicatorResponse response;
  grpc::Status status = Get(unpermitted, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("E2"));
  EXPECT_EQ(response.rows_size(), 0);
  std::vector<v1::AuditEntry> audits = Audits("ind-unpermitted");
  ASSERT_EQ(audits.size(), 1u);
  EXPECT_EQ(audits[0].decision(), v1::AUDIT_DENY);

  // A consumer asking under a purpose no extract flow carries.
  v1::IndicatorRequest no_flow = Request("ind-no-flow");
  no_flow.set_purpose_id("marketing");
  status = Get(no_flow, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  audits = Audits("ind-no-flow");
  ASSERT_EQ(audits.size(), 1u);
  EXPECT_EQ(audits[0].decision(), v1::AUDIT_DENY);

  // A submitter is not a consumer (E1, audited by the authoriser).
  status = Get(Request("ind-submitter"), &response, kCharitylogOrg);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("role"));

  // A malformed period.
  v1::IndicatorRequest backwards = Request("ind-period");
  backwards.set_period_first_day("2026-12-31");
  backwards.set_period_last_day("2026-01-01");
  status = Get(backwards, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Audits("ind-period").size(), 1u);
}

}  // namespace
}  // namespace equilink::testing
