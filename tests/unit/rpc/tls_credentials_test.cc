#include "common/rpc/tls_credentials.h"

#include <sys/stat.h>

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/dev_pki.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink {
namespace {

using ::equilink::testing::DevPkiClientFiles;
using ::equilink::testing::DevPkiClientFilesAt;
using ::equilink::testing::DevPkiServerFiles;
using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// One PKI for the whole suite: the script takes ~0.5 s.
class TlsCredentialsTest : public ::testing::Test {
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

  // A copy of the gateway key with `mode`, so tests never change the shared
  // one.
  static std::string KeyWithMode(const std::string& name, mode_t mode) {
    const std::string path = dir_->File(name);
    testing::WriteFileOrDie(path,
                            testing::ReadFileOrEmpty(*pki_ + "/gateway.key"));
    EXPECT_EQ(chmod(path.c_str(), mode), 0);
    return path;
  }

  static testing::TempDir* dir_;
  static std::string* pki_;
};

testing::TempDir* TlsCredentialsTest::dir_ = nullptr;
std::string* TlsCredentialsTest::pki_ = nullptr;

TEST_F(TlsCredentialsTest, BuildsServerAndClientCredentials) {
  auto server = MakeServerCredentials(DevPkiServerFiles(*pki_));
  ASSERT_THAT(server, IsOk());
  EXPECT_NE(*server, nullptr);
  auto client = MakeChannelCredentials(DevPkiClientFiles(*pki_, "ABC1"));
  ASSERT_THAT(client, IsOk());
  EXPECT_NE(*client, nullptr);
}

TEST_F(TlsCredentialsTest, AcceptsOwnerReadOnlyKey) {
  v1::TlsFiles files = DevPkiServerFiles(*pki_);
  files.set_private_key_file(KeyWithMode("key0400", 0400));
  EXPECT_THAT(MakeServerCredentials(files), IsOk());
}

TEST_F(TlsCredentialsTest, RefusesGroupReadableKey) {
  v1::TlsFiles files = DevPkiServerFiles(*pki_);
  files.set_private_key_file(KeyWithMode("key0640", 0640));
  EXPECT_THAT(MakeServerCredentials(files),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr(files.private_key_file()),
                             HasSubstr("0640"), HasSubstr("0600"))));
}

TEST_F(TlsCredentialsTest, RefusesKeyAccessibleToOthers) {
  v1::TlsFiles files = DevPkiClientFiles(*pki_, "ABC1");
  files.set_private_key_file(KeyWithMode("key0604", 0604));
  EXPECT_THAT(MakeChannelCredentials(files),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  files.set_private_key_file(KeyWithMode("key0620", 0620));  // writable only
  EXPECT_THAT(MakeChannelCredentials(files),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(TlsCredentialsTest, MissingFileIsNotFound) {
  v1::TlsFiles files = DevPkiServerFiles(*pki_);
  files.set_ca_file(dir_->File("absent.pem"));
  EXPECT_THAT(MakeServerCredentials(files),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent.pem")));
}

TEST_F(TlsCredentialsTest, EmptyPathIsInvalid) {
  v1::TlsFiles files = DevPkiServerFiles(*pki_);
  files.clear_ca_file();
  EXPECT_THAT(
      MakeServerCredentials(files),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ca_file")));
}

// An empty or garbage CA file must not fall through to gRPC, which would
// then trust the system's public roots.
TEST_F(TlsCredentialsTest, RefusesCaFileWithoutCertificate) {
  v1::TlsFiles files = DevPkiServerFiles(*pki_);
  files.set_ca_file(dir_->File("empty-ca.pem"));
  testing::WriteFileOrDie(files.ca_file(), "");
  EXPECT_THAT(MakeServerCredentials(files),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("holds no PEM certificate")));
  testing::WriteFileOrDie(files.ca_file(), "not a certificate\n");
  EXPECT_THAT(MakeChannelCredentials(files),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(TlsCredentialsTest, RefusesKeyThatDoesNotMatchCertificate) {
  v1::TlsFiles files = DevPkiServerFiles(*pki_);
  files.set_private_key_file(*pki_ + "/orgs/ABC1.key");
  EXPECT_THAT(MakeServerCredentials(files),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("does not match")));
}

TEST_F(TlsCredentialsTest, RefusesExpiredCertificate) {
  EXPECT_THAT(
      MakeChannelCredentials(DevPkiClientFilesAt(*pki_, "test/expired")),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("expired")));
}

TEST_F(TlsCredentialsTest, ErrorsNeverQuoteKeyMaterial) {
  v1::TlsFiles files = DevPkiServerFiles(*pki_);
  files.set_private_key_file(*pki_ + "/orgs/ABC1.key");
  const absl::Status status = MakeServerCredentials(files).status();
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("PRIVATE KEY")));
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("BEGIN")));
}

}  // namespace
}  // namespace equilink
