#include "common/rpc/client_certificate_verifier.h"

#include <optional>
#include <string>

#include "common/rpc/grpc_log_observer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/dev_pki.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::ReadFileOrEmpty;
using ::testing::Eq;
using ::testing::Optional;

class ClientChainCheckerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    pki_ = new std::string(dir_->File("pki"));
    ASSERT_THAT(testing::MakeDevPki(*pki_, {"org:ABC1", "--test-certs"}),
                IsOk());
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete dir_;
  }

  static std::string Pem(const std::string& relative) {
    return ReadFileOrEmpty(*pki_ + "/" + relative);
  }

  std::optional<HandshakeRefusal> Check(const std::string& leaf_pem) {
    absl::StatusOr<std::unique_ptr<ClientChainChecker>> checker =
        ClientChainChecker::New(Pem("ca.pem"));
    EXPECT_TRUE(checker.ok()) << checker.status();
    if (!checker.ok()) return HandshakeRefusal::kInvalidCertificate;
    return (*checker)->Check(leaf_pem, "");
  }

  static testing::TempDir* dir_;
  static std::string* pki_;
};
testing::TempDir* ClientChainCheckerTest::dir_ = nullptr;
std::string* ClientChainCheckerTest::pki_ = nullptr;

TEST_F(ClientChainCheckerTest, OrganisationCertificateFromTheCaIsGood) {
  EXPECT_EQ(Check(Pem("orgs/ABC1.pem")), std::nullopt);
}

TEST_F(ClientChainCheckerTest, NoCertificate) {
  EXPECT_THAT(Check(""), Optional(Eq(HandshakeRefusal::kNoCertificate)));
}

TEST_F(ClientChainCheckerTest, CertificateFromAnotherCa) {
  EXPECT_THAT(Check(Pem("test/other-ca-client.pem")),
              Optional(Eq(HandshakeRefusal::kUntrustedIssuer)));
}

TEST_F(ClientChainCheckerTest, ExpiredCertificate) {
  EXPECT_THAT(Check(Pem("test/expired.pem")),
              Optional(Eq(HandshakeRefusal::kExpired)));
}

// A server certificate (EKU serverAuth only) is not a client certificate,
// exactly as OpenSSL's own "ssl_client" check in the handshake decides.
TEST_F(ClientChainCheckerTest, ServerCertificateIsNotAClientCertificate) {
  EXPECT_THAT(Check(Pem("gateway.pem")),
              Optional(Eq(HandshakeRefusal::kInvalidCertificate)));
}

// The other CA's own certificate sent as an intermediate does not make its
// client certificate trusted: only tls.ca_file anchors a chain.
TEST_F(ClientChainCheckerTest, UntrustedIntermediateDoesNotHelp) {
  absl::StatusOr<std::unique_ptr<ClientChainChecker>> checker =
      ClientChainChecker::New(Pem("ca.pem"));
  ASSERT_TRUE(checker.ok());
  EXPECT_THAT((*checker)->Check(Pem("test/other-ca-client.pem"),
                                Pem("test/other-ca.pem")),
              Optional(Eq(HandshakeRefusal::kUntrustedIssuer)));
}

TEST_F(ClientChainCheckerTest, GarbageIsInvalid) {
  EXPECT_THAT(Check("-----BEGIN CERTIFICATE-----\nnot base64\n"),
              Optional(Eq(HandshakeRefusal::kInvalidCertificate)));
}

TEST(ClientChainCheckerNewTest, EmptyCaIsRefused) {
  EXPECT_FALSE(ClientChainChecker::New("").ok());
}

// The texts gRPC 1.51's TLS layer logs with OpenSSL 3.0 (checked end to end
// by tests/integration/hostile_transport_integration_test.cc).
TEST(HandshakeRefusalFromGrpcLogTest, ClassifiesOpensslReasons) {
  EXPECT_THAT(HandshakeRefusalFromGrpcLog(
                  "Handshake failed with fatal error SSL_ERROR_SSL: "
                  "error:0A000102:SSL routines::unsupported protocol."),
              Optional(Eq(HandshakeRefusal::kOldTlsVersion)));
  EXPECT_THAT(HandshakeRefusalFromGrpcLog(
                  "Handshake failed with fatal error SSL_ERROR_SSL: "
                  "error:0A00010B:SSL routines::wrong version number."),
              Optional(Eq(HandshakeRefusal::kNotTls)));
  EXPECT_THAT(HandshakeRefusalFromGrpcLog(
                  "Handshake failed with fatal error SSL_ERROR_SSL: "
                  "error:0A00009C:SSL routines::http request."),
              Optional(Eq(HandshakeRefusal::kNotTls)));
  EXPECT_THAT(HandshakeRefusalFromGrpcLog(
                  "Handshake failed with fatal error SSL_ERROR_SSL: "
                  "error:0A0000C1:SSL routines::no shared cipher."),
              Optional(Eq(HandshakeRefusal::kHandshakeFailed)));
  EXPECT_EQ(HandshakeRefusalFromGrpcLog("Server shutdown"), std::nullopt);
}

}  // namespace
}  // namespace equilink
