// Release pseudonyms and pull cursors (server/extract/release_keys.h): keyed
// per consumer, domain-separated, and cursors that only the consumer, purpose
// and dataset they were issued for can use.

#include "server/extract/release_keys.h"

#include <string>

#include "absl/strings/ascii.h"
#include "common/keys/secret_file.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace equilink::extract {
namespace {

std::unique_ptr<ReleaseKeys> KeysFrom(char fill) {
  const SecretBytes key(std::string(kReleaseKeyBytes, fill));
  absl::StatusOr<std::unique_ptr<ReleaseKeys>> keys = ReleaseKeys::Create(key);
  EXPECT_TRUE(keys.ok()) << keys.status();
  return *std::move(keys);
}

TEST(ReleaseKeysTest, PersonPseudonymIsHmacSha256OfTheDomainSeparatedInput) {
  // Independent of the implementation: the message is spelled out here.
  const std::unique_ptr<ReleaseKeys> keys = KeysFrom('k');
  const SecretBytes key(std::string(kReleaseKeyBytes, 'k'));
  std::string message = "equilink.v1.release.person";
  message.push_back('\0');
  message += std::string("\0\0\0\0\0\0\0\6", 8) + "QHLPHM";
  message += std::string("\0\0\0\0\0\0\0\x08", 8);
  message += std::string("\0\0\0\0\0\0\0\x2a", 8);  // person 42
  absl::StatusOr<std::unique_ptr<HmacSha256>> mac = HmacSha256::Create(key);
  ASSERT_TRUE(mac.ok());
  EXPECT_EQ(keys->PersonPseudonym("QHLPHM", 42),
            (*mac)->ComputeString(message));
  EXPECT_EQ(keys->PersonPseudonym("QHLPHM", 42).size(), 32u);
}

TEST(ReleaseKeysTest, StablePerConsumerAndUnjoinableAcrossConsumers) {
  const std::unique_ptr<ReleaseKeys> keys = KeysFrom('k');
  EXPECT_EQ(keys->PersonPseudonym("QHLPHM", 7),
            keys->PersonPseudonym("QHLPHM", 7));
  EXPECT_NE(keys->PersonPseudonym("QHLPHM", 7),
            keys->PersonPseudonym("AUD1", 7));
  EXPECT_NE(keys->PersonPseudonym("QHLPHM", 7),
            keys->PersonPseudonym("QHLPHM", 8));
  EXPECT_EQ(keys->RecordPseudonym("QHLPHM", "8HX12", "rec"),
            keys->RecordPseudonym("QHLPHM", "8HX12", "rec"));
  EXPECT_NE(keys->RecordPseudonym("QHLPHM", "8HX12", "rec"),
            keys->RecordPseudonym("AUD1", "8HX12", "rec"));
  // Length prefixes: moving bytes between parts changes the value.
  EXPECT_NE(keys->RecordPseudonym("QHLPHM", "8HX1", "2rec"),
            keys->RecordPseudonym("QHLPHM", "8HX12", "rec"));
  // Another key, another domain.
  EXPECT_NE(KeysFrom('j')->PersonPseudonym("QHLPHM", 7),
            keys->PersonPseudonym("QHLPHM", 7));
}

TEST(ReleaseKeysTest, CursorRoundTripsForItsOwnScope) {
  const std::unique_ptr<ReleaseKeys> keys = KeysFrom('k');
  const CursorScope scope{"QHLPHM", "cyp-health-equity", "contacts"};
  const std::string cursor = keys->EncodeCursor(scope, {1234, 1700000000123});
  EXPECT_EQ(cursor.size(), 96u);
  absl::StatusOr<CursorMarks> marks = keys->DecodeCursor(scope, cursor);
  ASSERT_TRUE(marks.ok()) << marks.status();
  EXPECT_EQ(marks->record_id_through, 1234);
  EXPECT_EQ(marks->linked_at_through, 1700000000123);
}

TEST(ReleaseKeysTest, CursorIsRefusedForAnotherScopeOrWhenAltered) {
  const std::unique_ptr<ReleaseKeys> keys = KeysFrom('k');
  const CursorScope scope{"QHLPHM", "cyp-health-equity", "contacts"};
  const std::string cursor = keys->EncodeCursor(scope, {10, 20});
  for (const CursorScope& other :
       {CursorScope{"AUD1", "cyp-health-equity", "contacts"},
        CursorScope{"QHLPHM", "other-purpose", "contacts"},
        CursorScope{"QHLPHM", "cyp-health-equity", "other"}}) {
    EXPECT_EQ(keys->DecodeCursor(other, cursor).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  // A forged high-water mark: the MAC no longer matches.
  std::string forged = cursor;
  forged[15] = forged[15] == '0' ? '1' : '0';
  EXPECT_EQ(keys->DecodeCursor(scope, forged).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(KeysFrom('j')->DecodeCursor(scope, cursor).status().code(),
            absl::StatusCode::kInvalidArgument);
  for (const std::string& bad :
       {std::string(), std::string("zz"), cursor.substr(2), cursor + "00",
        absl::AsciiStrToUpper(cursor)}) {
    const absl::Status status = keys->DecodeCursor(scope, bad).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    if (!bad.empty()) {
      EXPECT_EQ(std::string(status.message()).find(bad), std::string::npos);
    }
  }
}

TEST(ReleaseKeysTest, LoadsOnlyA32ByteKeyFileThatIsNotFound) {
  testing::TempDir dir;
  EXPECT_EQ(ReleaseKeys::Load(dir.File("missing.key")).status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(
      WriteNewSecretFile(dir.File("short.key"), "0123456789", "key").ok());
  EXPECT_EQ(ReleaseKeys::Load(dir.File("short.key")).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<SecretBytes> key = ReleaseKeys::Generate();
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(WriteNewSecretFile(dir.File("release.key"),
                                 key->UnsafeSecretView(), "key")
                  .ok());
  absl::StatusOr<std::unique_ptr<ReleaseKeys>> loaded =
      ReleaseKeys::Load(dir.File("release.key"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->PersonPseudonym("QHLPHM", 1),
            (*ReleaseKeys::Create(*key))->PersonPseudonym("QHLPHM", 1));
}

}  // namespace
}  // namespace equilink::extract
