#include "server/store/sqlite_store.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/record_index.h"
#include "server/store/schema.h"
#include "server/store/sqlite/database.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/unit/server/store/store_test_util.h"

namespace equilink::store {
namespace {

const int kLatestSchemaVersion = StoreMigrations().back().version;

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::equilink::testing::TempDir;
using ::testing::ElementsAre;
using testing::IsOkAndHolds;
using testing::MakeBatch;
using testing::RawConnection;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() { Reopen(Options()); }
  void Reopen(const SqliteOptions& options) {
    store_.reset();
    EQ_ASSERT_OK_AND_ASSIGN(store_, SqliteStore::Open(options));
  }
  // Tests that look at records before their index pass keep the idle writer
  // from running one on its own.
  SqliteOptions Options(bool index_when_idle = true) const {
    SqliteOptions options;
    options.path = path_;
    if (!index_when_idle) options.idle_before_index_pass = absl::Hours(1);
    return options;
  }

  TempDir dir_;
  const std::string path_ = dir_.File("store.db");
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteStoreTest, SchemaIsStrictWalAndVersioned) {
  RawConnection raw(path_);
  EXPECT_EQ(raw.QueryText("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.QueryInt("PRAGMA user_version"), kLatestSchemaVersion);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM pragma_table_list WHERE name IN "
                         "('organisations', 'batches', 'records', "
                         "'record_keys', 'store_state', 'agreements', "
                         "'agreement_events') AND strict"),
            7);
  Reopen();  // idempotent
  EXPECT_EQ(raw.QueryInt("PRAGMA user_version"), kLatestSchemaVersion);
}

TEST_F(SqliteStoreTest, InMemoryStoreWorks) {
  SqliteOptions options;
  options.path = ":memory:";
  EQ_ASSERT_OK_AND_ASSIGN(auto store, SqliteStore::Open(options));
  EXPECT_THAT(store->CommitBatch(MakeBatch("RX1", "s1", 0, 3, 0)), IsOk());
  EXPECT_THAT(store->RecordsInSubmission("RX1", "s1"), IsOkAndHolds(3));
}

TEST_F(SqliteStoreTest, BadOptionsAreRejected) {
  EXPECT_THAT(SqliteStore::Open(SqliteOptions{}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  SqliteOptions options;
  options.path = ":memory:";
  options.group_commit_max_batches = 0;
  EXPECT_THAT(SqliteStore::Open(options),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(SqliteStoreTest, CommitBatchStoresRecords) {
  EQ_ASSERT_OK_AND_ASSIGN(CommitResult result,
                          store_->CommitBatch(MakeBatch("RX1", "s1", 0, 5, 0)));
  EXPECT_FALSE(result.already_stored);
  EXPECT_EQ(result.ack, "ack-s1-0");
  EXPECT_THAT(store_->RecordsInSubmission("RX1", "s1"), IsOkAndHolds(5));
  EXPECT_THAT(store_->DurableSequences("RX1", "s1"),
              IsOkAndHolds(ElementsAre(0)));
  EXPECT_EQ(store_->GetStats().transactions, 1);
}

TEST_F(SqliteStoreTest, ResentBatchReturnsOriginalAckAndIsStoredOnce) {
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s1", 0, 5, 0)), IsOk());
  BatchWrite resent = MakeBatch("RX1", "s1", 0, 5, 100, "v2");
  resent.ack = "a different ack";
  EQ_ASSERT_OK_AND_ASSIGN(CommitResult result, store_->CommitBatch(resent));
  EXPECT_TRUE(result.already_stored);
  EXPECT_EQ(result.ack, "ack-s1-0");
  EXPECT_THAT(store_->RecordsInSubmission("RX1", "s1"), IsOkAndHolds(5));
  RawConnection raw(path_);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM batches"), 1);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM records"), 5);
}

TEST_F(SqliteStoreTest, ResubmittedRecordReplacesPayload) {
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s1", 0, 5, 0, "old")),
              IsOk());
  // Keys 3..6: two already held, two new.
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s1", 1, 4, 3, "new")),
              IsOk());
  ASSERT_THAT(store_->IndexAppendedRecords(), IsOk());
  RawConnection raw(path_);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM records"), 7);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM record_keys"), 7);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM records WHERE sequence = 1"), 4);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM records WHERE "
                         "substr(payload, 1, 3) = CAST('new' AS BLOB)"),
            4);
  // A record moved to a later submission counts there.
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s2", 0, 1, 0, "new")),
              IsOk());
  EXPECT_THAT(store_->RecordsInSubmission("RX1", "s1"), IsOkAndHolds(6));
  EXPECT_THAT(store_->RecordsInSubmission("RX1", "s2"), IsOkAndHolds(1));
}

TEST_F(SqliteStoreTest, SameKeyInTwoOrganisationsIsTwoRecords) {
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s1", 0, 2, 0)), IsOk());
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RY2", "s1", 0, 2, 0)), IsOk());
  EXPECT_THAT(store_->RecordsInSubmission("RX1", "s1"), IsOkAndHolds(2));
  EXPECT_THAT(store_->RecordsInSubmission("RY2", "s1"), IsOkAndHolds(2));
}

TEST_F(SqliteStoreTest, EmptyBatchIsDurable) {
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s1", 4, 0, 0)), IsOk());
  EXPECT_THAT(store_->DurableSequences("RX1", "s1"),
              IsOkAndHolds(ElementsAre(4)));
}

TEST_F(SqliteStoreTest, DataSurvivesReopen) {
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s1", 0, 10, 0)), IsOk());
  Reopen();
  EXPECT_THAT(store_->RecordsInSubmission("RX1", "s1"), IsOkAndHolds(10));
  EQ_ASSERT_OK_AND_ASSIGN(CommitResult result, store_->CommitBatch(MakeBatch(
                                                   "RX1", "s1", 0, 10, 0)));
  EXPECT_TRUE(result.already_stored);
}

TEST_F(SqliteStoreTest, DurableSequencesAreSorted) {
  for (uint64_t sequence : {5, 1, 3, 0}) {
    ASSERT_THAT(
        store_->CommitBatch(MakeBatch("RX1", "s1", sequence, 1, sequence * 10)),
        IsOk());
  }
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "other", 2, 1, 99)), IsOk());
  EXPECT_THAT(store_->DurableSequences("RX1", "s1"),
              IsOkAndHolds(ElementsAre(0, 1, 3, 5)));
  EXPECT_THAT(store_->DurableSequences("RX1", "none"),
              IsOkAndHolds(::testing::IsEmpty()));
}

TEST_F(SqliteStoreTest, OrganisationsUpsertAndFind) {
  EQ_ASSERT_OK_AND_ASSIGN(std::optional<Organisation> missing,
                          store_->FindOrganisation("RX1"));
  EXPECT_FALSE(missing.has_value());
  Organisation organisation{
      "RX1", "Trust One", {"submitter", "consumer"}, true, ""};
  ASSERT_THAT(store_->UpsertOrganisation(organisation), IsOk());
  organisation.name = "Trust One Renamed";
  organisation.roles = {"auditor"};
  organisation.active = false;
  ASSERT_THAT(store_->UpsertOrganisation(organisation), IsOk());
  EQ_ASSERT_OK_AND_ASSIGN(std::optional<Organisation> found,
                          store_->FindOrganisation("RX1"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name, "Trust One Renamed");
  EXPECT_THAT(found->roles, ElementsAre("auditor"));
  EXPECT_FALSE(found->active);

  EXPECT_THAT(store_->UpsertOrganisation({"", "x", {}, true, ""}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->UpsertOrganisation({"RX2", "x", {"a,b"}, true, ""}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(SqliteStoreTest, SummariseCountsPerOrganisation) {
  ASSERT_THAT(
      store_->UpsertOrganisation({"AA0", "Idle", {"consumer"}, true, ""}),
      IsOk());
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s1", 0, 5, 0)), IsOk());
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s1", 1, 5, 3)), IsOk());
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s2", 0, 2, 100)), IsOk());
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RY2", "s1", 0, 4, 0)), IsOk());
  EQ_ASSERT_OK_AND_ASSIGN(std::vector<OrganisationSummary> summaries,
                          store_->Summarise());
  ASSERT_EQ(summaries.size(), 3);
  EXPECT_EQ(summaries[0].organisation_code, "AA0");
  EXPECT_EQ(summaries[0].records, 0);
  EXPECT_EQ(summaries[1].organisation_code, "RX1");
  EXPECT_EQ(summaries[1].records, 10);  // keys 0..7 and 100..101
  EXPECT_EQ(summaries[1].batches, 3);
  EXPECT_EQ(summaries[1].submissions, 2);
  EXPECT_EQ(summaries[2].organisation_code, "RY2");
  EXPECT_EQ(summaries[2].records, 4);
}

TEST_F(SqliteStoreTest, InvalidBatchIsRejectedBeforeWriting) {
  EXPECT_THAT(store_->CommitBatch(MakeBatch("", "s1", 0, 1, 0)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->CommitBatch(MakeBatch("RX1", "s1", ~uint64_t{0}, 1, 0)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(store_->GetStats().transactions, 0);
}

TEST_F(SqliteStoreTest, ConstraintFailureWritesNothingOfTheBatch) {
  BatchWrite bad = MakeBatch("RX1", "s1", 0, 5, 0);
  bad.records[3].record_pseudonym.clear();  // breaks the CHECK on the key
  EXPECT_THAT(store_->CommitBatch(bad),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("record 3 of batch")));
  RawConnection raw(path_);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM batches"), 0);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM records"), 0);
  // The same batch, fixed, goes through.
  EXPECT_THAT(store_->CommitBatch(MakeBatch("RX1", "s1", 0, 5, 0)), IsOk());
}

TEST_F(SqliteStoreTest, CloseRefusesWritesButKeepsReads) {
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s1", 0, 1, 0)), IsOk());
  store_->Close();
  store_->Close();  // idempotent
  EXPECT_THAT(store_->CommitBatch(MakeBatch("RX1", "s1", 1, 1, 1)),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(store_->UpsertOrganisation({"RX1", "n", {}, true, ""}),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(store_->DurableSequences("RX1", "s1"),
              IsOkAndHolds(ElementsAre(0)));
}

// Until an index pass, a commit only appends: a re-submitted record's old
// and new rows sit side by side. The pass keeps the newest row of each key,
// deletes the rest and moves the per-batch live counts with them.
TEST_F(SqliteStoreTest, AppendedRecordsAreIndexedInBulk) {
  Reopen(Options(/*index_when_idle=*/false));
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s1", 0, 5, 0, "old")),
              IsOk());
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s2", 0, 4, 3, "new")),
              IsOk());
  RawConnection raw(path_);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM records"), 9);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM record_keys"), 0);
  EXPECT_EQ(store_->GetStats().unindexed_records, 9);

  ASSERT_THAT(store_->IndexAppendedRecords(), IsOk());
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM records"), 7);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM record_keys"), 7);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM record_keys k JOIN records r "
                         "USING (record_id) WHERE k.record_pseudonym = "
                         "r.record_pseudonym"),
            7);
  EXPECT_EQ(raw.QueryInt("SELECT live_records FROM batches WHERE "
                         "submission_id = 's1'"),
            3);
  EXPECT_EQ(raw.QueryInt("SELECT live_records FROM batches WHERE "
                         "submission_id = 's2'"),
            4);
  const SqliteStore::Stats stats = store_->GetStats();
  EXPECT_EQ(stats.unindexed_records, 0);
  EXPECT_EQ(stats.index_passes, 1u);
}

// A pass is committed in slices of consecutive keys, so commits between
// them wait for one slice; the outcome is the one-transaction pass's. Three
// versions of key 3 are pending with a slice size of 2: a key's rows are
// never split between slices.
TEST_F(SqliteStoreTest, IndexPassInSlicesHasTheSameOutcome) {
  SqliteOptions options = Options(/*index_when_idle=*/false);
  options.index_slice_records = 2;
  Reopen(options);
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s1", 0, 5, 0, "old")),
              IsOk());
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s2", 0, 4, 3, "new")),
              IsOk());
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s3", 0, 1, 3, "newest")),
              IsOk());
  ASSERT_THAT(store_->IndexAppendedRecords(), IsOk());
  RawConnection raw(path_);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM records"), 7);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM record_keys"), 7);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM record_keys k JOIN records r "
                         "USING (record_id) WHERE k.record_pseudonym = "
                         "r.record_pseudonym"),
            7);
  EXPECT_THAT(store_->RecordsInSubmission("RX1", "s1"), IsOkAndHolds(3));
  EXPECT_THAT(store_->RecordsInSubmission("RX1", "s2"), IsOkAndHolds(3));
  EXPECT_THAT(store_->RecordsInSubmission("RX1", "s3"), IsOkAndHolds(1));
  EXPECT_EQ(raw.QueryInt("SELECT value FROM store_state WHERE name = "
                         "'keys_indexed_through'"),
            10);
  const SqliteStore::Stats stats = store_->GetStats();
  EXPECT_EQ(stats.index_passes, 1u);
  EXPECT_GE(stats.index_slices, 3u);
  EXPECT_EQ(stats.unindexed_records, 0);
}

// A crash between two slices of a pass leaves the watermark where it was:
// the next start indexes every row of the pass again, and the rows the
// committed slice did are left as they are (no row deleted or batch count
// decremented twice).
TEST_F(SqliteStoreTest, PassCutShortBetweenSlicesIsRedoneOnce) {
  SqliteOptions options = Options(/*index_when_idle=*/false);
  options.index_slice_records = 2;
  store_.reset();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto store = SqliteStore::Open(options);
    bool ok = store.ok() &&
              (*store)->CommitBatch(MakeBatch("RX1", "s1", 0, 5, 0)).ok() &&
              (*store)->CommitBatch(MakeBatch("RX1", "s2", 0, 4, 3)).ok();
    _exit(ok ? 0 : 1);  // as if killed before any pass
  }
  int wait_status = 0;
  ASSERT_EQ(waitpid(child, &wait_status, 0), child);
  ASSERT_TRUE(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0);
  {
    // The first slice of a pass commits; the process dies before the next.
    sqlite::Database::Options db_options;
    db_options.path = path_;
    EQ_ASSERT_OK_AND_ASSIGN(std::unique_ptr<sqlite::Database> db,
                            sqlite::Database::Open(db_options));
    EQ_ASSERT_OK_AND_ASSIGN(std::vector<AppendedKey> keys,
                            ReadUnindexedKeys(db.get()));
    IndexPass pass(std::move(keys));
    EQ_ASSERT_OK_AND_ASSIGN(IndexPassResult slice,
                            pass.IndexNextSlice(db.get(), 4));
    // Keys 0, 1, 2 and both rows of key 3 (a key's rows stay together).
    ASSERT_FALSE(slice.finished);
    EXPECT_EQ(slice.indexed, 5);
    EXPECT_EQ(slice.superseded, 1);
  }
  RawConnection raw(path_);
  EXPECT_EQ(raw.QueryInt("SELECT value FROM store_state WHERE name = "
                         "'keys_indexed_through'"),
            0);
  Reopen(options);
  // Every row past the watermark: 9 appended, 1 deleted by the slice.
  EXPECT_EQ(store_->GetStats().unindexed_records, 8);
  EXPECT_THAT(store_->RecordsInSubmission("RX1", "s1"), IsOkAndHolds(3));
  EXPECT_THAT(store_->RecordsInSubmission("RX1", "s2"), IsOkAndHolds(4));
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM records"), 7);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM record_keys"), 7);
  EXPECT_EQ(raw.QueryInt("SELECT value FROM store_state WHERE name = "
                         "'keys_indexed_through'"),
            9);
}

TEST_F(SqliteStoreTest, NewestOfSeveralPendingVersionsWins) {
  for (const char* tag : {"aaa", "bbb", "ccc"}) {
    ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", tag, 0, 2, 0, tag)),
                IsOk());
  }
  ASSERT_THAT(store_->IndexAppendedRecords(), IsOk());
  // Indexed now; one more version replaces an indexed row.
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "ddd", 0, 1, 1, "ddd")),
              IsOk());
  EXPECT_THAT(store_->RecordsInSubmission("RX1", "aaa"), IsOkAndHolds(0));
  EXPECT_THAT(store_->RecordsInSubmission("RX1", "ccc"), IsOkAndHolds(1));
  EXPECT_THAT(store_->RecordsInSubmission("RX1", "ddd"), IsOkAndHolds(1));
  RawConnection raw(path_);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM records"), 2);
  EXPECT_EQ(raw.QueryText("SELECT group_concat(substr(payload, 1, 3), ',') "
                          "FROM (SELECT payload FROM records ORDER BY "
                          "record_pseudonym)"),
            "ccc,ddd");
}

// What an extract reads: each current record of the dataset once, in record
// order, with its link; an incremental read only what was appended or
// relinked since the marks of the previous read.
TEST_F(SqliteStoreTest, CurrentRecordsAreReadOnceInRecordOrderWithLinks) {
  Reopen(Options(/*index_when_idle=*/false));
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s1", 0, 5, 0, "old")),
              IsOk());
  BatchWrite elsewhere = MakeBatch("RX1", "s9", 0, 3, 100, "other");
  elsewhere.dataset_id = "another-dataset";
  ASSERT_THAT(store_->CommitBatch(elsewhere), IsOk());
  // Keys 3 and 4 re-submitted before any index pass: the read indexes first.
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s1", 1, 2, 3, "new")),
              IsOk());
  RawConnection raw(path_);

  struct Seen {
    int64_t record_id;
    std::string tag;
    int64_t person_id;
  };
  auto read = [&](std::optional<ChangeMarks> since, ChangeMarks* marks) {
    std::vector<Seen> seen;
    CurrentRecordScan scan;
    scan.dataset_id = "dataset";
    scan.since = since;
    scan.marks = marks;
    scan.visit = [&](int, const CurrentRecord& row) {
      seen.push_back({row.record_id, row.payload.substr(0, 5), row.person_id});
      return absl::OkStatus();
    };
    EXPECT_THAT(store_->ForEachCurrentRecord(scan), IsOk());
    return seen;
  };
  auto tags = [](const std::vector<Seen>& seen) {
    std::vector<std::string> out;
    for (const Seen& row : seen) out.push_back(row.tag);
    return out;
  };

  ChangeMarks marks;
  std::vector<Seen> full = read(std::nullopt, &marks);
  EXPECT_THAT(tags(full),
              ElementsAre("old-0", "old-1", "old-2", "new-3", "new-4"));
  for (size_t i = 1; i < full.size(); ++i) {
    EXPECT_LT(full[i - 1].record_id, full[i].record_id);
  }
  EXPECT_EQ(marks.record_id_through, full.back().record_id);
  EXPECT_EQ(full[0].person_id, 0);

  // The linkage worker links two records.
  ASSERT_EQ(raw.Exec(absl::StrCat("INSERT INTO record_links VALUES (",
                                  full[0].record_id, ", 7, 1, 0.99, 1000), (",
                                  full[4].record_id, ", 8, 2, 0.9, 1000)")),
            SQLITE_OK);
  std::vector<Seen> linked = read(marks, &marks);
  std::sort(linked.begin(), linked.end(), [](const Seen& a, const Seen& b) {
    return a.record_id < b.record_id;
  });
  ASSERT_THAT(tags(linked), ElementsAre("old-0", "new-4"));
  EXPECT_EQ(linked[0].person_id, 7);
  EXPECT_EQ(linked[1].person_id, 8);
  EXPECT_EQ(marks.linked_at_through, 1000);

  // One record re-submitted, one relinked: only those two come back.
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s2", 0, 1, 1, "nnew")),
              IsOk());
  ASSERT_EQ(raw.Exec(absl::StrCat("UPDATE record_links SET person_id = 9, "
                                  "linked_at = 2000 WHERE record_id = ",
                                  full[0].record_id)),
            SQLITE_OK);
  EXPECT_THAT(tags(read(marks, &marks)),
              ::testing::UnorderedElementsAre("old-0", "nnew-"));
  EXPECT_THAT(read(marks, &marks), ::testing::IsEmpty());
  EXPECT_THAT(tags(read(std::nullopt, nullptr)),
              ElementsAre("old-0", "old-2", "new-3", "new-4", "nnew-"));
}

TEST_F(SqliteStoreTest, IndexPassRunsOnceEnoughRecordsAreAppended) {
  SqliteOptions options = Options(/*index_when_idle=*/false);
  options.min_index_pass_records = 8;
  Reopen(options);
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s1", 0, 5, 0)), IsOk());
  EXPECT_EQ(store_->GetStats().index_passes, 0u);
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s1", 1, 5, 5)), IsOk());
  // The pass follows the acknowledgement, on the writer thread.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (store_->GetStats().index_passes == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(store_->GetStats().index_passes, 1u);
  EXPECT_EQ(store_->GetStats().unindexed_records, 0);
}

TEST_F(SqliteStoreTest, IdleWriterIndexesWhatIsPending) {
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s1", 0, 3, 0)), IsOk());
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (store_->GetStats().index_passes == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  RawConnection raw(path_);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM record_keys"), 3);
}

// A gateway killed between a commit and the index pass that would follow it
// leaves appended, acknowledged rows behind; the next start indexes them.
TEST_F(SqliteStoreTest, RecordsAppendedBeforeACrashAreIndexedAfterIt) {
  store_.reset();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto store = SqliteStore::Open(Options(/*index_when_idle=*/false));
    bool ok = store.ok() &&
              (*store)->CommitBatch(MakeBatch("RX1", "s1", 0, 6, 0)).ok() &&
              (*store)->CommitBatch(MakeBatch("RX1", "s2", 0, 2, 4)).ok();
    _exit(ok ? 0 : 1);  // no Close(), no destructors: as if killed
  }
  int wait_status = 0;
  ASSERT_EQ(waitpid(child, &wait_status, 0), child);
  ASSERT_TRUE(WIFEXITED(wait_status));
  ASSERT_EQ(WEXITSTATUS(wait_status), 0);
  {
    RawConnection raw(path_);
    EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM records"), 8);
    EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM record_keys"), 0);
  }
  Reopen();
  EXPECT_EQ(store_->GetStats().unindexed_records, 8);
  EXPECT_THAT(store_->RecordsInSubmission("RX1", "s1"), IsOkAndHolds(4));
  EXPECT_THAT(store_->RecordsInSubmission("RX1", "s2"), IsOkAndHolds(2));
}

// `equilink-gateway summary` opens the file while the gateway runs and indexes
// what is pending; the gateway's own list of appended keys is then stale, and
// its next pass must cope (it used to fail on every later pass).
TEST_F(SqliteStoreTest, AnotherConnectionIndexingOrAppendingIsTolerated) {
  Reopen(Options(/*index_when_idle=*/false));
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s1", 0, 4, 0)), IsOk());
  {
    EQ_ASSERT_OK_AND_ASSIGN(
        auto other, SqliteStore::Open(Options(/*index_when_idle=*/false)));
    EXPECT_EQ(other->GetStats().unindexed_records, 4);
    ASSERT_THAT(other->IndexAppendedRecords(), IsOk());
    // Rows this store does not know about.
    ASSERT_THAT(other->CommitBatch(MakeBatch("RY2", "s9", 0, 3, 0)), IsOk());
    other->Close();  // indexes its own rows too
  }
  // This store's list still holds the four keys the other store indexed; it
  // appends two more, one of them re-submitting a key of the first batch.
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s2", 0, 2, 3, "new")),
              IsOk());
  ASSERT_THAT(store_->IndexAppendedRecords(), IsOk());
  EXPECT_THAT(store_->RecordsInSubmission("RX1", "s1"), IsOkAndHolds(3));
  EXPECT_THAT(store_->RecordsInSubmission("RX1", "s2"), IsOkAndHolds(2));
  EXPECT_THAT(store_->RecordsInSubmission("RY2", "s9"), IsOkAndHolds(3));
  RawConnection raw(path_);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM records"), 8);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM record_keys"), 8);
  EXPECT_EQ(store_->GetStats().unindexed_records, 0);
}

// Rows appended by another writer and never indexed by it are indexed by
// this store's next pass, not skipped past.
TEST_F(SqliteStoreTest, RowsAppendedByAnotherWriterAreIndexed) {
  Reopen(Options(/*index_when_idle=*/false));
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s1", 0, 2, 0)), IsOk());
  {
    RawConnection raw(path_);
    // What a second gateway's commit leaves: an appended row and its batch.
    ASSERT_EQ(
        raw.Exec("INSERT INTO batches (org_code, submission_id, sequence, "
                 "dataset_id, key_id, record_count, ack, committed_at, "
                 "live_records) VALUES ('RY2', 'x', 0, 'd', 'k', 1, "
                 "x'00', 0, 1); INSERT INTO records (org_code, "
                 "record_pseudonym, submission_id, sequence, payload, "
                 "stored_at) VALUES ('RY2', x'0102', 'x', 0, x'aa', 0)"),
        SQLITE_OK);
  }
  ASSERT_THAT(store_->CommitBatch(MakeBatch("RX1", "s1", 1, 2, 2)), IsOk());
  ASSERT_THAT(store_->IndexAppendedRecords(), IsOk());
  RawConnection raw(path_);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM record_keys"), 5);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM record_keys WHERE org_code = "
                         "'RY2'"),
            1);
}

// A database written by the first release (schema version 1, records keyed
// by a primary key) is migrated in place with nothing lost.
TEST_F(SqliteStoreTest, VersionOneDatabaseIsMigrated) {
  store_.reset();
  const std::string old_path = dir_.File("v1.db");
  {
    RawConnection raw(old_path);
    ASSERT_EQ(raw.Exec(R"sql(
      CREATE TABLE organisations (code TEXT NOT NULL PRIMARY KEY, name TEXT
        NOT NULL, roles TEXT NOT NULL, active INTEGER NOT NULL, updated_at
        INTEGER NOT NULL) STRICT;
      CREATE TABLE batches (org_code TEXT NOT NULL, submission_id TEXT NOT
        NULL, sequence INTEGER NOT NULL, dataset_id TEXT NOT NULL, key_id TEXT
        NOT NULL, record_count INTEGER NOT NULL, ack BLOB NOT NULL,
        committed_at INTEGER NOT NULL,
        PRIMARY KEY (org_code, submission_id, sequence)) STRICT, WITHOUT ROWID;
      CREATE TABLE records (org_code TEXT NOT NULL, record_pseudonym BLOB NOT
        NULL, submission_id TEXT NOT NULL, sequence INTEGER NOT NULL, payload
        BLOB NOT NULL, stored_at INTEGER NOT NULL,
        PRIMARY KEY (org_code, record_pseudonym)) STRICT;
      INSERT INTO batches VALUES ('RX1', 's1', 0, 'd', 'k', 3, x'01', 1),
                                 ('RX1', 's1', 1, 'd', 'k', 1, x'02', 2);
      INSERT INTO records VALUES ('RX1', x'0a', 's1', 0, x'aa', 1),
                                 ('RX1', x'0b', 's1', 0, x'bb', 1),
                                 ('RX1', x'0c', 's1', 1, x'cc', 2);
      PRAGMA user_version = 1;
    )sql"),
              SQLITE_OK);
  }
  SqliteOptions options;
  options.path = old_path;
  EQ_ASSERT_OK_AND_ASSIGN(store_, SqliteStore::Open(options));
  EXPECT_EQ(store_->GetStats().unindexed_records, 0);
  EXPECT_THAT(store_->RecordsInSubmission("RX1", "s1"), IsOkAndHolds(3));
  EXPECT_THAT(store_->DurableSequences("RX1", "s1"),
              IsOkAndHolds(ElementsAre(0, 1)));
  RawConnection raw(old_path);
  EXPECT_EQ(raw.QueryInt("PRAGMA user_version"), kLatestSchemaVersion);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM record_keys"), 3);
  EXPECT_EQ(raw.QueryInt("SELECT live_records FROM batches WHERE sequence = 0"),
            2);
  // The migrated key still replaces on re-submission.
  BatchWrite again = MakeBatch("RX1", "s2", 0, 0, 0);
  again.records.push_back(RecordRow{std::string("\x0b", 1), "new"});
  ASSERT_THAT(store_->CommitBatch(std::move(again)), IsOk());
  EXPECT_THAT(store_->RecordsInSubmission("RX1", "s1"), IsOkAndHolds(2));
  EXPECT_EQ(raw.QueryText("SELECT payload FROM records r JOIN record_keys k "
                          "USING (record_id) WHERE k.record_pseudonym = x'0b'"),
            "new");
}

TEST_F(SqliteStoreTest, NewerSchemaIsRefused) {
  store_.reset();
  {
    RawConnection raw(path_);
    ASSERT_EQ(raw.Exec("PRAGMA user_version = 99"), SQLITE_OK);
  }
  SqliteOptions options;
  options.path = path_;
  EXPECT_THAT(SqliteStore::Open(options),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace equilink::store
