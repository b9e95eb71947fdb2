#include "common/keys/linkage_key.h"

#include <sys/stat.h>

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::equilink::testing::TempDir;
using ::equilink::testing::WriteFileOrDie;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::string_view kHexKey =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

std::string TestKeyBytes() {
  std::string raw;
  for (int i = 0; i < 32; ++i) raw.push_back(static_cast<char>(i));
  return raw;
}

// Writes `contents` with `mode` (WriteFileOrDie creates 0644).
std::string WriteKeyFile(const TempDir& dir, const std::string& contents,
                         mode_t mode = 0600) {
  const std::string path = dir.File("linkage.key");
  WriteFileOrDie(path, contents);
  EXPECT_EQ(::chmod(path.c_str(), mode), 0);
  return path;
}

TEST(LinkageKeyTest, WriteThenReadRoundTrips) {
  TempDir dir;
  EQ_ASSERT_OK_AND_ASSIGN(LinkageKey key, LinkageKey::Generate("ics-2024.1"));
  const std::string path = dir.File("k");
  ASSERT_THAT(key.WriteToFile(path), IsOk());

  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  EQ_ASSERT_OK_AND_ASSIGN(LinkageKey read, LinkageKey::ReadFromFile(path));
  EXPECT_EQ(read.key_id(), "ics-2024.1");
  EXPECT_TRUE(read.secret() == key.secret());
}

TEST(LinkageKeyTest, FileFormatIsAsDocumented) {
  TempDir dir;
  EQ_ASSERT_OK_AND_ASSIGN(
      LinkageKey key,
      LinkageKey::FromBytes("test-key-1", SecretBytes(TestKeyBytes())));
  const std::string path = dir.File("k");
  ASSERT_THAT(key.WriteToFile(path), IsOk());
  EXPECT_EQ(equilink::testing::ReadFileOrEmpty(path),
            absl::StrCat("equilink-linkage-key-v1\nkey_id: test-key-1\nkey: ",
                         kHexKey, "\n"));
}

TEST(LinkageKeyTest, WriteRefusesToOverwrite) {
  TempDir dir;
  EQ_ASSERT_OK_AND_ASSIGN(LinkageKey key, LinkageKey::Generate("k1"));
  const std::string path = dir.File("k");
  ASSERT_THAT(key.WriteToFile(path), IsOk());
  EXPECT_THAT(key.WriteToFile(path),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST(LinkageKeyTest, ReadAcceptsUpperCaseHexAndCrLf) {
  TempDir dir;
  const std::string path = WriteKeyFile(
      dir, absl::StrCat("equilink-linkage-key-v1\r\nkey_id: a\r\nkey: ",
                        absl::AsciiStrToUpper(kHexKey), "\r\n"));
  EQ_ASSERT_OK_AND_ASSIGN(LinkageKey key, LinkageKey::ReadFromFile(path));
  EXPECT_EQ(key.secret().UnsafeSecretView(), TestKeyBytes());
}

TEST(LinkageKeyTest, ReadRefusesGroupOrOtherAccess) {
  TempDir dir;
  const std::string contents =
      absl::StrCat("equilink-linkage-key-v1\nkey_id: a\nkey: ", kHexKey, "\n");
  for (mode_t mode : {0644, 0640, 0604, 0660, 0602, 0610}) {
    const std::string path = WriteKeyFile(dir, contents, mode);
    EXPECT_THAT(LinkageKey::ReadFromFile(path),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         AllOf(HasSubstr(path), HasSubstr("0600"),
                               Not(HasSubstr(std::string(kHexKey))))))
        << std::oct << mode;
  }
  const std::string path = WriteKeyFile(dir, contents, 0400);
  EXPECT_THAT(LinkageKey::ReadFromFile(path), IsOk());
}

TEST(LinkageKeyTest, MalformedFilesAreInvalidArgumentWithoutKeyBytes) {
  TempDir dir;
  const std::string hex(kHexKey);
  const std::string bad_hex = "zz" + hex.substr(2);
  const std::string cases[] = {
      "",
      "equilink-linkage-key-v1\n",
      absl::StrCat("equilink-linkage-key-v2\nkey_id: a\nkey: ", hex, "\n"),
      absl::StrCat("equilink-linkage-key-v1\nid: a\nkey: ", hex, "\n"),
      absl::StrCat("equilink-linkage-key-v1\nkey_id: \nkey: ", hex, "\n"),
      absl::StrCat("equilink-linkage-key-v1\nkey_id: a b\nkey: ", hex, "\n"),
      absl::StrCat("equilink-linkage-key-v1\nkey_id: a\nkey: ", hex.substr(2),
                   "\n"),
      absl::StrCat("equilink-linkage-key-v1\nkey_id: a\nkey: ", hex, "00\n"),
      absl::StrCat("equilink-linkage-key-v1\nkey_id: a\nkey: ", bad_hex, "\n"),
      absl::StrCat("equilink-linkage-key-v1\nkey_id: a\nkey: ", hex,
                   "\nextra\n"),
      absl::StrCat("equilink-linkage-key-v1\nkey_id: a\nkey:  ", hex, "\n"),
  };
  for (const std::string& contents : cases) {
    const std::string path = WriteKeyFile(dir, contents);
    EXPECT_THAT(LinkageKey::ReadFromFile(path),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr(path), Not(HasSubstr(hex.substr(8))))))
        << contents;
  }
}

TEST(LinkageKeyTest, MissingFileIsNotFound) {
  TempDir dir;
  EXPECT_THAT(LinkageKey::ReadFromFile(dir.File("absent")),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(LinkageKeyTest, DirectoryIsRefused) {
  TempDir dir;
  ASSERT_EQ(::chmod(dir.path().c_str(), 0700), 0);
  EXPECT_THAT(LinkageKey::ReadFromFile(dir.path()), Not(IsOk()));
}

TEST(LinkageKeyTest, KeyIdRules) {
  EXPECT_THAT(LinkageKey::Generate("A-z_0.9"), IsOk());
  EXPECT_THAT(LinkageKey::Generate(std::string(64, 'a')), IsOk());
  EXPECT_THAT(LinkageKey::Generate(std::string(65, 'a')),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(LinkageKey::Generate(""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(LinkageKey::Generate("a/b"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(LinkageKeyTest, FromBytesRequires32Bytes) {
  EXPECT_THAT(LinkageKey::FromBytes("k", SecretBytes(size_t{31})),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(LinkageKey::FromBytes("k", SecretBytes(size_t{32})), IsOk());
}

TEST(LinkageKeyTest, GeneratedKeysDiffer) {
  EQ_ASSERT_OK_AND_ASSIGN(LinkageKey a, LinkageKey::Generate("k"));
  EQ_ASSERT_OK_AND_ASSIGN(LinkageKey b, LinkageKey::Generate("k"));
  EXPECT_EQ(a.secret().size(), 32u);
  EXPECT_FALSE(a.secret() == b.secret());
}

}  // namespace
}  // namespace equilink
