#include "server/linkage/linkage_worker.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/sqlite/database.h"
#include "server/store/sqlite_store.h"
#include "tests/testing/temp_dir.h"
#include "tests/unit/server/linkage/engine/linkage_test_records.h"

namespace equilink::linkage {
namespace {

using ::equilink::testing::TempDir;

using testing::MakeRecord;
using testing::Person;

// People with two or three records each across organisations, committed to
// a real store in `batches` batches.
void CommitPopulation(const std::string& path, int people, int first_person,
                      const std::string& submission) {
  store::SqliteOptions options;
  options.path = path;
  auto store = store::SqliteStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  const char* forenames[] = {"Amelia", "Oliver", "Aisha",  "Yusuf",
                             "Grace",  "Jack",   "Zainab", "Harry"};
  const char* surnames[] = {"Smith", "Khan",   "Jones", "Ahmed", "Begum",
                            "Brown", "Okafor", "Patel", "Ali"};
  for (int org = 0; org < 2; ++org) {
    store::BatchWrite batch;
    batch.organisation_code = absl::StrCat("8AB1", org);
    batch.submission_id = submission;
    batch.sequence = 0;
    batch.dataset_id = "test";
    batch.key_id = "linkage-test";
    batch.ack = "ack";
    for (int p = first_person; p < first_person + people; ++p) {
      Person person{.record_id = absl::StrCat("R", p),
                    .forename = forenames[p % 8],
                    .surname = surnames[(p / 8) % 9],
                    .year = 2004 + p % 17,
                    .month = 1 + p % 12,
                    .day = 1 + (p / 12) % 28,
                    .sex = p % 2 ? "1" : "2",
                    .postcode = absl::StrFormat("B%d %dAB", p % 50, p % 10)};
      if (org == 1) person.forename += "a";  // a spelling variant
      const v1::PseudonymisedRecord record =
          MakeRecord(person, batch.organisation_code);
      batch.records.push_back(
          store::RecordRow{.record_pseudonym = record.record_pseudonym(),
                           .payload = record.SerializeAsString()});
    }
    ASSERT_TRUE((*store)->CommitBatch(std::move(batch)).ok());
  }
}

LinkageWorkerOptions WorkerOptions(const std::string& path) {
  LinkageWorkerOptions options;
  options.store_path = path;
  options.batch_records = 37;                 // several transactions per run
  options.estimate_after_records = 1u << 30;  // keep the default model
  options.engine.model_settings.set_term_frequency_adjustment(false);
  return options;
}

// record_id -> person_id, read from the store.
std::map<int64_t, int64_t> StoredLinks(const std::string& path) {
  store::sqlite::Database::Options options;
  options.path = path;
  auto db = store::sqlite::Database::Open(options);
  auto statement = (*db)->GetUniqueStatement(
      "SELECT record_id, person_id FROM record_links ORDER BY record_id");
  std::map<int64_t, int64_t> links;
  while (*(*statement)->Step()) {
    links[(*statement)->ColumnInt64(0)] = (*statement)->ColumnInt64(1);
  }
  return links;
}

std::set<std::set<int64_t>> PartitionOf(
    const std::map<int64_t, int64_t>& links) {
  std::map<int64_t, std::set<int64_t>> persons;
  for (auto [record, person] : links) persons[person].insert(record);
  std::set<std::set<int64_t>> out;
  for (auto& [person, records] : persons) out.insert(records);
  return out;
}

TEST(LinkageWorkerTest, LinksEveryCommittedRecordOnceAndResumesAfterRestart) {
  TempDir dir;
  const std::string whole = dir.File("whole.db");
  CommitPopulation(whole, 150, 0, "s1");
  CommitPopulation(whole, 150, 150, "s2");
  {
    auto worker = LinkageWorker::Open(WorkerOptions(whole));
    ASSERT_TRUE(worker.ok()) << worker.status();
    EXPECT_EQ(*(*worker)->LinkAvailable(), 600u);
    EXPECT_EQ(*(*worker)->LinkAvailable(), 0u);
  }
  const std::string restarted = dir.File("restarted.db");
  CommitPopulation(restarted, 150, 0, "s1");
  {
    auto worker = LinkageWorker::Open(WorkerOptions(restarted));
    ASSERT_TRUE(worker.ok());
    EXPECT_EQ(*(*worker)->LinkAvailable(), 300u);
  }
  CommitPopulation(restarted, 150, 150, "s2");
  {
    auto worker = LinkageWorker::Open(WorkerOptions(restarted));
    ASSERT_TRUE(worker.ok());
    EXPECT_EQ((*worker)->Status()->records_linked, 300u);
    EXPECT_EQ(*(*worker)->LinkAvailable(), 300u);
  }
  const auto whole_links = StoredLinks(whole);
  const auto restarted_links = StoredLinks(restarted);
  EXPECT_EQ(whole_links.size(), 600u);
  EXPECT_EQ(restarted_links.size(), 600u);
  EXPECT_EQ(PartitionOf(restarted_links), PartitionOf(whole_links));
  // The spelling variants were linked: fewer persons than records.
  EXPECT_LT(PartitionOf(whole_links).size(), 450u);
}

TEST(LinkageWorkerTest, KilledMidLinkingResumesWithoutLossOrDoubleLinking) {
  TempDir dir;
  const std::string reference = dir.File("reference.db");
  const std::string killed = dir.File("killed.db");
  CommitPopulation(reference, 400, 0, "s1");
  CommitPopulation(killed, 400, 0, "s1");
  {
    auto worker = LinkageWorker::Open(WorkerOptions(reference));
    ASSERT_TRUE(worker.ok());
    ASSERT_TRUE((*worker)->LinkAvailable().ok());
  }
  // A child process links and is killed with SIGKILL once some batches are
  // durable: mid-run, possibly mid-transaction.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    LinkageWorkerOptions options = WorkerOptions(killed);
    options.batch_records = 10;
    auto worker = LinkageWorker::Open(options);
    if (worker.ok()) (void)(*worker)->LinkAvailable();
    _exit(0);
  }
  int64_t linked_through = 0;
  for (int i = 0; i < 2000 && linked_through == 0; ++i) {
    usleep(2000);
    store::sqlite::Database::Options options;
    options.path = killed;
    options.query_only = true;
    auto db = store::sqlite::Database::Open(options);
    if (!db.ok()) continue;
    auto value = (*db)->QueryInt64(
        "SELECT value FROM linkage_state WHERE name = 'linked_through'");
    if (value.ok()) linked_through = *value;
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_GT(linked_through, 0) << "the child never committed a batch";
  const size_t before = StoredLinks(killed).size();
  EXPECT_LT(before, 800u) << "killed after it finished: not mid-run";

  auto worker = LinkageWorker::Open(WorkerOptions(killed));
  ASSERT_TRUE(worker.ok()) << worker.status();
  ASSERT_TRUE((*worker)->LinkAvailable().ok());
  const auto links = StoredLinks(killed);
  EXPECT_EQ(links.size(), 800u);
  EXPECT_EQ(PartitionOf(links), PartitionOf(StoredLinks(reference)));
}

// The store's index pass deletes a re-submitted record's earlier version. A
// running worker drops that version's link when it links the new one; one
// that restarts in between no longer knows the earlier version, so it drops
// such links when it restores.
TEST(LinkageWorkerTest, LinksOfRecordsDeletedWhileStoppedAreDroppedOnRestart) {
  TempDir dir;
  const std::string path = dir.File("store.db");
  CommitPopulation(path, 150, 0, "s1");
  {
    auto worker = LinkageWorker::Open(WorkerOptions(path));
    ASSERT_TRUE(worker.ok()) << worker.status();
    EXPECT_EQ(*(*worker)->LinkAvailable(), 300u);
  }
  // Every record re-submitted and indexed while no worker runs.
  CommitPopulation(path, 150, 0, "s2");
  {
    store::SqliteOptions options;
    options.path = path;
    auto store = store::SqliteStore::Open(options);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->IndexAppendedRecords().ok());
  }
  auto worker = LinkageWorker::Open(WorkerOptions(path));
  ASSERT_TRUE(worker.ok()) << worker.status();
  EXPECT_EQ(*(*worker)->LinkAvailable(), 300u);
  store::sqlite::Database::Options options;
  options.path = path;
  auto db = store::sqlite::Database::Open(options);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*(*db)->QueryInt64("SELECT count(*) FROM records"), 300);
  EXPECT_EQ(*(*db)->QueryInt64("SELECT count(*) FROM record_links"), 300);
  EXPECT_EQ(*(*db)->QueryInt64(
                "SELECT count(*) FROM record_links l WHERE NOT EXISTS (SELECT "
                "1 FROM records r WHERE r.record_id = l.record_id)"),
            0);
  EXPECT_EQ(*(*db)->QueryInt64(
                "SELECT count(*) FROM link_edges e WHERE NOT EXISTS (SELECT 1 "
                "FROM records r WHERE r.record_id = e.a_record_id)"),
            0);
}

TEST(LinkageWorkerTest, RelinkKeepsPersonIdsStable) {
  TempDir dir;
  const std::string path = dir.File("store.db");
  CommitPopulation(path, 200, 0, "s1");
  auto worker = LinkageWorker::Open(WorkerOptions(path));
  ASSERT_TRUE(worker.ok());
  ASSERT_TRUE((*worker)->LinkAvailable().ok());
  const auto incremental = StoredLinks(path);
  absl::StatusOr<RelinkResult> first = (*worker)->Relink("test");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->model_version, 1u);
  const auto after_first = StoredLinks(path);
  absl::StatusOr<RelinkResult> second = (*worker)->Relink("test again");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->model_version, 2u);
  EXPECT_EQ(StoredLinks(path), after_first)
      << "a re-run over the same data changed person ids";
  EXPECT_EQ(second->records_moved, 0u);
  EXPECT_EQ(second->persons_created + second->persons_merged +
                second->persons_split + second->persons_retired,
            0u);
  // The default starting model over-links this deliberately repetitive
  // population; the relink's EM model splits those clusters. Each old
  // person id lives on in the largest part of its cluster: no id is lost
  // while no record was withdrawn.
  std::set<int64_t> ids_before, ids_after;
  for (auto [record, person] : incremental) ids_before.insert(person);
  for (auto [record, person] : after_first) ids_after.insert(person);
  for (int64_t id : ids_before) EXPECT_TRUE(ids_after.contains(id)) << id;
  EXPECT_EQ(PartitionOf(after_first).size(), 200u)
      << "each person's two records should be one cluster after EM";
}

}  // namespace
}  // namespace equilink::linkage
