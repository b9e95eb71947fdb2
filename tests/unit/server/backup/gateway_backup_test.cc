#include "server/backup/gateway_backup.h"

#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/audit/audit_log.h"
#include "server/audit/checkpoint_signer.h"
#include "server/backup/private_file.h"
#include "server/store/sqlite_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/unit/server/audit/audit_test_util.h"
#include "tests/unit/server/store/store_test_util.h"

namespace equilink::backup {
namespace {

using ::equilink::store::testing::MakeBatch;
using ::equilink::store::testing::RawConnection;
using ::equilink::testing::IsOk;
using ::equilink::testing::ReadFileOrEmpty;
using ::equilink::testing::StatusIs;
using ::equilink::testing::TempDir;
using ::equilink::testing::WriteFileOrDie;
using ::testing::HasSubstr;

int ModeOf(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

bool Exists(const std::string& path) {
  std::error_code error;
  return std::filesystem::exists(path, error);
}

// Per batch, live_records must equal the records rows the copy holds: a copy
// mixing two moments would break it. (The fixture's keys are never
// re-submitted, so every appended record is current.)
int64_t InconsistentBatches(const std::string& store_path) {
  RawConnection db(store_path);
  return db.QueryInt(
      "SELECT count(*) FROM batches b WHERE b.live_records != (SELECT "
      "count(*) FROM records r WHERE r.org_code = b.org_code AND "
      "r.submission_id = b.submission_id AND r.sequence = b.sequence)");
}

class GatewayBackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(audit::CheckpointSigner::GenerateKeyFile(key_path()), IsOk());
    EQ_ASSERT_OK_AND_ASSIGN(store_, store::SqliteStore::Open(StoreOptions()));
    EQ_ASSERT_OK_AND_ASSIGN(std::unique_ptr<audit::CheckpointSigner> signer,
                            audit::CheckpointSigner::LoadFromFile(key_path()));
    audit::AuditLog::Options audit_options;
    audit_options.path = live_.File("audit.db");
    audit_options.checkpoint_interval = 4;
    EQ_ASSERT_OK_AND_ASSIGN(
        audit_, audit::AuditLog::Open(audit_options, std::move(signer)));
    for (int i = 0; i < 10; ++i) Commit();
  }

  store::SqliteOptions StoreOptions() const {
    store::SqliteOptions options;
    options.path = live_.File("store.db");
    return options;
  }
  std::string key_path() const { return live_.File("audit-signing.key"); }

  // One batch of 20 records and its audit entry, as the gateway writes them.
  void Commit() {
    ASSERT_THAT(
        store_->CommitBatch(MakeBatch("RX1", "s1", next_, 20, next_ * 1000)),
        IsOk());
    ASSERT_THAT(audit_->Append(
                    audit::testing::BatchDecision(static_cast<int>(next_) + 1)),
                IsOk());
    ++next_;
  }

  std::vector<DatabaseFile> Databases(const TempDir& dir) const {
    return {{kStoreRole, dir.File("store.db")},
            {kAuditRole, dir.File("audit.db")}};
  }

  BackupOptions Backup(const std::string& out_dir) const {
    BackupOptions options;
    options.databases = Databases(live_);
    options.checkpoint_key_file = key_path();
    options.out_dir = out_dir;
    options.clock = [] { return absl::FromUnixSeconds(1'777'000'000); };
    return options;
  }

  RestoreOptions Restore(const TempDir& into) const {
    RestoreOptions options;
    options.databases = Databases(into);
    options.checkpoint_key_file = key_path();
    options.from_dir = backups_.File("b1");
    return options;
  }

  TempDir live_;
  TempDir backups_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<audit::AuditLog> audit_;
  uint64_t next_ = 0;
};

TEST_F(GatewayBackupTest, BacksUpPrivatelyAndRestoresWhatWasThere) {
  EQ_ASSERT_OK_AND_ASSIGN(BackupResult backup,
                          BackupGateway(Backup(backups_.File("b1"))));
  EXPECT_EQ(ModeOf(backups_.File("b1")), 0700);
  for (const char* name : {"store.db", "audit.db", kManifestFileName}) {
    EXPECT_EQ(ModeOf(backups_.File(absl::StrCat("b1/", name))), 0600) << name;
  }
  EXPECT_EQ(backup.manifest.audit_last_sequence, 10u);
  EXPECT_EQ(backup.verified.audit_checkpoints_checked, 2u);
  EXPECT_EQ(backup.manifest.audit_checkpoint_key_id, audit_->key_id());
  EXPECT_GT(backup.manifest.store_schema_version, 0);
  EQ_ASSERT_OK_AND_ASSIGN(const FileDigest digest,
                          DigestFile(backups_.File("b1/store.db")));
  EXPECT_EQ(backup.manifest.FindRole(kStoreRole)->sha256_hex,
            digest.sha256_hex);
  EXPECT_THAT(BackupSummary(backup), HasSubstr("10 entries"));

  TempDir restored;
  EQ_ASSERT_OK_AND_ASSIGN(RestoreResult restore,
                          RestoreGateway(Restore(restored)));
  EXPECT_EQ(restore.verified.audit_last_sequence, 10u);
  EXPECT_EQ(ModeOf(restored.File("store.db")), 0600);
  EXPECT_EQ(ModeOf(restored.File("audit.db")), 0600);
  EXPECT_FALSE(Exists(restored.File("store.db.restoring")));
  RawConnection db(restored.File("store.db"));
  EXPECT_EQ(db.QueryInt("SELECT count(*) FROM records"), 200);
  EXPECT_EQ(db.QueryInt("SELECT count(*) FROM batches"), 10);
}

TEST_F(GatewayBackupTest, CopyIsOneSnapshotWhileAnotherConnectionCommits) {
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    while (!stop.load()) Commit();
  });
  BackupOptions options = Backup(backups_.File("b1"));
  // Tiny steps with pauses, so many commits land while the copy is running.
  options.copy.pages_per_step = 1;
  options.copy.step_pause = absl::Milliseconds(2);
  absl::StatusOr<BackupResult> backup = BackupGateway(options);
  stop.store(true);
  writer.join();
  ASSERT_THAT(backup, IsOk());
  EXPECT_EQ(InconsistentBatches(backups_.File("b1/store.db")), 0);
  RawConnection copy(backups_.File("b1/store.db"));
  EXPECT_GE(copy.QueryInt("SELECT count(*) FROM batches"), 10);
  EXPECT_THAT(CheckIntegrity(backups_.File("b1/store.db")), IsOk());
}

TEST_F(GatewayBackupTest, NeverOverwritesAnEarlierBackup) {
  ASSERT_THAT(BackupGateway(Backup(backups_.File("b1"))), IsOk());
  EXPECT_THAT(
      BackupGateway(Backup(backups_.File("b1"))),
      StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("already holds")));
}

TEST_F(GatewayBackupTest, MissingDatabaseIsNamedAndLeavesNoManifest) {
  BackupOptions options = Backup(backups_.File("b1"));
  options.databases[1].path = live_.File("absent.db");
  EXPECT_THAT(BackupGateway(options),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent.db")));
  EXPECT_FALSE(Exists(live_.File("absent.db")));
  EXPECT_FALSE(Exists(backups_.File("b1/store.db")));
  EXPECT_FALSE(Exists(backups_.File("b1/store.db.partial")));
  EXPECT_FALSE(Exists(backups_.File(absl::StrCat("b1/", kManifestFileName))));
}

TEST_F(GatewayBackupTest, AuditCheckpointsSignedByAnotherKeyFailTheBackup) {
  BackupOptions options = Backup(backups_.File("b1"));
  options.checkpoint_key_file = live_.File("other.key");
  ASSERT_THAT(
      audit::CheckpointSigner::GenerateKeyFile(options.checkpoint_key_file),
      IsOk());
  EXPECT_THAT(BackupGateway(options),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("AUDIT_CHECKPOINT_UNKNOWN_KEY")));
}

TEST_F(GatewayBackupTest, RestoreRefusesExistingFilesWithoutForce) {
  ASSERT_THAT(BackupGateway(Backup(backups_.File("b1"))), IsOk());
  RestoreOptions options = Restore(live_);
  EXPECT_THAT(RestoreGateway(options),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr(absl::StrCat(live_.File("store.db"),
                                              " exists; stop the gateway and "
                                              "pass --force"))));
}

TEST_F(GatewayBackupTest, ForcedRestoreReplacesFilesAndDropsTheOldWal) {
  ASSERT_THAT(BackupGateway(Backup(backups_.File("b1"))), IsOk());
  Commit();  // after the backup: the restore must take it away
  store_.reset();
  audit_.reset();
  WriteFileOrDie(live_.File("store.db-wal"), "stale WAL of the old file");
  RestoreOptions options = Restore(live_);
  options.force = true;
  ASSERT_THAT(RestoreGateway(options), IsOk());
  EXPECT_FALSE(Exists(live_.File("store.db-wal")));
  RawConnection db(live_.File("store.db"));
  EXPECT_EQ(db.QueryInt("SELECT count(*) FROM batches"), 10);
  EXPECT_THAT(CheckIntegrity(live_.File("store.db")), IsOk());
  // And the restored store opens as the gateway opens it.
  EXPECT_THAT(store::SqliteStore::Open(StoreOptions()), IsOk());
}

TEST_F(GatewayBackupTest, RestoreRefusesATamperedFileNamingIt) {
  ASSERT_THAT(BackupGateway(Backup(backups_.File("b1"))), IsOk());
  const std::string copy = backups_.File("b1/store.db");
  std::string bytes = ReadFileOrEmpty(copy);
  bytes[bytes.size() / 2] ^= 0x01;
  WriteFileOrDie(copy, bytes);
  TempDir restored;
  EXPECT_THAT(RestoreGateway(Restore(restored)),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr(absl::StrCat("backup file ", copy,
                                              " does not match the SHA-256"))));
  EXPECT_FALSE(Exists(restored.File("store.db")));
  EXPECT_FALSE(Exists(restored.File("audit.db")));
}

// The manifest is not signed; the audit copy's own chain still is checked.
TEST_F(GatewayBackupTest, RestoreRefusesARewrittenAuditLogEvenWithItsHash) {
  ASSERT_THAT(BackupGateway(Backup(backups_.File("b1"))), IsOk());
  const std::string copy = backups_.File("b1/audit.db");
  {
    RawConnection db(copy);
    // The log's triggers stop accidental edits, not a deliberate one.
    ASSERT_EQ(db.Exec("DROP TRIGGER audit_entry_no_update;"
                      "UPDATE audit_entry SET records_accepted = 1 WHERE "
                      "sequence = 3"),
              SQLITE_OK);
  }
  const std::string manifest_path =
      backups_.File(absl::StrCat("b1/", kManifestFileName));
  EQ_ASSERT_OK_AND_ASSIGN(
      BackupManifest manifest,
      ParseManifest(ReadFileOrEmpty(manifest_path), manifest_path));
  for (ManifestFile& file : manifest.files) {
    if (file.role != kAuditRole) continue;
    EQ_ASSERT_OK_AND_ASSIGN(const FileDigest digest, DigestFile(copy));
    file.sha256_hex = digest.sha256_hex;
    file.bytes = digest.bytes;
  }
  WriteFileOrDie(manifest_path, FormatManifest(manifest));
  TempDir restored;
  EXPECT_THAT(RestoreGateway(Restore(restored)),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("AUDIT_ENTRY_ALTERED at entry 3")));
  EXPECT_FALSE(Exists(restored.File("store.db")));
  EXPECT_FALSE(Exists(restored.File("audit.db.restoring")));
}

TEST_F(GatewayBackupTest, RestoreRefusesADirectoryWithoutManifest) {
  TempDir restored;
  RestoreOptions options = Restore(restored);
  options.from_dir = backups_.path();
  EXPECT_THAT(RestoreGateway(options),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("is not a finished backup")));
}

}  // namespace
}  // namespace equilink::backup
