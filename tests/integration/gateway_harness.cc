#include "tests/integration/gateway_harness.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "client/commands/keygen_command.h"
#include "common/rpc/channel_options.h"
#include "common/rpc/tls_credentials.h"
#include "common/status/check.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "server/config/gateway_config.h"

namespace equilink::testing {

std::string SourcePath(const std::string& relative) {
  return absl::StrCat(EQUILINK_SOURCE_DIR, "/", relative);
}

const TestPki& TestPki::Get() {
  // Leaked on purpose: shared by every test of the binary, removed by the OS
  // temp cleaner.
  static const TestPki* const pki = [] {
    auto* dir = new TempDir();
    const std::string out = dir->File("pki");
    const std::string command = absl::StrCat(
        "bash ", SourcePath("deploy/pki/make-dev-pki.sh"), " ", out,
        " --days 2 --test-certs org:", kCharitylogOrg, " org:", kLamplightOrg,
        " org:", kUnregisteredOrg, " > ", dir->File("pki.log"), " 2>&1");
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
  config::ApplyGatewayConfigDefaults(config);
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
  std::remove(port_file.c_str());
  GatewayProcess gateway;
  absl::StatusOr<Subprocess> process = Subprocess::Start(
      {EQUILINK_GATEWAY_BINARY, absl::StrCat("--config=", config_path),
       absl::StrCat("--port_file=", port_file)},
      log_path);
  if (!process.ok()) return process.status();
  gateway.process = *std::move(process);
  absl::StatusOr<int> port = WaitForPortFile(port_file, absl::Seconds(20));
  if (!port.ok()) return port.status();
  gateway.port = *port;
  return gateway;
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

const std::string& TestLinkageKeyPath() {
  static const std::string* const path = [] {
    auto* dir = new TempDir();
    auto* key_path = new std::string(dir->File("linkage.key"));
    EQ_CHECK(client::RunKeygen("test-linkage-key-1", *key_path).ok());
    return key_path;
  }();
  return *path;
}

}  // namespace equilink::testing
