#include "server/store/sqlite/transaction.h"

#include <memory>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "server/store/sqlite/database.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/unit/server/store/store_test_util.h"

namespace equilink::store::sqlite {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;

class TransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Database::Options options;
    options.path = ":memory:";
    EQ_ASSERT_OK_AND_ASSIGN(db_, Database::Open(options));
    ASSERT_THAT(db_->Execute("CREATE TABLE t (x INTEGER) STRICT"), IsOk());
  }
  int64_t Rows() { return *db_->QueryInt64("SELECT count(*) FROM t"); }

  std::unique_ptr<Database> db_;
};

TEST_F(TransactionTest, CommitKeepsChanges) {
  EQ_ASSERT_OK_AND_ASSIGN(Transaction transaction,
                          Transaction::Begin(db_.get()));
  EXPECT_TRUE(db_->InTransaction());
  ASSERT_THAT(db_->Execute("INSERT INTO t VALUES (1)"), IsOk());
  ASSERT_THAT(transaction.Commit(), IsOk());
  EXPECT_FALSE(transaction.is_open());
  EXPECT_FALSE(db_->InTransaction());
  EXPECT_EQ(Rows(), 1);
}

TEST_F(TransactionTest, DestructionRollsBack) {
  {
    EQ_ASSERT_OK_AND_ASSIGN(Transaction transaction,
                            Transaction::Begin(db_.get()));
    ASSERT_THAT(db_->Execute("INSERT INTO t VALUES (1)"), IsOk());
  }
  EXPECT_FALSE(db_->InTransaction());
  EXPECT_EQ(Rows(), 0);
}

TEST_F(TransactionTest, ExplicitRollbackAndDoubleFinish) {
  EQ_ASSERT_OK_AND_ASSIGN(Transaction transaction,
                          Transaction::Begin(db_.get()));
  ASSERT_THAT(db_->Execute("INSERT INTO t VALUES (1)"), IsOk());
  ASSERT_THAT(transaction.Rollback(), IsOk());
  EXPECT_EQ(Rows(), 0);
  EXPECT_THAT(transaction.Commit(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(TransactionTest, MovedTransactionRollsBackOnce) {
  {
    EQ_ASSERT_OK_AND_ASSIGN(Transaction first, Transaction::Begin(db_.get()));
    Transaction second(std::move(first));
    EXPECT_FALSE(first.is_open());  // NOLINT(bugprone-use-after-move)
    EXPECT_TRUE(second.is_open());
    ASSERT_THAT(db_->Execute("INSERT INTO t VALUES (1)"), IsOk());
  }
  EXPECT_EQ(Rows(), 0);
}

TEST_F(TransactionTest, NestedBeginFails) {
  EQ_ASSERT_OK_AND_ASSIGN(Transaction transaction,
                          Transaction::Begin(db_.get()));
  EXPECT_THAT(Transaction::Begin(db_.get()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(TransactionTest, SavepointRollsBackOnlyItsPart) {
  EQ_ASSERT_OK_AND_ASSIGN(Transaction transaction,
                          Transaction::Begin(db_.get()));
  ASSERT_THAT(db_->Execute("INSERT INTO t VALUES (1)"), IsOk());
  {
    EQ_ASSERT_OK_AND_ASSIGN(Savepoint dropped,
                            Savepoint::Begin(db_.get(), "sp"));
    ASSERT_THAT(db_->Execute("INSERT INTO t VALUES (2)"), IsOk());
  }  // destroyed without Release
  {
    EQ_ASSERT_OK_AND_ASSIGN(Savepoint kept, Savepoint::Begin(db_.get(), "sp"));
    ASSERT_THAT(db_->Execute("INSERT INTO t VALUES (3)"), IsOk());
    ASSERT_THAT(kept.Release(), IsOk());
  }
  EXPECT_TRUE(db_->InTransaction());
  ASSERT_THAT(transaction.Commit(), IsOk());
  EXPECT_EQ(*db_->QueryInt64("SELECT sum(x) FROM t"), 4);
}

TEST(TransactionLockTest, BeginWhileAnotherConnectionWritesIsUnavailable) {
  ::equilink::testing::TempDir dir;
  Database::Options options;
  options.path = dir.File("test.db");
  options.busy_timeout_ms = 20;
  EQ_ASSERT_OK_AND_ASSIGN(auto db, Database::Open(options));
  ASSERT_THAT(db->Execute("CREATE TABLE t (x INTEGER) STRICT"), IsOk());
  store::testing::RawConnection other(options.path);
  ASSERT_EQ(other.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  EXPECT_THAT(Transaction::Begin(db.get()),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_FALSE(db->InTransaction());
  ASSERT_EQ(other.Exec("COMMIT"), SQLITE_OK);
  EQ_ASSERT_OK_AND_ASSIGN(Transaction transaction,
                          Transaction::Begin(db.get()));
  EXPECT_THAT(transaction.Commit(), IsOk());
}

}  // namespace
}  // namespace equilink::store::sqlite
