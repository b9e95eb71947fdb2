// ExtractService.Pull end to end: a real gateway with mutual TLS, records
// submitted by the real client under the example submission agreement, the
// example extract agreement (deploy/agreements/qhl_population_health_extract
// .textproto) installed through the real registry lifecycle, and the audit
// trail read back from its database. Each refusal asserts the status, the
// rule, the audit entry and that nothing stored changed.

#include <sqlite3.h>

#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/commands/pull_command.h"
#include "client/commands/submit_command.h"
#include "equilink/v1/extract.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
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

// The first integer column of the first row of `sql`.
int64_t QueryInt(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &statement, nullptr), SQLITE_OK);
  int64_t value = -1;
  if (sqlite3_step(statement) == SQLITE_ROW) {
    value = sqlite3_column_int64(statement, 0);
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

struct PullResult {
  grpc::Status status;
  std::vector<v1::PseudonymisedRecord> records;
  std::vector<v1::ReleasedRow> rows;
  std::string next_cursor;
  int chunks = 0;
};

std::set<std::string> RecordPseudonyms(const PullResult& result) {
  std::set<std::string> out;
  for (const v1::ReleasedRow& row : result.rows) {
    out.insert(row.record_release_pseudonym());
  }
  return out;
}

std::set<std::string> PersonPseudonyms(const PullResult& result) {
  std::set<std::string> out;
  for (const v1::ReleasedRow& row : result.rows) {
    if (!row.person_release_pseudonym().empty()) {
      out.insert(row.person_release_pseudonym());
    }
  }
  return out;
}

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
    absl::StatusOr<client::RunReport> report =
        SubmitCharitylogSample(gateway_->port(), dir_.File("rejects.csv"));
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
      for (v1::ReleasedRow& row : *chunk.mutable_rows()) {
        result.rows.push_back(std::move(row));
      }
      if (!chunk.next_cursor().empty())
        result.next_cursor = chunk.next_cursor();
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

  // Submits the header and the first `rows` records of the Charitylog sample
  // again as 8HX12, under a submission id of their own: re-submissions of
  // records the gateway holds.
  void ResubmitFirstRows(int rows) {
    std::ifstream in(SourcePath("client/samples/charitylog_export.csv"));
    std::string line;
    std::ofstream out(dir_.File("subset.csv"));
    for (int i = 0; i <= rows && std::getline(in, line); ++i)
      out << line << "\n";
    out.close();
    client::SubmitOptions options;
    options.export_options.input_path = dir_.File("subset.csv");
    options.export_options.profile_path =
        SourcePath("client/profiles/charitylog.textproto");
    options.export_options.postcode_lookup_path =
        SourcePath("deploy/data/postcode_lookup_demo.csv");
    options.export_options.rejects_path = dir_.File("rejects-2.csv");
    options.linkage_key_path = TestLinkageKeyPath();
    options.gateway_address = absl::StrCat("127.0.0.1:", gateway_->port());
    options.tls = TestPki::Get().ClientFiles(kCharitylogOrg);
    options.purpose_id = kExamplePurpose;
    options.submission_id = "resubmit-first-rows";
    absl::StatusOr<client::RunReport> report = client::RunSubmit(options);
    ASSERT_TRUE(report.ok()) << report.status();
    ASSERT_EQ(report->records_accepted, static_cast<uint64_t>(rows));
  }

  // Waits until the linkage worker has linked every stored record, so a pull
  // sees settled links.
  void WaitForLinkage() {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      if (QueryInt(store_path(),
                   "SELECT (SELECT value FROM linkage_state WHERE name = "
                   "'linked_through') >= (SELECT coalesce(max(record_id), 0) "
                   "FROM records)") == 1) {
        return;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    FAIL() << "the linkage worker did not catch up";
  }

  // Gives kAuditorOrg the consumer role and an extract agreement of its own:
  // the example one, with QHLPHM's place taken by it.
  void AddSecondConsumer() {
    for (v1::OrganisationSeed& org : *config_.mutable_organisations()) {
      if (org.code() == kAuditorOrg) org.add_roles("consumer");
    }
    absl::StatusOr<v1::Agreement> agreement =
        governance::LoadAgreementFile(SourcePath(
            "deploy/agreements/qhl_population_health_extract.textproto"));
    ASSERT_TRUE(agreement.ok()) << agreement.status();
    std::string text;
    ASSERT_TRUE(google::protobuf::TextFormat::PrintToString(*agreement, &text));
    text = absl::StrReplaceAll(text, {{"\"QHLPHM\"", "\"AUD1\""}});
    v1::Agreement second;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &second));
    second.set_agreement_id(absl::StrCat(agreement->agreement_id(), "-AUD1"));
    Install(second);
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

TEST_F(ExtractIntegrationTest, TwoConsumersGetUnjoinableReleasePseudonyms) {
  AddSecondConsumer();
  InstallExtractAgreement();
  StartAndSubmitSample();
  RestartWithOptOutOfOnePerson();
  WaitForLinkage();

  const PullResult first = Pull(RecordRequest("pull-phm-1"));
  const PullResult again = Pull(RecordRequest("pull-phm-2"));
  const PullResult other = Pull(RecordRequest("pull-aud-1"), kAuditorOrg);
  for (const PullResult* result : {&first, &again, &other}) {
    ASSERT_TRUE(result->status.ok()) << result->status.error_message();
    ASSERT_EQ(result->rows.size(), result->records.size());
    ASSERT_FALSE(result->next_cursor.empty());
  }
  ASSERT_EQ(other.rows.size(), first.rows.size());
  // Every record linked, each with its own 32-byte pseudonyms.
  for (const v1::ReleasedRow& row : first.rows) {
    EXPECT_EQ(row.record_release_pseudonym().size(), 32u);
    EXPECT_TRUE(row.linked());
    EXPECT_EQ(row.person_release_pseudonym().size(), 32u);
  }
  EXPECT_EQ(RecordPseudonyms(first).size(), first.rows.size());
  EXPECT_FALSE(PersonPseudonyms(first).empty());

  // The same consumer twice: the same values, row for row.
  EXPECT_EQ(RecordPseudonyms(first), RecordPseudonyms(again));
  EXPECT_EQ(PersonPseudonyms(first), PersonPseudonyms(again));
  // Two consumers: not one value in common, and nothing of the providers'
  // linkage domain either.
  std::set<std::string> all_first = RecordPseudonyms(first);
  const std::set<std::string> people = PersonPseudonyms(first);
  all_first.insert(people.begin(), people.end());
  for (const std::set<std::string>& theirs :
       {RecordPseudonyms(other), PersonPseudonyms(other)}) {
    for (const std::string& value : theirs) {
      EXPECT_FALSE(all_first.contains(value));
    }
  }
  for (const v1::PseudonymisedRecord& record : StoredRecords(store_path())) {
    EXPECT_FALSE(all_first.contains(record.record_pseudonym()));
    EXPECT_FALSE(all_first.contains(record.client_pseudonym()));
  }
  // The same people group the same records for both consumers.
  EXPECT_EQ(PersonPseudonyms(other).size(), PersonPseudonyms(first).size());

  // A cursor is bound to its consumer: QHLPHM's is refused to AUD1.
  v1::PullRequest replay = RecordRequest("pull-aud-replay");
  replay.set_cursor(first.next_cursor);
  const PullResult replayed = Pull(replay, kAuditorOrg);
  EXPECT_EQ(replayed.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(replayed.status.error_message(), StartsWith("CURSOR: "));
  EXPECT_TRUE(replayed.records.empty());
  const std::vector<v1::AuditEntry> audits = PullAudits("pull-aud-replay");
  ASSERT_EQ(audits.size(), 1u);
  EXPECT_EQ(audits[0].decision(), v1::AUDIT_DENY);
  EXPECT_EQ(audits[0].rule_id(), "CURSOR");
}

TEST_F(ExtractIntegrationTest, CursorPullReturnsOnlyNewAndChangedRecords) {
  InstallExtractAgreement();
  StartAndSubmitSample();
  RestartWithOptOutOfOnePerson();
  WaitForLinkage();

  // Through the CLI's code: CSV out, cursor saved.
  client::PullOptions options;
  options.gateway.address = absl::StrCat("127.0.0.1:", gateway_->port());
  options.gateway.tls = TestPki::Get().ClientFiles(kConsumerOrg);
  options.purpose_id = kExamplePurpose;
  options.dataset_id = kDataset;
  options.cursor_file = dir_.File("phm.cursor");
  options.out_path = dir_.File("full.csv");
  options.request_id = "pull-cursor-full";
  absl::StatusOr<client::PullReport> full = client::RunPull(options);
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_FALSE(full->incremental);
  ASSERT_GT(full->rows, 10u);
  EXPECT_EQ(full->linked_rows, full->rows);
  std::ifstream csv(dir_.File("full.csv"));
  std::string header;
  std::getline(csv, header);
  EXPECT_THAT(header, StartsWith("record_release_pseudonym,person_release_"
                                 "pseudonym,linked,link_stage,"
                                 "match_probability,birth_year_month"));
  std::set<std::string> full_records;
  std::string line;
  size_t lines = 0;
  while (std::getline(csv, line)) {
    ++lines;
    full_records.insert(line.substr(0, 64));
  }
  EXPECT_EQ(lines, full->rows);

  // Nothing changed: an incremental pull releases nothing.
  options.out_path = dir_.File("none.csv");
  options.request_id = "pull-cursor-none";
  absl::StatusOr<client::PullReport> none = client::RunPull(options);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->incremental);
  EXPECT_EQ(none->rows, 0u);

  // Three records re-submitted: those come back (with the release
  // pseudonyms they had), plus only records whose link changed with them.
  ResubmitFirstRows(3);
  WaitForLinkage();
  options.out_path = dir_.File("changes.csv");
  options.request_id = "pull-cursor-changes";
  absl::StatusOr<client::PullReport> changes = client::RunPull(options);
  ASSERT_TRUE(changes.ok()) << changes.status();
  EXPECT_TRUE(changes->incremental);
  EXPECT_GE(changes->rows, 2u);  // 3, less one if it is the opted-out person
  EXPECT_LT(changes->rows, full->rows / 2);
  std::ifstream changed_csv(dir_.File("changes.csv"));
  std::getline(changed_csv, header);
  while (std::getline(changed_csv, line)) {
    EXPECT_TRUE(full_records.contains(line.substr(0, 64)));
  }
  EXPECT_EQ(PullAudits("pull-cursor-changes")[0].counts().records_accepted(),
            changes->rows);

  // And then nothing again.
  options.out_path = dir_.File("none-2.csv");
  options.request_id = "pull-cursor-none-2";
  absl::StatusOr<client::PullReport> settled = client::RunPull(options);
  ASSERT_TRUE(settled.ok()) << settled.status();
  EXPECT_EQ(settled->rows, 0u);

  // A forged cursor is refused and audited.
  std::ofstream(dir_.File("phm.cursor"), std::ios::trunc)
      << std::string(96, 'a');
  options.request_id = "pull-cursor-forged";
  absl::StatusOr<client::PullReport> forged = client::RunPull(options);
  EXPECT_EQ(forged.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(PullAudits("pull-cursor-forged").size(), 1u);
}

}  // namespace
}  // namespace equilink::testing
