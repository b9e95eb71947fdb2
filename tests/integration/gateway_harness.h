#ifndef EQUILINK_TESTS_INTEGRATION_GATEWAY_HARNESS_H_
#define EQUILINK_TESTS_INTEGRATION_GATEWAY_HARNESS_H_

// What the integration tests share: a development PKI made by the project's own
// script, a gateway configuration in a temporary directory, an in-process
// gateway (api::GatewayServer) or the real equilink-gateway binary in a child
// process, and client channels.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/commands/submit_command.h"
#include "equilink/v1/agreement.pb.h"
#include "equilink/v1/gateway_config.pb.h"
#include "equilink/v1/submission.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"
#include "server/api/gateway_server.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace equilink::testing {

// Organisations in the test PKI. The first two are registered as submitters;
// kUnregistered has a valid certificate but is not in the registry.
inline constexpr char kCharitylogOrg[] = "8HX12";
inline constexpr char kLamplightOrg[] = "8JK34";
inline constexpr char kUnregisteredOrg[] = "9ZZ99";
// Registered by MakeGatewayConfig with these roles: the ICS (governance and
// auditor), its population health team (consumer), an auditor-only and an
// admin-only organisation (each holding exactly one role, for wrong-role
// tests).
inline constexpr char kIcsOrg[] = "QHL";
inline constexpr char kConsumerOrg[] = "QHLPHM";
inline constexpr char kAuditorOrg[] = "AUD1";
inline constexpr char kAdminOrg[] = "ADM1";
// Members of staff of kIcsOrg with person certificates
// (urn:equilink:person:<id>): the IG officer, the Caldicott Guardian and the
// SIRO, so four-eyes approvals can be made by two different people.
inline constexpr char kIgOfficerPerson[] = "ics-ig-officer-01";
inline constexpr char kCaldicottPerson[] = "caldicott-01";
inline constexpr char kSiroPerson[] = "siro-01";

// A development PKI made once per test binary by deploy/pki/make-dev-pki.sh
// (--test-certs).
class TestPki {
 public:
  static const TestPki& Get();
  const std::string& dir() const { return dir_; }
  v1::TlsFiles ServerFiles() const;
  v1::TlsFiles ClientFiles(const std::string& organisation_code) const;
  v1::TlsFiles OtherCaClientFiles() const;
  // A person certificate of kIcsOrg: kIgOfficerPerson, kCaldicottPerson or
  // kSiroPerson. It names both the organisation and the person.
  v1::TlsFiles PersonClientFiles(const std::string& person_id) const;
  // Certificates from the real CA that break an identity rule, all claiming
  // kCharitylogOrg: "test/no-org", "test/two-orgs", "test/two-people" (two
  // person URIs), "test/bad-person" (person id "Not_Valid!"), "test/expired".
  v1::TlsFiles TestClientFiles(const std::string& base) const;

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
// The same with more command-line flags, e.g. --metrics_port_file=PATH.
absl::StatusOr<GatewayProcess> StartGatewayProcess(
    const std::string& config_path, const std::string& port_file,
    const std::string& log_path, const std::vector<std::string>& extra_flags);

// The count (first column of the first row) `sql` returns from the database
// at `db_path`, read on a read-only connection of its own so a test sees
// exactly what is durable; -1 when there is no row.
int64_t CountRows(const std::string& db_path, const std::string& sql);

// What a store holds, in enough detail that any write shows: tests of
// refusals compare it before and after.
struct StoredCounts {
  int64_t records, record_keys, batches, quarantined, last_record_id,
      payload_bytes;
  bool operator==(const StoredCounts&) const = default;
};
StoredCounts CountStored(const std::string& store_path);

// Writes a synthetic Charitylog-layout export (client/pipeline/
// synthetic_export.h) with postcodes from the demo lookup; dies on error.
void WriteSyntheticCharitylogExport(const std::string& path, int64_t rows,
                                    uint64_t seed, int64_t first_row = 0);

// A mutual-TLS channel to 127.0.0.1:port presenting `client` (or no client
// certificate when client.certificate_file() is empty).
std::shared_ptr<grpc::Channel> MakeChannel(int port,
                                           const v1::TlsFiles& client);

// Sends `batch` on a new Submit stream to 127.0.0.1:port as `client`, reads
// its one acknowledgement into `ack` and returns the stream's status.
grpc::Status SubmitOneBatch(int port, const v1::TlsFiles& client,
                            const v1::SubmissionBatch& batch,
                            v1::BatchAck* ack);

// Path of the linkage key file the tests share (made once, mode 0600).
// The tests' linkage key id: the pseudonym domain the example submission
// agreement names, so batches made with the test key pass rule S7.
inline constexpr char kTestLinkageKeyId[] = "bsol-cyp-2026";
const std::string& TestLinkageKeyPath();

// The example submission agreement
// (deploy/agreements/8hx12_youth_wellbeing_submission.textproto) with its
// submitter organisation code replaced by `submitter_code`, so any test
// organisation can submit under it (dataset vcse-service-contacts, purpose
// kExamplePurpose). For a submitter other than 8HX12 the agreement id gets
// "-<code>" appended, so several copies fit in one registry. Dies if the
// shipped file does not parse.
v1::Agreement ExampleSubmissionAgreement(absl::string_view submitter_code);
inline constexpr char kExamplePurpose[] = "cyp-health-equity";

// Submits client/samples/charitylog_export.csv through the real client as
// kCharitylogOrg (profile client/profiles/charitylog.textproto, the demo
// postcode lookup, the test linkage key, kExamplePurpose) to the gateway on
// 127.0.0.1:port; the rejects report goes to `rejects_path`.
absl::StatusOr<client::RunReport> SubmitCharitylogSample(
    int port, const std::string& rejects_path);

// Stores `agreement` in the registry of the gateway database at `store_path`
// and takes it through the real lifecycle: created, approved by
// urn:equilink:person:caldicott-01 and urn:equilink:person:siro-01 (four
// eyes), then activated. Works while a gateway has the file open (the
// registry takes its own connection); a running gateway sees the agreement at
// its next batch only if it shares this registry, so install before starting
// the gateway unless the test says otherwise.
absl::Status InstallActiveAgreement(const std::string& store_path,
                                    const v1::Agreement& agreement);
// The same with every event dated `at` (e.g. activated in the past, so an
// agreement whose expiry date has since passed is in the registry as ACTIVE,
// the way a real one expires).
absl::Status InstallActiveAgreement(const std::string& store_path,
                                    const v1::Agreement& agreement,
                                    absl::Time at);

}  // namespace equilink::testing

#endif  // EQUILINK_TESTS_INTEGRATION_GATEWAY_HARNESS_H_
