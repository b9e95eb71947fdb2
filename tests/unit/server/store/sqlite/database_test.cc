#include "server/store/sqlite/database.h"

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/unit/server/store/store_test_util.h"

namespace equilink::store::sqlite {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::equilink::testing::TempDir;

Database::Options FileOptions(const TempDir& dir) {
  Database::Options options;
  options.path = dir.File("test.db");
  options.busy_timeout_ms = 1234;
  return options;
}

TEST(DatabaseTest, OpenSetsPragmas) {
  TempDir dir;
  EQ_ASSERT_OK_AND_ASSIGN(auto db, Database::Open(FileOptions(dir)));
  EXPECT_EQ(*db->QueryText("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(*db->QueryInt64("PRAGMA synchronous"), 2);  // FULL
  EXPECT_EQ(*db->QueryInt64("PRAGMA foreign_keys"), 1);
  EXPECT_EQ(*db->QueryInt64("PRAGMA busy_timeout"), 1234);
  EXPECT_EQ(*db->QueryInt64("PRAGMA cache_size"), -65536);
  EXPECT_EQ(*db->QueryInt64("PRAGMA wal_autocheckpoint"), 10000);
  EXPECT_EQ(*db->QueryInt64("PRAGMA page_size"), 4096);
  EXPECT_EQ(*db->QueryInt64("PRAGMA query_only"), 0);
}

TEST(DatabaseTest, QueryOnlyConnectionRejectsWrites) {
  TempDir dir;
  Database::Options options = FileOptions(dir);
  EQ_ASSERT_OK_AND_ASSIGN(auto writer, Database::Open(options));
  ASSERT_THAT(writer->Execute("CREATE TABLE t (x INTEGER) STRICT"), IsOk());
  options.query_only = true;
  EQ_ASSERT_OK_AND_ASSIGN(auto reader, Database::Open(options));
  EXPECT_EQ(*reader->QueryInt64("PRAGMA query_only"), 1);
  EXPECT_EQ(*reader->QueryInt64("PRAGMA synchronous"), 2);
  EXPECT_FALSE(reader->Execute("INSERT INTO t VALUES (1)").ok());
  EXPECT_EQ(*reader->QueryInt64("SELECT count(*) FROM t"), 0);
}

TEST(DatabaseTest, InMemoryOpens) {
  Database::Options options;
  options.path = ":memory:";
  EQ_ASSERT_OK_AND_ASSIGN(auto db, Database::Open(options));
  EXPECT_EQ(*db->QueryText("PRAGMA journal_mode"), "memory");
  EXPECT_EQ(*db->QueryInt64("PRAGMA foreign_keys"), 1);
}

TEST(DatabaseTest, EmptyPathIsInvalid) {
  EXPECT_THAT(Database::Open(Database::Options{}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(DatabaseTest, NonDatabaseFileIsDataLoss) {
  TempDir dir;
  ::equilink::testing::WriteFileOrDie(dir.File("test.db"),
                                      std::string(8192, 'x'));
  EXPECT_THAT(Database::Open(FileOptions(dir)),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST(DatabaseTest, ExecuteReportsErrors) {
  Database::Options options;
  options.path = ":memory:";
  EQ_ASSERT_OK_AND_ASSIGN(auto db, Database::Open(options));
  EXPECT_THAT(db->Execute("NOT SQL"), StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(db->QueryInt64("SELECT 1 WHERE 0"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(DatabaseTest, CachedStatementIsReusedAndResetWhenReturned) {
  Database::Options options;
  options.path = ":memory:";
  EQ_ASSERT_OK_AND_ASSIGN(auto db, Database::Open(options));
  ASSERT_THAT(db->Execute("CREATE TABLE t (x INTEGER) STRICT;"
                          "INSERT INTO t VALUES (1), (2), (3)"),
              IsOk());
  constexpr char kSql[] = "SELECT x FROM t WHERE x >= ?1 ORDER BY x";
  Statement* first = nullptr;
  for (int round = 0; round < 2; ++round) {
    EQ_ASSERT_OK_AND_ASSIGN(ScopedStatement statement,
                            db->GetCachedStatement(EQ_SQL_FROM_HERE, kSql));
    if (first == nullptr) first = &*statement;
    EXPECT_EQ(&*statement, first);  // prepared once
    if (round == 0) {
      ASSERT_THAT(statement->BindInt64(0, 2), IsOk());
      // Stepped once and abandoned: the next borrow starts afresh.
      EXPECT_THAT(statement->Step(), store::testing::IsOkAndHolds(true));
      EXPECT_EQ(statement->ColumnInt64(0), 2);
    } else {
      // Bindings were cleared: x >= NULL matches nothing.
      EXPECT_THAT(statement->Step(), store::testing::IsOkAndHolds(false));
    }
  }
}

TEST(DatabaseTest, ChangesAndTransactionState) {
  Database::Options options;
  options.path = ":memory:";
  EQ_ASSERT_OK_AND_ASSIGN(auto db, Database::Open(options));
  ASSERT_THAT(db->Execute("CREATE TABLE t (x INTEGER) STRICT"), IsOk());
  EXPECT_FALSE(db->InTransaction());
  ASSERT_THAT(db->Execute("BEGIN; INSERT INTO t VALUES (1), (2)"), IsOk());
  EXPECT_TRUE(db->InTransaction());
  EXPECT_EQ(db->Changes(), 2);
  ASSERT_THAT(db->Execute("COMMIT"), IsOk());
  EXPECT_FALSE(db->InTransaction());
}

}  // namespace
}  // namespace equilink::store::sqlite
