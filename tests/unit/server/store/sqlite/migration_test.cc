#include "server/store/sqlite/migration.h"

#include <memory>

#include "gtest/gtest.h"
#include "server/store/sqlite/database.h"
#include "tests/testing/status_matchers.h"

namespace equilink::store::sqlite {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;

// Steps that fail if run twice (CREATE TABLE without IF NOT EXISTS).
constexpr Migration kTwoSteps[] = {
    {1, "CREATE TABLE a (x INTEGER) STRICT"},
    {2, "CREATE TABLE b (y INTEGER) STRICT; INSERT INTO b VALUES (7)"},
};

class MigrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Database::Options options;
    options.path = ":memory:";
    EQ_ASSERT_OK_AND_ASSIGN(db_, Database::Open(options));
  }
  int64_t Version() { return *db_->QueryInt64("PRAGMA user_version"); }
  int64_t Tables() {
    return *db_->QueryInt64(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table'");
  }
  std::unique_ptr<Database> db_;
};

TEST_F(MigrationTest, FromEmptyRunsEveryStep) {
  ASSERT_THAT(Migrate(db_.get(), kTwoSteps), IsOk());
  EXPECT_EQ(Version(), 2);
  EXPECT_EQ(Tables(), 2);
  EXPECT_FALSE(db_->InTransaction());
}

TEST_F(MigrationTest, RerunIsANoOp) {
  ASSERT_THAT(Migrate(db_.get(), kTwoSteps), IsOk());
  ASSERT_THAT(Migrate(db_.get(), kTwoSteps), IsOk());
  EXPECT_EQ(Version(), 2);
  EXPECT_EQ(*db_->QueryInt64("SELECT count(*) FROM b"), 1);
}

TEST_F(MigrationTest, RunsOnlyNewSteps) {
  ASSERT_THAT(Migrate(db_.get(), absl::MakeConstSpan(kTwoSteps, 1)), IsOk());
  EXPECT_EQ(Version(), 1);
  ASSERT_THAT(Migrate(db_.get(), kTwoSteps), IsOk());
  EXPECT_EQ(Version(), 2);
  EXPECT_EQ(Tables(), 2);
}

TEST_F(MigrationTest, FailingStepChangesNothing) {
  constexpr Migration kBroken[] = {
      {1, "CREATE TABLE a (x INTEGER) STRICT"},
      {2, "CREATE TABLE b (y INTEGER) STRICT; NOT SQL"},
  };
  EXPECT_THAT(Migrate(db_.get(), kBroken),
              StatusIs(absl::StatusCode::kInternal,
                       ::testing::HasSubstr("schema step 2")));
  EXPECT_EQ(Version(), 0);
  EXPECT_EQ(Tables(), 0);
  EXPECT_FALSE(db_->InTransaction());
}

TEST_F(MigrationTest, NewerDatabaseIsRefused) {
  ASSERT_THAT(db_->Execute("PRAGMA user_version = 3"), IsOk());
  EXPECT_THAT(Migrate(db_.get(), kTwoSteps),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(Tables(), 0);
}

}  // namespace
}  // namespace equilink::store::sqlite
