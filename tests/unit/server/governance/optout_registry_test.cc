#include "server/governance/optout_registry.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/sqlite/database.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink::governance {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::equilink::testing::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Token(char fill) { return std::string(kOptOutTokenBytes, fill); }

const absl::Time kNow = absl::FromUnixSeconds(1795000000);

class OptOutRegistryTest : public ::testing::Test {
 protected:
  std::unique_ptr<OptOutRegistry> OpenRegistry() {
    absl::StatusOr<std::unique_ptr<OptOutRegistry>> registry =
        OptOutRegistry::Open(dir_.File("store.db"));
    EXPECT_THAT(registry.status(), IsOk());
    return registry.ok() ? *std::move(registry) : nullptr;
  }

  int64_t StoredTokenRows() {
    store::sqlite::Database::Options options;
    options.path = dir_.File("store.db");
    auto db = store::sqlite::Database::Open(options);
    EXPECT_THAT(db.status(), IsOk());
    auto count = (*db)->QueryInt64("SELECT COUNT(*) FROM optout_tokens");
    EXPECT_THAT(count.status(), IsOk());
    return count.ok() ? *count : -1;
  }

  TempDir dir_;
};

TEST_F(OptOutRegistryTest, EmptyBeforeAnyUpload) {
  std::unique_ptr<OptOutRegistry> registry = OpenRegistry();
  ASSERT_NE(registry, nullptr);
  std::shared_ptr<const OptOutSnapshot> current = registry->Current();
  ASSERT_NE(current, nullptr);
  EXPECT_EQ(current->version, 0u);
  EXPECT_TRUE(current->tokens.empty());
  EXPECT_FALSE(current->Contains(Token('a')));
  absl::StatusOr<v1::OptOutListInfo> info = registry->Info();
  ASSERT_THAT(info.status(), IsOk());
  EXPECT_EQ(info->version(), 0u);
}

TEST_F(OptOutRegistryTest, UploadReplacesTheListAndVersionsIncrease) {
  std::unique_ptr<OptOutRegistry> registry = OpenRegistry();
  ASSERT_NE(registry, nullptr);
  absl::StatusOr<v1::OptOutListInfo> first =
      registry->Upload("link-2026", "NDOP list 2026-10",
                       {Token('a'), Token('b')}, "urn:p:one", kNow);
  ASSERT_THAT(first.status(), IsOk());
  EXPECT_EQ(first->version(), 1u);
  EXPECT_EQ(first->token_count(), 2u);
  EXPECT_EQ(first->uploaded_by(), "urn:p:one");
  EXPECT_EQ(first->uploaded_unix_micros(), absl::ToUnixMicros(kNow));
  EXPECT_TRUE(registry->Current()->Contains(Token('a')));

  absl::StatusOr<v1::OptOutListInfo> second = registry->Upload(
      "link-2026", "NDOP list 2026-11", {Token('c')}, "urn:p:two", kNow);
  ASSERT_THAT(second.status(), IsOk());
  EXPECT_EQ(second->version(), 2u);
  std::shared_ptr<const OptOutSnapshot> current = registry->Current();
  EXPECT_EQ(current->version, 2u);
  EXPECT_EQ(current->key_id, "link-2026");
  EXPECT_FALSE(current->Contains(Token('a')));  // replaced, not merged
  EXPECT_TRUE(current->Contains(Token('c')));
  EXPECT_EQ(registry->Info()->description(), "NDOP list 2026-11");
}

TEST_F(OptOutRegistryTest, SnapshotHeldByAReaderSurvivesAnUpload) {
  std::unique_ptr<OptOutRegistry> registry = OpenRegistry();
  ASSERT_NE(registry, nullptr);
  ASSERT_THAT(
      registry->Upload("k", "one", {Token('a')}, "urn:p:one", kNow).status(),
      IsOk());
  std::shared_ptr<const OptOutSnapshot> held = registry->Current();
  ASSERT_THAT(
      registry->Upload("k", "two", {Token('b')}, "urn:p:one", kNow).status(),
      IsOk());
  EXPECT_EQ(held->version, 1u);
  EXPECT_TRUE(held->Contains(Token('a')));
}

TEST_F(OptOutRegistryTest, DuplicateTokensAreCountedOnce) {
  std::unique_ptr<OptOutRegistry> registry = OpenRegistry();
  ASSERT_NE(registry, nullptr);
  absl::StatusOr<v1::OptOutListInfo> info = registry->Upload(
      "k", "dup", {Token('a'), Token('a'), Token('b')}, "urn:p:one", kNow);
  ASSERT_THAT(info.status(), IsOk());
  EXPECT_EQ(info->token_count(), 2u);
  EXPECT_EQ(StoredTokenRows(), 2);
}

TEST_F(OptOutRegistryTest, ReopenReloadsTheNewestVersion) {
  {
    std::unique_ptr<OptOutRegistry> registry = OpenRegistry();
    ASSERT_NE(registry, nullptr);
    ASSERT_THAT(
        registry->Upload("k", "one", {Token('a')}, "urn:p:one", kNow).status(),
        IsOk());
    ASSERT_THAT(
        registry
            ->Upload("k2", "two", {Token('b'), Token('c')}, "urn:p:two", kNow)
            .status(),
        IsOk());
  }
  std::unique_ptr<OptOutRegistry> reopened = OpenRegistry();
  ASSERT_NE(reopened, nullptr);
  std::shared_ptr<const OptOutSnapshot> current = reopened->Current();
  EXPECT_EQ(current->version, 2u);
  EXPECT_EQ(current->key_id, "k2");
  EXPECT_EQ(current->tokens.size(), 2u);
  EXPECT_TRUE(current->Contains(Token('c')));
  EXPECT_FALSE(current->Contains(Token('a')));
  absl::StatusOr<v1::OptOutListInfo> info = reopened->Info();
  ASSERT_THAT(info.status(), IsOk());
  EXPECT_EQ(info->uploaded_by(), "urn:p:two");
  EXPECT_EQ(info->token_count(), 2u);
  // The next upload continues the numbering from the file.
  EXPECT_EQ(reopened->Upload("k", "three", {}, "urn:p:one", kNow)->version(),
            3u);
}

TEST_F(OptOutRegistryTest, BadTokenRefusesTheWholeUploadNamingItsPosition) {
  std::unique_ptr<OptOutRegistry> registry = OpenRegistry();
  ASSERT_NE(registry, nullptr);
  ASSERT_THAT(
      registry->Upload("k", "one", {Token('a')}, "urn:p:one", kNow).status(),
      IsOk());
  const std::string short_token(31, 'q');
  absl::StatusOr<v1::OptOutListInfo> refused = registry->Upload(
      "k", "two", {Token('b'), Token('c'), short_token}, "urn:p:one", kNow);
  EXPECT_THAT(refused.status(), StatusIs(absl::StatusCode::kInvalidArgument,
                                         AllOf(HasSubstr("position 2"),
                                               Not(HasSubstr(short_token)))));
  EXPECT_EQ(registry->Current()->version, 1u);
  EXPECT_TRUE(registry->Current()->Contains(Token('a')));
  EXPECT_EQ(StoredTokenRows(), 1);
  EXPECT_EQ(registry->Info()->version(), 1u);
}

TEST_F(OptOutRegistryTest, LongTokenAndMissingKeyIdAreRefused) {
  std::unique_ptr<OptOutRegistry> registry = OpenRegistry();
  ASSERT_NE(registry, nullptr);
  EXPECT_THAT(
      registry->Upload("k", "long", {std::string(33, 'x')}, "urn:p:one", kNow)
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("position 0")));
  EXPECT_THAT(
      registry->Upload("", "no key", {Token('a')}, "urn:p:one", kNow).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("key_id")));
  EXPECT_EQ(StoredTokenRows(), 0);
}

TEST_F(OptOutRegistryTest, FailedBeforeCommitHookRollsBack) {
  std::unique_ptr<OptOutRegistry> registry = OpenRegistry();
  ASSERT_NE(registry, nullptr);
  uint64_t seen_version = 0;
  absl::StatusOr<v1::OptOutListInfo> refused =
      registry->Upload("k", "one", {Token('a')}, "urn:p:one", kNow,
                       [&](const v1::OptOutListInfo& info) {
                         seen_version = info.version();
                         return absl::UnavailableError("audit down");
                       });
  EXPECT_THAT(refused.status(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(seen_version, 1u);
  EXPECT_EQ(registry->Current()->version, 0u);
  EXPECT_EQ(StoredTokenRows(), 0);
  // The number was not consumed.
  EXPECT_EQ(
      registry->Upload("k", "one", {Token('a')}, "urn:p:one", kNow)->version(),
      1u);
}

TEST_F(OptOutRegistryTest, RowsRemovedByHandAreDataLossAtOpen) {
  {
    std::unique_ptr<OptOutRegistry> registry = OpenRegistry();
    ASSERT_NE(registry, nullptr);
    ASSERT_THAT(
        registry
            ->Upload("k", "one", {Token('a'), Token('b')}, "urn:p:one", kNow)
            .status(),
        IsOk());
  }
  {
    store::sqlite::Database::Options options;
    options.path = dir_.File("store.db");
    auto db = store::sqlite::Database::Open(options);
    ASSERT_THAT(db.status(), IsOk());
    ASSERT_THAT((*db)->Execute("DELETE FROM optout_tokens WHERE token = "
                               "(SELECT MIN(token) FROM optout_tokens)"),
                IsOk());
  }
  EXPECT_THAT(OptOutRegistry::Open(dir_.File("store.db")).status(),
              StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace equilink::governance
