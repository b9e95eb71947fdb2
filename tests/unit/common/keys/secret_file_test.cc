#include "common/keys/secret_file.h"

#include <sys/stat.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::ReadFileOrEmpty;
using ::equilink::testing::StatusIs;
using ::equilink::testing::TempDir;
using ::equilink::testing::WriteFileOrDie;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kRole[] = "test secret file";
constexpr char kSecret[] = "s3cr3t-b1ts-not-for-messages";
constexpr size_t kMax = 64;

// WriteFileOrDie creates 0644; tests set the mode they mean.
std::string WriteWithMode(const TempDir& dir, const std::string& contents,
                          mode_t mode) {
  const std::string path = dir.File("secret");
  WriteFileOrDie(path, contents);
  EXPECT_EQ(::chmod(path.c_str(), mode), 0);
  return path;
}

TEST(SecretFileTest, WriteThenReadRoundTripsWithMode0600) {
  TempDir dir;
  const std::string path = dir.File("new");
  ASSERT_THAT(WriteNewSecretFile(path, kSecret, kRole), IsOk());

  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);

  EQ_ASSERT_OK_AND_ASSIGN(SecretBytes read, ReadSecretFile(path, kRole, kMax));
  EXPECT_EQ(read.UnsafeSecretView(), kSecret);
}

TEST(SecretFileTest, EmptyFileRoundTrips) {
  TempDir dir;
  const std::string path = dir.File("empty");
  ASSERT_THAT(WriteNewSecretFile(path, "", kRole), IsOk());
  EQ_ASSERT_OK_AND_ASSIGN(SecretBytes read, ReadSecretFile(path, kRole, kMax));
  EXPECT_TRUE(read.empty());
}

TEST(SecretFileTest, WriteRefusesToOverwriteAndKeepsTheOldContent) {
  TempDir dir;
  const std::string path = dir.File("existing");
  ASSERT_THAT(WriteNewSecretFile(path, kSecret, kRole), IsOk());
  EXPECT_THAT(WriteNewSecretFile(path, "replacement", kRole),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       AllOf(HasSubstr(kRole), HasSubstr(path),
                             Not(HasSubstr(kSecret)))));
  EXPECT_EQ(ReadFileOrEmpty(path), kSecret);
}

TEST(SecretFileTest, WriteIntoMissingDirectoryLeavesNothing) {
  TempDir dir;
  const std::string path = dir.File("absent/secret");
  EXPECT_THAT(WriteNewSecretFile(path, kSecret, kRole),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(kRole)));
  struct stat st;
  EXPECT_NE(::stat(path.c_str(), &st), 0);
}

TEST(SecretFileTest, ReadRefusesGroupOrOtherAccess) {
  TempDir dir;
  for (mode_t mode : {0644, 0640, 0604, 0660, 0602, 0610, 0601, 0620}) {
    const std::string path = WriteWithMode(dir, kSecret, mode);
    EXPECT_THAT(ReadSecretFile(path, kRole, kMax),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         AllOf(HasSubstr(kRole), HasSubstr(path),
                               HasSubstr("0600"), Not(HasSubstr(kSecret)))))
        << std::oct << mode;
  }
  for (mode_t mode : {0600, 0400}) {
    const std::string path = WriteWithMode(dir, kSecret, mode);
    EXPECT_THAT(ReadSecretFile(path, kRole, kMax), IsOk()) << std::oct << mode;
  }
}

TEST(SecretFileTest, ReadRefusesFilesOverTheLimit) {
  TempDir dir;
  const std::string at_limit = WriteWithMode(dir, std::string(kMax, 'x'), 0600);
  EXPECT_THAT(ReadSecretFile(at_limit, kRole, kMax), IsOk());
  const std::string over = WriteWithMode(dir, std::string(kMax + 1, 'x'), 0600);
  EXPECT_THAT(ReadSecretFile(over, kRole, kMax),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(kRole), Not(HasSubstr("xxxx")))));
}

TEST(SecretFileTest, ReadRefusesADirectory) {
  TempDir dir;
  ASSERT_EQ(::chmod(dir.path().c_str(), 0700), 0);
  EXPECT_THAT(
      ReadSecretFile(dir.path(), kRole, kMax),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(kRole)));
}

TEST(SecretFileTest, MissingFileIsNotFound) {
  TempDir dir;
  EXPECT_THAT(ReadSecretFile(dir.File("absent"), kRole, kMax),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(kRole)));
}

}  // namespace
}  // namespace equilink
