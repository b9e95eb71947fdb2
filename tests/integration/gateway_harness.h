#ifndef EQUILINK_TESTS_INTEGRATION_GATEWAY_HARNESS_H_
#define EQUILINK_TESTS_INTEGRATION_GATEWAY_HARNESS_H_

// What the integration tests share: a development PKI made by the project's own
// script, a gateway configuration in a temporary directory, an in-process
// gateway (api::GatewayServer) or the real equilink-gateway binary in a child
// process, and client channels.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "equilink/v1/gateway_config.pb.h"
#include "grpcpp/channel.h"
#include "server/api/gateway_server.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace equilink::testing {

// Organisations in the test PKI. The first two are registered as submitters;
// kUnregistered has a valid certificate but is not in the registry.
inline constexpr char kCharitylogOrg[] = "8HX12";
inline constexpr char kLamplightOrg[] = "8JK34";
inline constexpr char kUnregisteredOrg[] = "9ZZ99";

// A development PKI made once per test binary by deploy/pki/make-dev-pki.sh
// (--test-certs).
class TestPki {
 public:
  static const TestPki& Get();
  const std::string& dir() const { return dir_; }
  v1::TlsFiles ServerFiles() const;
  v1::TlsFiles ClientFiles(const std::string& organisation_code) const;
  v1::TlsFiles OtherCaClientFiles() const;

 private:
  explicit TestPki(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

// Path of a file in the source tree, e.g.
// SourcePath("client/samples/lamplight_export.csv").
std::string SourcePath(const std::string& relative);

// A config for a gateway on 127.0.0.1:0 with its database in `dir`, both test
// organisations registered as submitters.
v1::GatewayConfig MakeGatewayConfig(const std::string& dir);
// Writes `config` as a text-format file and returns its path.
std::string WriteGatewayConfig(const v1::GatewayConfig& config,
                               const std::string& path);

// The real equilink-gateway binary, serving `config_path`, logging to
// `log_path`.
struct GatewayProcess {
  Subprocess process;
  int port = 0;
};
absl::StatusOr<GatewayProcess> StartGatewayProcess(
    const std::string& config_path, const std::string& port_file,
    const std::string& log_path);

// A mutual-TLS channel to 127.0.0.1:port presenting `client` (or no client
// certificate when client.certificate_file() is empty).
std::shared_ptr<grpc::Channel> MakeChannel(int port,
                                           const v1::TlsFiles& client);

// Path of the linkage key file the tests share (made once, mode 0600).
const std::string& TestLinkageKeyPath();

}  // namespace equilink::testing

#endif  // EQUILINK_TESTS_INTEGRATION_GATEWAY_HARNESS_H_
