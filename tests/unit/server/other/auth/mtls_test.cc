// End-to-end checks of the gateway's authentication path over real mutual TLS
// on loopback: the credentials from common/rpc/tls_credentials.h, the
// certificates from deploy/pki/make-dev-pki.sh, and
// OrganisationFromAuthContext reading what gRPC's TLS layer puts in the
// AuthContext. The service is a stand-in (grpc.health.v1.Health, whose Check
// answers with the caller's organisation), so these tests depend on nothing
// but the auth path.

#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/rpc/channel_options.h"
#include "common/rpc/status_grpc.h"
#include "common/rpc/tls_credentials.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/ext/health_check_service_server_builder_option.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "server/auth/authenticate.h"
#include "tests/testing/dev_pki.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink::auth {
namespace {

using ::equilink::testing::IsOk;
using ::testing::HasSubstr;

constexpr char kOrgMetadata[] = "x-equilink-org";
constexpr char kUriMetadata[] = "x-peer-uri";
constexpr char kSanMetadata[] = "x-peer-san";
constexpr char kDnsMetadata[] = "x-peer-dns";
constexpr char kIdentityMetadata[] = "x-identity-property";
constexpr char kPersonMetadata[] = "x-equilink-person";
constexpr char kFingerprintMetadata[] = "x-cert-sha256";

// Check() authenticates the caller and answers with its organisation code in
// trailing metadata, plus the raw URI and SAN properties gRPC reported (the
// test certificates hold no personal data).
class WhoAmIService final : public grpc::health::v1::Health::Service {
 public:
  grpc::Status Check(grpc::ServerContext* context,
                     const grpc::health::v1::HealthCheckRequest* /*request*/,
                     grpc::health::v1::HealthCheckResponse* response) override {
    const grpc::AuthContext& auth = *context->auth_context();
    context->AddTrailingMetadata(kUriMetadata, Joined(auth, "peer_uri"));
    context->AddTrailingMetadata(kSanMetadata,
                                 Joined(auth, "x509_subject_alternative_name"));
    context->AddTrailingMetadata(kDnsMetadata, Joined(auth, "peer_dns"));
    context->AddTrailingMetadata(kIdentityMetadata,
                                 auth.GetPeerIdentityPropertyName());
    absl::StatusOr<std::string> organisation =
        OrganisationFromAuthContext(auth);
    if (!organisation.ok()) return ToGrpcStatus(organisation.status());
    context->AddTrailingMetadata(kOrgMetadata, *organisation);
    absl::StatusOr<std::string> person = PersonFromAuthContext(auth);
    if (!person.ok()) return ToGrpcStatus(person.status());
    context->AddTrailingMetadata(kPersonMetadata, *person);
    absl::StatusOr<std::string> fingerprint =
        CertificateSha256FromAuthContext(auth);
    if (!fingerprint.ok()) return ToGrpcStatus(fingerprint.status());
    context->AddTrailingMetadata(kFingerprintMetadata, *fingerprint);
    response->set_status(grpc::health::v1::HealthCheckResponse::SERVING);
    return grpc::Status::OK;
  }

 private:
  static std::string Joined(const grpc::AuthContext& auth, const char* name) {
    std::string out;
    for (const grpc::string_ref& value : auth.FindPropertyValues(name)) {
      absl::StrAppend(&out, out.empty() ? "" : ",",
                      absl::string_view(value.data(), value.size()));
    }
    return out;
  }
};

struct CallResult {
  grpc::Status status;
  std::string organisation;
  std::string peer_uri;
  std::string peer_san;
  std::string peer_dns;
  std::string identity_property;
  std::string person;
  std::string certificate_sha256;
};

class MutualTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    pki_ = new std::string(dir_->File("pki"));
    ASSERT_THAT(testing::MakeDevPki(
                    *pki_, {"org:ABC1", "org:XY22:Second Org",
                            "person:ABC1:caldicott-01", "--test-certs"}),
                IsOk());
    auto credentials = MakeServerCredentials(testing::DevPkiServerFiles(*pki_));
    ASSERT_THAT(credentials, IsOk());

    service_ = new WhoAmIService();
    grpc::ServerBuilder builder;
    // Our own Health service stands in; keep gRPC's default one out.
    builder.SetOption(
        std::make_unique<grpc::HealthCheckServiceServerBuilderOption>(nullptr));
    builder.AddListeningPort("127.0.0.1:0", *credentials, &port_);
    ApplyServerChannelOptions(0, builder);
    builder.RegisterService(service_);
    server_ = builder.BuildAndStart().release();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port_, 0);
  }

  static void TearDownTestSuite() {
    if (server_ != nullptr) server_->Shutdown();
    delete server_;
    delete service_;
    delete pki_;
    delete dir_;
  }

  static std::string Target() { return absl::StrCat("127.0.0.1:", port_); }

  static CallResult CallWith(
      const std::shared_ptr<grpc::ChannelCredentials>& creds) {
    auto channel =
        grpc::CreateCustomChannel(Target(), creds, ClientChannelArguments(0));
    auto stub = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    CallResult result;
    result.status = stub->Check(&context, request, &response);
    const auto& trailers = context.GetServerTrailingMetadata();
    auto get = [&](const char* key) {
      auto it = trailers.find(key);
      return it == trailers.end()
                 ? std::string()
                 : std::string(it->second.data(), it->second.size());
    };
    result.organisation = get(kOrgMetadata);
    result.peer_uri = get(kUriMetadata);
    result.peer_san = get(kSanMetadata);
    result.peer_dns = get(kDnsMetadata);
    result.identity_property = get(kIdentityMetadata);
    result.person = get(kPersonMetadata);
    result.certificate_sha256 = get(kFingerprintMetadata);
    return result;
  }

  static CallResult CallAs(const std::string& base) {
    auto creds =
        MakeChannelCredentials(testing::DevPkiClientFilesAt(*pki_, base));
    EXPECT_THAT(creds, IsOk());
    if (!creds.ok()) return {};
    return CallWith(*creds);
  }

  // Runs `openssl s_client` against the server with extra `flags` and returns
  // its combined output. The client is allowed every protocol version OpenSSL
  // can speak (security level 0, no system config), so a refusal comes from
  // the server, not from the client's own defaults.
  static std::string SClient(const std::string& flags) {
    const std::string command = absl::StrCat(
        "OPENSSL_CONF=/dev/null timeout 20 openssl s_client -connect ",
        Target(), " -cert ", *pki_, "/orgs/ABC1.pem -key ", *pki_,
        "/orgs/ABC1.key -CAfile ", *pki_,
        "/ca.pem -alpn h2 -cipher DEFAULT@SECLEVEL=0 ", flags,
        " </dev/null 2>&1");
    std::string output;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return output;
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
      output.append(buffer, n);
    pclose(pipe);
    return output;
  }

  static testing::TempDir* dir_;
  static std::string* pki_;
  static WhoAmIService* service_;
  static grpc::Server* server_;
  static int port_;
};

testing::TempDir* MutualTlsTest::dir_ = nullptr;
std::string* MutualTlsTest::pki_ = nullptr;
WhoAmIService* MutualTlsTest::service_ = nullptr;
grpc::Server* MutualTlsTest::server_ = nullptr;
int MutualTlsTest::port_ = 0;

TEST_F(MutualTlsTest, GoodClientCertificateNamesItsOrganisation) {
  CallResult a = CallAs("orgs/ABC1");
  ASSERT_TRUE(a.status.ok()) << a.status.error_message();
  EXPECT_EQ(a.organisation, "ABC1");
  CallResult b = CallAs("orgs/XY22");
  ASSERT_TRUE(b.status.ok()) << b.status.error_message();
  EXPECT_EQ(b.organisation, "XY22");
}

// Records what gRPC 1.51 puts in the AuthContext for a URI SAN, which
// authenticate.h relies on: the typed "peer_uri" property, and the same value
// again, untyped, under "x509_subject_alternative_name".
TEST_F(MutualTlsTest, AuthContextCarriesUriSanAsPeerUri) {
  CallResult result = CallAs("orgs/ABC1");
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  EXPECT_EQ(result.peer_uri, "urn:equilink:org:ABC1");
  EXPECT_EQ(result.peer_san, "urn:equilink:org:ABC1");
  EXPECT_EQ(result.peer_dns, "");
  EXPECT_EQ(result.identity_property, "x509_subject_alternative_name");
}

TEST_F(MutualTlsTest, CertificateWithoutOrganisationUriIsUnauthenticated) {
  CallResult result = CallAs("test/no-org");
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(result.status.error_message(), HasSubstr("no urn:equilink:org:"));
  EXPECT_EQ(result.organisation, "");
  // A DNS SAN is listed, untyped, among the SANs, and typed as peer_dns; it is
  // not a URI.
  EXPECT_EQ(result.peer_san, "no-org.invalid");
  EXPECT_EQ(result.peer_dns, "no-org.invalid");
  EXPECT_EQ(result.peer_uri, "");
}

TEST_F(MutualTlsTest, CertificateWithTwoOrganisationsIsUnauthenticated) {
  CallResult result = CallAs("test/two-orgs");
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(result.status.error_message(), HasSubstr("more than one"));
}

TEST_F(MutualTlsTest, PersonCertificateNamesTheOrganisationAndThePerson) {
  CallResult result = CallAs("people/caldicott-01");
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  EXPECT_EQ(result.organisation, "ABC1");
  EXPECT_EQ(result.person, "urn:equilink:person:caldicott-01");
}

TEST_F(MutualTlsTest, OrganisationCertificateNamesNoPerson) {
  CallResult result = CallAs("orgs/ABC1");
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  EXPECT_EQ(result.person, "");
}

TEST_F(MutualTlsTest, CertificateWithTwoPersonsIsUnauthenticated) {
  CallResult result = CallAs("test/two-people");
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(result.status.error_message(),
              HasSubstr("more than one urn:equilink:person:"));
  EXPECT_EQ(result.person, "");
}

TEST_F(MutualTlsTest, MalformedPersonIdIsUnauthenticatedWithoutQuotingIt) {
  CallResult result = CallAs("test/bad-person");
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(result.status.error_message(), HasSubstr("person id"));
  EXPECT_THAT(result.status.error_message(),
              ::testing::Not(HasSubstr("Not_Valid")));
}

// The fingerprint an operator binds an organisation to is the one the
// openssl command line prints for the certificate file.
TEST_F(MutualTlsTest, CertificateSha256IsTheDerFingerprintOpensslComputes) {
  for (const char* base : {"orgs/ABC1", "orgs/XY22", "people/caldicott-01"}) {
    const std::string command =
        absl::StrCat("openssl x509 -in ", *pki_, "/", base,
                     ".pem -outform DER | sha256sum | cut -c1-64");
    std::string expected;
    FILE* pipe = popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    char buffer[128];
    size_t n;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
      expected.append(buffer, n);
    ASSERT_EQ(pclose(pipe), 0);
    while (!expected.empty() && expected.back() == '\n') expected.pop_back();
    ASSERT_EQ(expected.size(), 64u) << base;

    CallResult result = CallAs(base);
    ASSERT_TRUE(result.status.ok()) << result.status.error_message();
    EXPECT_EQ(result.certificate_sha256, expected) << base;
  }
}

TEST_F(MutualTlsTest, NoClientCertificateFailsTheHandshake) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = testing::ReadFileOrEmpty(*pki_ + "/ca.pem");
  ASSERT_FALSE(options.pem_root_certs.empty());
  CallResult result = CallWith(grpc::SslCredentials(options));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(result.organisation, "");
}

// The other CA's certificate claims ABC1, a real organisation: only the chain
// check stops it.
TEST_F(MutualTlsTest, CertificateFromAnotherCaFailsTheHandshake) {
  CallResult result = CallAs("test/other-ca-client");
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(result.organisation, "");
}

TEST_F(MutualTlsTest, ExpiredCertificateFailsTheHandshake) {
  // MakeChannelCredentials refuses an expired certificate itself, so build
  // the credentials by hand, as a client of another make would.
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = testing::ReadFileOrEmpty(*pki_ + "/ca.pem");
  options.pem_cert_chain =
      testing::ReadFileOrEmpty(*pki_ + "/test/expired.pem");
  options.pem_private_key =
      testing::ReadFileOrEmpty(*pki_ + "/test/expired.key");
  CallResult result = CallWith(grpc::SslCredentials(options));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(result.organisation, "");
}

// The control for the two tests below: the same s_client command completes a
// TLS 1.2 handshake, so their failures are refusals of the version.
TEST_F(MutualTlsTest, OpensslClientCompletesTls12Handshake) {
  const std::string output = SClient("-tls1_2");
  EXPECT_THAT(output, HasSubstr("New, TLSv1.2, Cipher is ")) << output;
  EXPECT_THAT(output, HasSubstr("Verify return code: 0 (ok)")) << output;
}

// gRPC's TLS layer answers a ClientHello for an older version with nothing at
// all: it logs "unsupported protocol" and closes the connection without
// flushing an alert. So the evidence is that the client, which did send its
// hello (it was not refused locally with "no protocols available"), read no
// byte back and negotiated no cipher.
void ExpectRefused(const std::string& output) {
  EXPECT_THAT(output, ::testing::Not(HasSubstr("no protocols available")))
      << output;
  EXPECT_THAT(output, HasSubstr("SSL handshake has read 0 bytes")) << output;
  EXPECT_THAT(output, HasSubstr("Cipher is (NONE)")) << output;
}

TEST_F(MutualTlsTest, Tls11IsRefusedByTheServer) {
  ExpectRefused(SClient("-tls1_1"));
}

TEST_F(MutualTlsTest, Tls10IsRefusedByTheServer) {
  ExpectRefused(SClient("-tls1"));
}

}  // namespace
}  // namespace equilink::auth
