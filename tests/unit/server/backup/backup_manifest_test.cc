#include "server/backup/backup_manifest.h"

#include <string>

#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace equilink::backup {
namespace {

using ::equilink::testing::StatusIs;
using ::testing::HasSubstr;

BackupManifest Example() {
  BackupManifest manifest;
  manifest.created = absl::FromUnixSeconds(1'777'000'000);
  manifest.store_schema_version = 7;
  manifest.audit_last_sequence = 1234;
  manifest.audit_head_hash_hex = std::string(64, 'a');
  manifest.audit_checkpoint_key_id = "0123456789abcdef";
  manifest.files.push_back({"store", "store.db", std::string(64, 'b'), 4096});
  manifest.files.push_back({"audit", "audit.db", std::string(64, 'c'), 8192});
  return manifest;
}

TEST(BackupManifestTest, RoundTrips) {
  const std::string text = FormatManifest(Example());
  EQ_ASSERT_OK_AND_ASSIGN(BackupManifest parsed, ParseManifest(text, "m"));
  EXPECT_EQ(parsed.created, Example().created);
  EXPECT_EQ(parsed.store_schema_version, 7);
  EXPECT_EQ(parsed.audit_last_sequence, 1234u);
  EXPECT_EQ(parsed.audit_head_hash_hex, std::string(64, 'a'));
  EXPECT_EQ(parsed.audit_checkpoint_key_id, "0123456789abcdef");
  ASSERT_EQ(parsed.files.size(), 2u);
  ASSERT_NE(parsed.FindRole("audit"), nullptr);
  EXPECT_EQ(parsed.FindRole("audit")->file_name, "audit.db");
  EXPECT_EQ(parsed.FindRole("audit")->bytes, 8192u);
  EXPECT_EQ(FormatManifest(parsed), text);
}

// A crafted manifest must not make a restore read outside the backup.
TEST(BackupManifestTest, RefusesFileNamesOutsideTheDirectory) {
  for (const char* name : {"../store.db", "/etc/passwd", "a/b.db", ".hidden"}) {
    const std::string text =
        absl::StrReplaceAll(FormatManifest(Example()),
                            {{" store.db ", absl::StrCat(" ", name, " ")}});
    EXPECT_THAT(
        ParseManifest(text, "m"),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("plain name")))
        << name;
  }
}

TEST(BackupManifestTest, RefusesUnknownMissingAndRepeatedKeys) {
  const std::string text = FormatManifest(Example());
  EXPECT_THAT(ParseManifest(text + "colour blue\n", "dir/m"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("dir/m line 10: unknown key 'colour'")));
  EXPECT_THAT(
      ParseManifest(absl::StrReplaceAll(text, {{"audit_last_sequence", "#"}}),
                    "m"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("'audit_last_sequence' is missing")));
  EXPECT_THAT(
      ParseManifest(text + "format 1\n", "m"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("appears twice")));
  EXPECT_THAT(
      ParseManifest(
          text + "file store other.db " + std::string(64, 'd') + " 1\n", "m"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("listed twice")));
}

TEST(BackupManifestTest, RefusesMalformedValues) {
  const std::string text = FormatManifest(Example());
  EXPECT_THAT(
      ParseManifest(absl::StrReplaceAll(text, {{"format 1", "format 2"}}), "m"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("unsupported format")));
  EXPECT_THAT(
      ParseManifest(
          absl::StrReplaceAll(text, {{std::string(64, 'b'), "not-a-hash"}}),
          "m"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("SHA-256")));
}

}  // namespace
}  // namespace equilink::backup
