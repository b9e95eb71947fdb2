// ExtractService.Pull end to end: a real gateway with mutual TLS, records
// submitted by the real client under the example submission agreement, the
// example extract agreement (deploy/agreements/qhl_population_health_extract
// .textproto) installed through the real registry lifecycle, and the audit
// trail read back from its database. Each refusal asserts the status, the
// rule, the audit entry and that nothing stored changed.

#include <sqlite3.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/commands/submit_command.h"
#include "equilink/v1/extract.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "server/audit/audit_reader.h"
#include "server/governance/agreement_file.h"
#include "server/governance/optout_registry.h"
#include "tests/integration/gateway_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kDataset[] = "vcse-service-contacts";
constexpr char kPullAction[] = "ExtractService.Pull";

// The extract agreement's whitelist, less client_pseudonym: a keyed token of
// the providers' linkage domain, never released (extract_service.h).
const std::set<std::string>& ReleasableFields() {
  static const auto* const fields = new std::set<std::string>{
      "birth_year_month", "lsoa_code",       "sex_code",
      "ethnic_category",  "age_at_referral", "service_type",
      "referral_date",    "outcomes",        "needs"};
  return *fields;
}

// Every stored record payload, read on a connection of its own.
std::vector<v1::PseudonymisedRecord> StoredRecords(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT payload FROM records", -1,
                               &statement, nullptr),
            SQLITE_OK);
  std::vector<v1::PseudonymisedRecord> records;
  while (sqlite3_step(statement) == SQLITE_ROW) {
    records.emplace_back().ParseFromArray(sqlite3_column_blob(statement, 0),
                                          sqlite3_column_bytes(statement, 0));
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return records;
}

struct PullResult {
  grpc::Status status;
  std::vector<v1::PseudonymisedRecord> records;
  int chunks = 0;
};

class ExtractIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override { config_ = MakeGatewayConfig(dir_.path()); }

  const std::string& store_path() { return config_.store().sqlite_path(); }

  void Install(const v1::Agreement& agreement) {
    const absl::Status installed =
        InstallActiveAgreement(store_path(), agreement);
    ASSERT_TRUE(installed.ok()) << installed;
  }
  // The example extract agreement, as shipped: an aggregate indicators flow
  // and a record-level flow to QHLPHM.
  void InstallExtractAgreement() {
    absl::StatusOr<v1::Agreement> agreement =
        governance::LoadAgreementFile(SourcePath(
            "deploy/agreements/qhl_population_health_extract.textproto"));
    ASSERT_TRUE(agreement.ok()) << agreement.status();
    Install(*agreement);
  }

  void StartGateway() {
    absl::StatusOr<std::unique_ptr<api::GatewayServer>> gateway =
        api::GatewayServer::Start(config_);
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = *std::move(gateway);
  }

  // Installs the submission agreement, starts the gateway and submits the
  // Charitylog sample through the real client as 8HX12.
  void StartAndSubmitSample() {
    Install(ExampleSubmissionAgreement(kCharitylogOrg));
    StartGateway();
    client::SubmitOptions options;
    options.export_options.input_path =
        SourcePath("client/samples/charitylog_export.csv");
    options.export_options.profile_path =
        SourcePath("client/profiles/charitylog.textproto");
    options.export_options.postcode_lookup_path =
        SourcePath("deploy/data/postcode_lookup_demo.csv");
    options.export_options.rejects_path = dir_.File("rejects.csv");
    options.linkage_key_path = TestLinkageKeyPath();
    options.gateway_address = absl::StrCat("127.0.0.1:", gateway_->port());
    options.tls = TestPki::Get().ClientFiles(kCharitylogOrg);
    options.purpose_id = kExamplePurpose;
    absl::StatusOr<client::RunReport> report = client::RunSubmit(options);
    ASSERT_TRUE(report.ok()) << report.status();
    ASSERT_GT(report->records_accepted, 10);
  }

  // Stops the gateway (it indexes every record on close), then uploads an
  // opt-out list through the registry and starts the gateway again, which
  // loads the list. Returns the opted-out token.
  std::string RestartWithOptOutOfOnePerson() {
    gateway_.reset();
    const std::vector<v1::PseudonymisedRecord> stored =
        StoredRecords(store_path());
    std::string token;
    for (const v1::PseudonymisedRecord& record : stored) {
      if (!record.nhs_number_token().empty()) {
        token = record.nhs_number_token();
        break;
      }
    }
    EXPECT_FALSE(token.empty());
    {
      absl::StatusOr<std::unique_ptr<governance::OptOutRegistry>> registry =
          governance::OptOutRegistry::Open(store_path());
      EXPECT_TRUE(registry.ok()) << registry.status();
      if (registry.ok()) {
        EXPECT_TRUE((*registry)
                        ->Upload(kTestLinkageKeyId, "test list", {token},
                                 "urn:equilink:person:caldicott-01",
                                 absl::Now())
                        .ok());
      }
    }
    StartGateway();
    return token;
  }

  PullResult Pull(const v1::PullRequest& request,
                  const std::string& organisation = kConsumerOrg) {
    auto stub = v1::ExtractService::NewStub(MakeChannel(
        gateway_->port(), TestPki::Get().ClientFiles(organisation)));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(20));
    PullResult result;
    auto reader = stub->Pull(&context, request);
    v1::PullChunk chunk;
    while (reader->Read(&chunk)) {
      ++result.chunks;
      for (v1::PseudonymisedRecord& record : *chunk.mutable_records()) {
        result.records.push_back(std::move(record));
      }
    }
    result.status = reader->Finish();
    return result;
  }

  static v1::PullRequest RecordRequest(const std::string& request_id) {
    v1::PullRequest request;
    request.set_purpose_id(kExamplePurpose);
    request.set_dataset_id(kDataset);
    request.set_identifiability(v1::IDENTIFIABILITY_PSEUDONYMISED_RECORD);
    request.set_request_id(request_id);
    return request;
  }

  // The extract entries for `request_id`.
  std::vector<v1::AuditEntry> PullAudits(const std::string& request_id) {
    absl::StatusOr<audit::StoredAuditLog> log =
        audit::ReadStoredAuditLog(config_.audit().sqlite_path(), 0, 0);
    EXPECT_TRUE(log.ok()) << log.status();
    std::vector<v1::AuditEntry> found;
    if (!log.ok()) return found;
    for (const v1::AuditEntry& entry : log->entries) {
      if (entry.action() == kPullAction && entry.request_id() == request_id) {
        found.push_back(entry);
      }
    }
    return found;
  }

  // Refused with PERMISSION_DENIED naming `rule`, audited once as a deny by
  // `rule`, and nothing stored changed.
  void ExpectRefused(const v1::PullRequest& request, const std::string& rule) {
    const std::vector<v1::PseudonymisedRecord> before =
        StoredRecords(store_path());
    const PullResult result = Pull(request);
    EXPECT_EQ(result.status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << result.status.error_message();
    EXPECT_THAT(result.status.error_message(), StartsWith(rule + ": "));
    EXPECT_TRUE(result.records.empty());
    const std::vector<v1::AuditEntry> audits = PullAudits(request.request_id());
    ASSERT_EQ(audits.size(), 1u);
    EXPECT_EQ(audits[0].decision(), v1::AUDIT_DENY);
    EXPECT_EQ(audits[0].rule_id(), rule);
    EXPECT_EQ(audits[0].principal().organisation_code(), kConsumerOrg);
    EXPECT_EQ(audits[0].counts().records_accepted(), 0u);
    EXPECT_EQ(StoredRecords(store_path()).size(), before.size());
  }

  TempDir dir_;
  v1::GatewayConfig config_;
  std::unique_ptr<api::GatewayServer> gateway_;
};

TEST_F(ExtractIntegrationTest, ConsumerWithoutAnExtractFlowIsRefusedE2) {
  StartAndSubmitSample();  // no extract agreement installed
  ExpectRefused(RecordRequest("pull-no-flow"), "E2");
}

TEST_F(ExtractIntegrationTest, WrongIdentifiabilityIsRefusedE3) {
  InstallExtractAgreement();
  StartAndSubmitSample();
  v1::PullRequest aggregate = RecordRequest("pull-aggregate");
  aggregate.set_identifiability(v1::IDENTIFIABILITY_AGGREGATE_SDC);
  ExpectRefused(aggregate, "E3");
  v1::PullRequest unspecified = RecordRequest("pull-unspecified");
  unspecified.clear_identifiability();
  ExpectRefused(unspecified, "E3");
}

TEST_F(ExtractIntegrationTest, FieldOffTheWhitelistIsRefusedE4) {
  InstallExtractAgreement();
  StartAndSubmitSample();
  v1::PullRequest off_list = RecordRequest("pull-off-list");
  off_list.add_fields("lsoa_code");
  off_list.add_fields("referral_source");  // a real field, not whitelisted
  ExpectRefused(off_list, "E4");
  const PullResult again = Pull(off_list);
  EXPECT_THAT(again.status.error_message(), HasSubstr("referral_source"));
}

TEST_F(ExtractIntegrationTest, KeysAndKeyedTokensAreRefusedE4) {
  InstallExtractAgreement();
  StartAndSubmitSample();
  v1::PullRequest key = RecordRequest("pull-nhs-token");
  key.add_fields("nhs_number_token");
  ExpectRefused(key, "E4");
  // Whitelisted, but a linkage-domain token until per-recipient release
  // pseudonyms exist.
  v1::PullRequest token = RecordRequest("pull-client-token");
  token.add_fields("client_pseudonym");
  ExpectRefused(token, "E4");
  v1::PullRequest made_up = RecordRequest("pull-made-up");
  made_up.add_fields("postcode_full_text_999");
  ExpectRefused(made_up, "E4");
}

TEST_F(ExtractIntegrationTest, NoOptOutListIsRefusedE5) {
  InstallExtractAgreement();
  StartAndSubmitSample();
  ExpectRefused(RecordRequest("pull-no-list"), "E5");
}

TEST_F(ExtractIntegrationTest, AllowedPullReleasesOnlyWhitelistedFields) {
  InstallExtractAgreement();
  StartAndSubmitSample();
  const std::string opted_out = RestartWithOptOutOfOnePerson();
  const std::vector<v1::PseudonymisedRecord> stored =
      StoredRecords(store_path());
  uint64_t expected_opted_out = 0;
  for (const v1::PseudonymisedRecord& record : stored) {
    if (record.nhs_number_token() == opted_out) ++expected_opted_out;
  }
  ASSERT_GT(expected_opted_out, 0u);

  const PullResult result = Pull(RecordRequest("pull-all"));
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  EXPECT_EQ(result.records.size(), stored.size() - expected_opted_out);
  std::set<std::string> seen_fields;
  for (const v1::PseudonymisedRecord& record : result.records) {
    std::vector<const google::protobuf::FieldDescriptor*> fields;
    record.GetReflection()->ListFields(record, &fields);
    for (const auto* field : fields) seen_fields.insert(field->name());
  }
  for (const std::string& field : seen_fields) {
    EXPECT_TRUE(ReleasableFields().contains(field))
        << field << " was released but is not whitelisted";
  }
  EXPECT_TRUE(seen_fields.contains("lsoa_code"));
  EXPECT_TRUE(seen_fields.contains("birth_year_month"));

  const std::vector<v1::AuditEntry> audits = PullAudits("pull-all");
  ASSERT_EQ(audits.size(), 1u);
  EXPECT_EQ(audits[0].decision(), v1::AUDIT_ALLOW);
  EXPECT_EQ(audits[0].agreement_id(), "ICS-QHL-DSA-2026-0008");
  EXPECT_EQ(audits[0].agreement_version(), 1u);
  EXPECT_EQ(audits[0].agreement_version_hash().size(), 32u);
  EXPECT_EQ(audits[0].counts().records_accepted(), result.records.size());
  EXPECT_EQ(audits[0].counts().records_opted_out(), expected_opted_out);
}

TEST_F(ExtractIntegrationTest, RequestedFieldsAreTheOnlyOnesReleased) {
  InstallExtractAgreement();
  StartAndSubmitSample();
  RestartWithOptOutOfOnePerson();
  v1::PullRequest request = RecordRequest("pull-two-fields");
  request.add_fields("lsoa_code");
  request.add_fields("sex_code");
  const PullResult result = Pull(request);
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  ASSERT_FALSE(result.records.empty());
  for (const v1::PseudonymisedRecord& record : result.records) {
    std::vector<const google::protobuf::FieldDescriptor*> fields;
    record.GetReflection()->ListFields(record, &fields);
    for (const auto* field : fields) {
      EXPECT_TRUE(field->name() == "lsoa_code" || field->name() == "sex_code")
          << field->name();
    }
    EXPECT_FALSE(record.lsoa_code().empty());
  }
}

}  // namespace
}  // namespace equilink::testing
