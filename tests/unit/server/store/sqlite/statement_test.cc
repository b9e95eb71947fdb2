#include "server/store/sqlite/statement.h"

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/sqlite/database.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/server/store/store_test_util.h"

namespace equilink::store::sqlite {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;

class StatementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Database::Options options;
    options.path = ":memory:";
    EQ_ASSERT_OK_AND_ASSIGN(db_, Database::Open(options));
    ASSERT_THAT(db_->Execute("CREATE TABLE t (i INTEGER, s TEXT, b BLOB "
                             "CHECK (b IS NULL OR length(b) < 100)) STRICT"),
                IsOk());
  }
  std::unique_ptr<Database> db_;
};

TEST_F(StatementTest, BindStepAndColumnsRoundTrip) {
  EQ_ASSERT_OK_AND_ASSIGN(
      auto insert, db_->GetUniqueStatement("INSERT INTO t VALUES (?, ?, ?)"));
  const std::string blob("a\0b", 3);  // embedded NUL survives
  ASSERT_THAT(insert->BindInt64(0, -7), IsOk());
  ASSERT_THAT(insert->BindText(1, "text"), IsOk());
  ASSERT_THAT(insert->BindBlob(2, blob), IsOk());
  ASSERT_THAT(insert->Run(), IsOk());

  EQ_ASSERT_OK_AND_ASSIGN(auto select,
                          db_->GetUniqueStatement("SELECT i, s, b FROM t"));
  EXPECT_EQ(select->ColumnCount(), 3);
  ASSERT_THAT(select->Step(), store::testing::IsOkAndHolds(true));
  EXPECT_EQ(select->ColumnInt64(0), -7);
  EXPECT_EQ(select->ColumnText(1), "text");
  EXPECT_EQ(select->ColumnBlob(2), blob);
  EXPECT_THAT(select->Step(), store::testing::IsOkAndHolds(false));
}

TEST_F(StatementTest, EmptyBlobIsNotNull) {
  EQ_ASSERT_OK_AND_ASSIGN(
      auto insert,
      db_->GetUniqueStatement("INSERT INTO t (b, s) VALUES (?, ?)"));
  ASSERT_THAT(insert->BindBlob(0, absl::string_view()), IsOk());
  ASSERT_THAT(insert->BindText(1, absl::string_view()), IsOk());
  ASSERT_THAT(insert->Run(), IsOk());
  EXPECT_EQ(*db_->QueryInt64("SELECT count(*) FROM t WHERE b = x''"), 1);
  EXPECT_EQ(*db_->QueryInt64("SELECT count(*) FROM t WHERE s = ''"), 1);
}

TEST_F(StatementTest, NullColumnAndBindNull) {
  EQ_ASSERT_OK_AND_ASSIGN(
      auto insert, db_->GetUniqueStatement("INSERT INTO t (i) VALUES (?)"));
  ASSERT_THAT(insert->BindNull(0), IsOk());
  ASSERT_THAT(insert->Run(), IsOk());
  EQ_ASSERT_OK_AND_ASSIGN(auto select,
                          db_->GetUniqueStatement("SELECT i, b FROM t"));
  ASSERT_THAT(select->Step(), store::testing::IsOkAndHolds(true));
  EXPECT_TRUE(select->ColumnIsNull(0));
  EXPECT_EQ(select->ColumnBlob(1), "");
}

TEST_F(StatementTest, ResetKeepsOrClearsBindings) {
  ASSERT_THAT(db_->Execute("INSERT INTO t (i) VALUES (1), (2)"), IsOk());
  EQ_ASSERT_OK_AND_ASSIGN(
      auto select,
      db_->GetUniqueStatement("SELECT count(*) FROM t WHERE i = ?"));
  ASSERT_THAT(select->BindInt64(0, 2), IsOk());
  ASSERT_THAT(select->Step(), store::testing::IsOkAndHolds(true));
  EXPECT_EQ(select->ColumnInt64(0), 1);
  select->Reset(/*clear_bindings=*/false);
  ASSERT_THAT(select->Step(), store::testing::IsOkAndHolds(true));
  EXPECT_EQ(select->ColumnInt64(0), 1);  // still bound to 2
  select->Reset(/*clear_bindings=*/true);
  ASSERT_THAT(select->Step(), store::testing::IsOkAndHolds(true));
  EXPECT_EQ(select->ColumnInt64(0), 0);  // i = NULL matches nothing
}

TEST_F(StatementTest, RunRejectsRowReturningStatement) {
  EQ_ASSERT_OK_AND_ASSIGN(auto select, db_->GetUniqueStatement("SELECT 1"));
  EXPECT_THAT(select->Run(), StatusIs(absl::StatusCode::kInternal));
}

TEST_F(StatementTest, PrepareErrors) {
  EXPECT_THAT(db_->GetUniqueStatement("SELEC 1"),
              StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(db_->GetUniqueStatement("SELECT * FROM missing"),
              StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(db_->GetUniqueStatement("  "),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(StatementTest, ConstraintAndTypeErrorsAreInvalidArgument) {
  EQ_ASSERT_OK_AND_ASSIGN(
      auto insert, db_->GetUniqueStatement("INSERT INTO t (b) VALUES (?)"));
  const std::string too_long(200, 'x');
  ASSERT_THAT(insert->BindBlob(0, too_long), IsOk());
  EXPECT_THAT(insert->Run(), StatusIs(absl::StatusCode::kInvalidArgument,
                                      ::testing::HasSubstr("CHECK")));
  insert->Reset();
  // STRICT: a text value in an INTEGER column is refused.
  EQ_ASSERT_OK_AND_ASSIGN(
      auto typed, db_->GetUniqueStatement("INSERT INTO t (i) VALUES (?)"));
  ASSERT_THAT(typed->BindText(0, "not a number"), IsOk());
  EXPECT_THAT(typed->Run(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(StatementTest, BindOutOfRangeFails) {
  EQ_ASSERT_OK_AND_ASSIGN(auto select, db_->GetUniqueStatement("SELECT ?"));
  EXPECT_FALSE(select->BindInt64(5, 1).ok());
}

}  // namespace
}  // namespace equilink::store::sqlite
