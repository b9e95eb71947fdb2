#include "server/audit/checkpoint_signer.h"

#include <sys/stat.h>

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink::audit {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::equilink::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(CheckpointSignerTest, GeneratedKeyFileIsOwnerOnly) {
  TempDir dir;
  const std::string path = dir.File("key.pem");
  ASSERT_THAT(CheckpointSigner::GenerateKeyFile(path), IsOk());
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
}

TEST(CheckpointSignerTest, RefusesToOverwriteAKeyFile) {
  TempDir dir;
  const std::string path = dir.File("key.pem");
  ASSERT_THAT(CheckpointSigner::GenerateKeyFile(path), IsOk());
  EXPECT_THAT(CheckpointSigner::GenerateKeyFile(path),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST(CheckpointSignerTest, RefusesKeyFileReadableByOthers) {
  TempDir dir;
  const std::string path = dir.File("key.pem");
  ASSERT_THAT(CheckpointSigner::GenerateKeyFile(path), IsOk());
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  EXPECT_THAT(
      CheckpointSigner::LoadFromFile(path),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("0644")));
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  EXPECT_THAT(CheckpointSigner::LoadFromFile(path),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  EXPECT_THAT(CheckpointSigner::LoadFromFile(path), IsOk());
}

TEST(CheckpointSignerTest, RefusesFileWithoutEd25519Key) {
  TempDir dir;
  const std::string path = dir.File("key.pem");
  equilink::testing::WriteFileOrDie(path, "not a key\n");
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  EXPECT_THAT(CheckpointSigner::LoadFromFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckpointSigner::LoadFromFile(dir.File("missing.pem")),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(CheckpointSignerTest, SignaturesVerifyOnlyWithTheMatchingKey) {
  TempDir dir;
  ASSERT_THAT(CheckpointSigner::GenerateKeyFile(dir.File("a.pem")), IsOk());
  ASSERT_THAT(CheckpointSigner::GenerateKeyFile(dir.File("b.pem")), IsOk());
  EQ_ASSERT_OK_AND_ASSIGN(auto signer_a,
                          CheckpointSigner::LoadFromFile(dir.File("a.pem")));
  EQ_ASSERT_OK_AND_ASSIGN(auto signer_b,
                          CheckpointSigner::LoadFromFile(dir.File("b.pem")));
  EQ_ASSERT_OK_AND_ASSIGN(const std::string pem_a, signer_a->PublicKeyPem());
  EQ_ASSERT_OK_AND_ASSIGN(auto verifier_a,
                          CheckpointVerifier::FromPublicKeyPem(pem_a));
  EXPECT_EQ(verifier_a->key_id(), signer_a->key_id());
  EXPECT_EQ(verifier_a->key_id().size(), 16u);
  EXPECT_NE(signer_a->key_id(), signer_b->key_id());

  EQ_ASSERT_OK_AND_ASSIGN(const std::string signature,
                          signer_a->Sign("checkpoint"));
  EXPECT_EQ(signature.size(), 64u);
  EXPECT_TRUE(verifier_a->Verify("checkpoint", signature));
  EXPECT_FALSE(verifier_a->Verify("checkpoinT", signature));
  EQ_ASSERT_OK_AND_ASSIGN(const std::string other,
                          signer_b->Sign("checkpoint"));
  EXPECT_FALSE(verifier_a->Verify("checkpoint", other));
  EXPECT_FALSE(verifier_a->Verify("checkpoint", "short"));
}

TEST(CheckpointSignerTest, ReloadedKeyKeepsItsId) {
  TempDir dir;
  ASSERT_THAT(CheckpointSigner::GenerateKeyFile(dir.File("a.pem")), IsOk());
  EQ_ASSERT_OK_AND_ASSIGN(auto first,
                          CheckpointSigner::LoadFromFile(dir.File("a.pem")));
  EQ_ASSERT_OK_AND_ASSIGN(auto second,
                          CheckpointSigner::LoadFromFile(dir.File("a.pem")));
  EXPECT_EQ(first->key_id(), second->key_id());
}

TEST(CheckpointVerifierTest, RefusesNonEd25519PublicKey) {
  EXPECT_THAT(CheckpointVerifier::FromPublicKeyPem("garbage"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckpointVerifier::FromPublicKeyPem(""), Not(IsOk()));
}

}  // namespace
}  // namespace equilink::audit
