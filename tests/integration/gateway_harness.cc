#include "tests/integration/gateway_harness.h"

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/commands/keygen_command.h"
#include "client/pipeline/synthetic_export.h"
#include "common/keys/secret_file.h"
#include "common/rpc/channel_options.h"
#include "common/rpc/tls_credentials.h"
#include "common/status/check.h"
#include "equilink/v1/submission.grpc.pb.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "server/config/gateway_config.h"
#include "server/extract/release_keys.h"
#include "server/governance/agreement_file.h"
#include "server/governance/agreement_registry.h"

namespace equilink::testing {

std::string SourcePath(const std::string& relative) {
  return absl::StrCat(EQUILINK_SOURCE_DIR, "/", relative);
}

const TestPki& TestPki::Get() {
  // Leaked on purpose: shared by every test of the binary, removed by the OS
  // temp cleaner. Both held by statics, so LeakSanitizer sees them reachable.
  static const TempDir* const dir = new TempDir();
  static const TestPki* const pki = [] {
    const std::string out = dir->File("pki");
    const std::string command = absl::StrCat(
        "bash ", SourcePath("deploy/pki/make-dev-pki.sh"), " ", out,
        " --days 2 --test-certs org:", kCharitylogOrg, " org:", kLamplightOrg,
        " org:", kUnregisteredOrg, " org:", kIcsOrg, " org:", kConsumerOrg,
        " org:", kAuditorOrg, " org:", kAdminOrg, " person:", kIcsOrg, ":",
        kIgOfficerPerson, " person:", kIcsOrg, ":", kCaldicottPerson,
        " person:", kIcsOrg, ":", kSiroPerson, " > ", dir->File("pki.log"),
        " 2>&1");
    EQ_CHECK(RunShell(command) == 0);
    return new TestPki(out);
  }();
  return *pki;
}

v1::TlsFiles TestPki::ServerFiles() const {
  v1::TlsFiles files;
  files.set_certificate_file(dir_ + "/gateway.pem");
  files.set_private_key_file(dir_ + "/gateway.key");
  files.set_ca_file(dir_ + "/ca.pem");
  return files;
}

v1::TlsFiles TestPki::ClientFiles(const std::string& organisation_code) const {
  v1::TlsFiles files;
  files.set_certificate_file(
      absl::StrCat(dir_, "/orgs/", organisation_code, ".pem"));
  files.set_private_key_file(
      absl::StrCat(dir_, "/orgs/", organisation_code, ".key"));
  files.set_ca_file(dir_ + "/ca.pem");
  return files;
}

v1::TlsFiles TestPki::OtherCaClientFiles() const {
  v1::TlsFiles files;
  files.set_certificate_file(dir_ + "/test/other-ca-client.pem");
  files.set_private_key_file(dir_ + "/test/other-ca-client.key");
  files.set_ca_file(dir_ + "/ca.pem");
  return files;
}

v1::TlsFiles TestPki::PersonClientFiles(const std::string& person_id) const {
  v1::TlsFiles files;
  files.set_certificate_file(absl::StrCat(dir_, "/people/", person_id, ".pem"));
  files.set_private_key_file(absl::StrCat(dir_, "/people/", person_id, ".key"));
  files.set_ca_file(dir_ + "/ca.pem");
  return files;
}

v1::TlsFiles TestPki::TestClientFiles(const std::string& base) const {
  v1::TlsFiles files;
  files.set_certificate_file(absl::StrCat(dir_, "/", base, ".pem"));
  files.set_private_key_file(absl::StrCat(dir_, "/", base, ".key"));
  files.set_ca_file(dir_ + "/ca.pem");
  return files;
}

v1::GatewayConfig MakeGatewayConfig(const std::string& dir) {
  v1::GatewayConfig config;
  config.set_listen_address("127.0.0.1:0");
  *config.mutable_tls() = TestPki::Get().ServerFiles();
  config.mutable_store()->set_sqlite_path(dir + "/gateway.db");
  config.mutable_store()->set_group_commit_max_batches(64);
  config.mutable_store()->set_busy_timeout_ms(5000);
  config.set_max_batch_records(5000);
  config.set_max_message_bytes(16 << 20);
  config.set_max_concurrent_streams(64);
  config.set_shutdown_grace_seconds(5);
  config.set_worker_threads(8);
  for (const char* code : {kCharitylogOrg, kLamplightOrg}) {
    v1::OrganisationSeed* org = config.add_organisations();
    org->set_code(code);
    org->set_name(absl::StrCat("Test organisation ", code));
    org->add_roles("submitter");
  }
  const std::vector<std::pair<const char*, std::vector<const char*>>>
      other_organisations = {{kIcsOrg, {"governance", "auditor"}},
                             {kConsumerOrg, {"consumer"}},
                             {kAuditorOrg, {"auditor"}},
                             {kAdminOrg, {"admin"}}};
  for (const auto& [code, roles] : other_organisations) {
    v1::OrganisationSeed* org = config.add_organisations();
    org->set_code(code);
    org->set_name(absl::StrCat("Test organisation ", code));
    for (const char* role : roles) org->add_roles(role);
  }
  // Absolute, so a config written elsewhere for the gateway binary finds it.
  config.mutable_governance()->set_local_authority_lookup_file(
      SourcePath("deploy/data/imd2019/"
                 "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"));
  config::ApplyGatewayConfigDefaults(config);
  // A release key of the gateway's own (release.key beside the store), made
  // the way deploy/ makes one: 32 random bytes, mode 0600.
  if (!std::filesystem::exists(config.extract().release_key_file())) {
    absl::StatusOr<SecretBytes> key = extract::ReleaseKeys::Generate();
    EQ_CHECK(key.ok());
    EQ_CHECK(WriteNewSecretFile(config.extract().release_key_file(),
                                key->UnsafeSecretView(), "release key file")
                 .ok());
  }
  return config;
}

std::string WriteGatewayConfig(const v1::GatewayConfig& config,
                               const std::string& path) {
  std::string text;
  EQ_CHECK(google::protobuf::TextFormat::PrintToString(config, &text));
  WriteFileOrDie(path, text);
  return path;
}

absl::StatusOr<GatewayProcess> StartGatewayProcess(
    const std::string& config_path, const std::string& port_file,
    const std::string& log_path) {
  return StartGatewayProcess(config_path, port_file, log_path, {});
}

absl::StatusOr<GatewayProcess> StartGatewayProcess(
    const std::string& config_path, const std::string& port_file,
    const std::string& log_path, const std::vector<std::string>& extra_flags) {
  std::remove(port_file.c_str());
  GatewayProcess gateway;
  std::vector<std::string> argv = {EQUILINK_GATEWAY_BINARY,
                                   absl::StrCat("--config=", config_path),
                                   absl::StrCat("--port_file=", port_file)};
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  absl::StatusOr<Subprocess> process = Subprocess::Start(argv, log_path);
  if (!process.ok()) return process.status();
  gateway.process = *std::move(process);
  absl::StatusOr<int> port = WaitForPortFile(port_file, absl::Seconds(20));
  if (!port.ok()) return port.status();
  gateway.port = *port;
  return gateway;
}

int64_t CountRows(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(
      sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
      SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr),
            SQLITE_OK);
  int64_t count = -1;
  if (sqlite3_step(statement) == SQLITE_ROW) {
    count = sqlite3_column_int64(statement, 0);
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return count;
}

StoredCounts CountStored(const std::string& store_path) {
  return {CountRows(store_path, "SELECT count(*) FROM records"),
          CountRows(store_path, "SELECT count(*) FROM record_keys"),
          CountRows(store_path, "SELECT count(*) FROM batches"),
          CountRows(store_path, "SELECT count(*) FROM quarantined_records"),
          CountRows(store_path,
                    "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE "
                    "name = 'records'), 0)"),
          CountRows(store_path,
                    "SELECT coalesce(sum(length(payload)), 0) FROM records")};
}

void WriteSyntheticCharitylogExport(const std::string& path, int64_t rows,
                                    uint64_t seed, int64_t first_row) {
  client::SyntheticExportOptions synth;
  synth.rows = rows;
  synth.seed = seed;
  synth.first_row = first_row;
  synth.postcode_lookup_path =
      SourcePath("deploy/data/postcode_lookup_demo.csv");
  EQ_CHECK(client::WriteSyntheticExport(synth, path).ok());
}

std::shared_ptr<grpc::Channel> MakeChannel(int port,
                                           const v1::TlsFiles& client) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (client.certificate_file().empty()) {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = ReadFileOrEmpty(client.ca_file());
    credentials = grpc::SslCredentials(options);
  } else {
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> made =
        MakeChannelCredentials(client);
    EQ_CHECK(made.ok());
    credentials = *made;
  }
  return grpc::CreateCustomChannel(
      absl::StrCat("127.0.0.1:", port), credentials,
      ClientChannelArguments(kDefaultMaxMessageBytes));
}

grpc::Status SubmitOneBatch(int port, const v1::TlsFiles& client,
                            const v1::SubmissionBatch& batch,
                            v1::BatchAck* ack) {
  auto stub = v1::SubmissionService::NewStub(MakeChannel(port, client));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(20));
  auto stream = stub->Submit(&context);
  stream->Write(batch);
  stream->WritesDone();
  stream->Read(ack);
  return stream->Finish();
}

const std::string& TestLinkageKeyPath() {
  // Leaked on purpose, like the PKI above, and reachable from statics.
  static const TempDir* const dir = new TempDir();
  static const std::string* const path = [] {
    auto* key_path = new std::string(dir->File("linkage.key"));
    EQ_CHECK(client::RunKeygen(kTestLinkageKeyId, *key_path).ok());
    return key_path;
  }();
  return *path;
}

v1::Agreement ExampleSubmissionAgreement(absl::string_view submitter_code) {
  absl::StatusOr<v1::Agreement> agreement =
      governance::LoadAgreementFile(SourcePath(
          "deploy/agreements/8hx12_youth_wellbeing_submission.textproto"));
  EQ_CHECK(agreement.ok());
  const std::string example_submitter = "8HX12";
  // Agreement versions are immutable per id, so another submitter's copy
  // needs an id of its own to sit in the same registry.
  if (submitter_code != example_submitter) {
    agreement->set_agreement_id(
        absl::StrCat(agreement->agreement_id(), "-", submitter_code));
  }
  for (v1::Party& party : *agreement->mutable_parties()) {
    if (party.organisation_code() != example_submitter) continue;
    party.set_organisation_code(std::string(submitter_code));
    party.set_dspt_org_code(std::string(submitter_code));
  }
  for (v1::Flow& flow : *agreement->mutable_flows()) {
    if (flow.from_organisation() == example_submitter) {
      flow.set_from_organisation(std::string(submitter_code));
    }
  }
  return *std::move(agreement);
}

absl::Status InstallActiveAgreement(const std::string& store_path,
                                    const v1::Agreement& agreement) {
  return InstallActiveAgreement(store_path, agreement, absl::Now());
}

absl::Status InstallActiveAgreement(const std::string& store_path,
                                    const v1::Agreement& agreement,
                                    absl::Time now) {
  absl::StatusOr<std::unique_ptr<governance::AgreementRegistry>> registry =
      governance::AgreementRegistry::Open(store_path);
  if (!registry.ok()) return registry.status();
  absl::StatusOr<governance::StoredAgreement> stored =
      (*registry)->Create(agreement, now);
  if (!stored.ok()) return stored.status();
  const std::string& id = agreement.agreement_id();
  const uint32_t version = agreement.version();
  for (const auto& [action, principal] :
       std::vector<std::pair<v1::AgreementAction, std::string>>{
           {v1::AGREEMENT_ACTION_APPROVE, "urn:equilink:person:caldicott-01"},
           {v1::AGREEMENT_ACTION_APPROVE, "urn:equilink:person:siro-01"},
           {v1::AGREEMENT_ACTION_ACTIVATE, "urn:equilink:person:siro-01"}}) {
    governance::TransitionRequest request;
    request.action = action;
    request.actor = {.principal = principal, .has_governance_role = true};
    request.time = now;
    absl::StatusOr<v1::AgreementEvent> event =
        (*registry)->Transition(id, version, request);
    if (!event.ok()) return event.status();
  }
  return absl::OkStatus();
}

absl::StatusOr<client::RunReport> SubmitCharitylogSample(
    int port, const std::string& rejects_path) {
  client::SubmitOptions options;
  options.export_options.input_path =
      SourcePath("client/samples/charitylog_export.csv");
  options.export_options.profile_path =
      SourcePath("client/profiles/charitylog.textproto");
  options.export_options.postcode_lookup_path =
      SourcePath("deploy/data/postcode_lookup_demo.csv");
  options.export_options.rejects_path = rejects_path;
  options.linkage_key_path = TestLinkageKeyPath();
  options.gateway_address = absl::StrCat("127.0.0.1:", port);
  options.tls = TestPki::Get().ClientFiles(kCharitylogOrg);
  options.purpose_id = kExamplePurpose;
  return client::RunSubmit(options);
}

}  // namespace equilink::testing
