// `equilink-gateway backup` of a real gateway while the real client submits
// to it, then `restore` into a new directory and a gateway started on the
// restored files: the audit chain verifies, every batch acknowledged before
// the backup began is there, and the store is one consistent snapshot.

#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "client/commands/submit_command.h"
#include "client/pipeline/submission_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/audit/audit_verifier.h"
#include "server/audit/checkpoint_signer.h"
#include "server/backup/online_copy.h"
#include "server/store/sqlite/database.h"
#include "tests/integration/gateway_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink::testing {
namespace {

using ::testing::HasSubstr;

constexpr int kRows = 20000;
constexpr int kRowsPerBatch = 250;
constexpr int kBatches = kRows / kRowsPerBatch;

// Runs `equilink-gateway <args...>` to completion; its exit code, with its
// stdout and stderr in `output`.
int RunGatewayCommand(const std::vector<std::string>& args,
                      const std::string& log_path, std::string* output) {
  std::vector<std::string> argv = {EQUILINK_GATEWAY_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::remove(log_path.c_str());
  absl::StatusOr<Subprocess> process = Subprocess::Start(argv, log_path);
  if (!process.ok()) return -1;
  absl::StatusOr<ExitInfo> exit = process->Wait(absl::Seconds(60));
  *output = ReadFileOrEmpty(log_path);
  return exit.ok() ? exit->exit_code : -1;
}

// First column of the first row of `sql` on the database at `path`.
int64_t QueryInt(const std::string& path, const char* sql) {
  store::sqlite::Database::Options options;
  options.path = path;
  options.query_only = true;
  absl::StatusOr<std::unique_ptr<store::sqlite::Database>> db =
      store::sqlite::Database::Open(options);
  EXPECT_TRUE(db.ok()) << db.status();
  if (!db.ok()) return -1;
  absl::StatusOr<int64_t> value = (*db)->QueryInt64(sql);
  EXPECT_TRUE(value.ok()) << value.status();
  return value.ok() ? *value : -1;
}

// Batches whose live_records disagree with the records rows the file holds:
// a copy that mixed two moments of the store would have some.
constexpr char kInconsistentBatches[] =
    "SELECT count(*) FROM batches b WHERE b.live_records != (SELECT count(*) "
    "FROM records r WHERE r.org_code = b.org_code AND r.submission_id = "
    "b.submission_id AND r.sequence = b.sequence)";

class BackupIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = MakeGatewayConfig(live_.path());
    const absl::Status installed =
        InstallActiveAgreement(config_.store().sqlite_path(),
                               ExampleSubmissionAgreement(kCharitylogOrg));
    ASSERT_TRUE(installed.ok()) << installed;
    config_path_ = WriteGatewayConfig(config_, live_.File("gateway.textproto"));
    export_path_ = live_.File("export.csv");
    WriteSyntheticCharitylogExport(export_path_, kRows, 11);
  }

  GatewayProcess StartGateway(const std::string& config_path,
                              const TempDir& dir) {
    absl::StatusOr<GatewayProcess> gateway = StartGatewayProcess(
        config_path, dir.File("port"), dir.File("gateway.log"));
    EXPECT_TRUE(gateway.ok()) << gateway.status();
    return gateway.ok() ? *std::move(gateway) : GatewayProcess();
  }

  client::SubmitOptions SubmitOptions(int port) const {
    client::SubmitOptions options;
    options.export_options.input_path = export_path_;
    options.export_options.profile_path =
        SourcePath("client/profiles/charitylog.textproto");
    options.export_options.postcode_lookup_path =
        SourcePath("deploy/data/postcode_lookup_demo.csv");
    options.export_options.rows_per_batch = kRowsPerBatch;
    options.linkage_key_path = TestLinkageKeyPath();
    options.gateway_address = absl::StrCat("127.0.0.1:", port);
    options.tls = TestPki::Get().ClientFiles(kCharitylogOrg);
    options.purpose_id = kExamplePurpose;
    return options;
  }

  // A gateway configuration on `dir` whose audit signing key is the live
  // gateway's, copied there as an operator restores keys from their own
  // backup before restoring the databases.
  std::string RestoredConfig(const TempDir& dir) {
    v1::GatewayConfig config = MakeGatewayConfig(dir.path());
    const std::string key = dir.File("audit-signing.key");
    std::error_code error;
    std::filesystem::copy_file(config_.audit().checkpoint_signing_key_file(),
                               key, error);
    EXPECT_FALSE(error) << error.message();
    ::chmod(key.c_str(), 0600);
    config.mutable_audit()->set_checkpoint_signing_key_file(key);
    return WriteGatewayConfig(config, dir.File("gateway.textproto"));
  }

  // Tiny, paced steps: the backup takes long enough for the submission to go
  // on meanwhile.
  int Backup(const std::string& out, std::string* output) {
    return RunGatewayCommand(
        {"backup", absl::StrCat("--config=", config_path_),
         absl::StrCat("--out=", out), "--backup_pages_per_step=4",
         "--backup_step_pause_ms=5"},
        live_.File("backup.log"), output);
  }

  TempDir live_;
  TempDir backups_;
  v1::GatewayConfig config_;
  std::string config_path_;
  std::string export_path_;
};

TEST_F(BackupIntegrationTest,
       BackupDuringSubmissionRestoresToAConsistentServingGateway) {
  GatewayProcess gateway = StartGateway(config_path_, live_);
  ASSERT_GT(gateway.port, 0);

  absl::Mutex mu;
  std::set<uint64_t> acked;
  client::SubmitOptions options = SubmitOptions(gateway.port);
  options.ack_observer = [&](const v1::BatchAck& ack) {
    absl::MutexLock lock(&mu);
    acked.insert(ack.sequence());
  };
  absl::StatusOr<client::RunReport> report;
  std::thread submitter([&] { report = client::RunSubmit(options); });

  std::set<uint64_t> acked_before_backup;
  {
    absl::MutexLock lock(&mu);
    mu.AwaitWithTimeout(
        absl::Condition(
            +[](std::set<uint64_t>* s) { return s->size() >= 8; }, &acked),
        absl::Seconds(20));
    acked_before_backup = acked;
  }
  if (acked_before_backup.size() < 8) {
    submitter.join();  // a joinable thread must not outlive the test body
    FAIL() << "the submission did not get going: " << report.status();
  }
  const std::string backup_dir = backups_.File("b1");
  std::string output;
  EXPECT_EQ(Backup(backup_dir, &output), 0) << output;
  size_t acked_after_backup = 0;
  {
    absl::MutexLock lock(&mu);
    acked_after_backup = acked.size();
  }
  submitter.join();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(output, HasSubstr("backup complete: 2 databases"));
  // The submission went on while the backup ran.
  EXPECT_GT(acked_after_backup, acked_before_backup.size());
  gateway.process.Signal(SIGTERM);
  ASSERT_THAT(gateway.process.Wait(absl::Seconds(20)), IsOk());

  TempDir restored;
  const std::string restored_config = RestoredConfig(restored);
  const std::string store_path = restored.File("gateway.db");
  ASSERT_EQ(
      RunGatewayCommand({"restore", absl::StrCat("--config=", restored_config),
                         absl::StrCat("--from=", backup_dir)},
                        restored.File("restore.log"), &output),
      0)
      << output;
  EXPECT_THAT(output, HasSubstr("restore complete"));
  EXPECT_EQ(QueryInt(store_path, kInconsistentBatches), 0);
  EXPECT_THAT(backup::CheckIntegrity(store_path), IsOk());

  // A second restore over the files now in place is refused.
  EXPECT_EQ(
      RunGatewayCommand({"restore", absl::StrCat("--config=", restored_config),
                         absl::StrCat("--from=", backup_dir)},
                        restored.File("restore2.log"), &output),
      1);
  EXPECT_THAT(output,
              HasSubstr(absl::StrCat(store_path,
                                     " exists; stop the gateway and pass "
                                     "--force")));

  GatewayProcess restored_gateway = StartGateway(restored_config, restored);
  ASSERT_GT(restored_gateway.port, 0);
  client::SubmissionClient status_client(
      MakeChannel(restored_gateway.port,
                  TestPki::Get().ClientFiles(kCharitylogOrg)),
      {});
  EQ_ASSERT_OK_AND_ASSIGN(v1::SubmissionStatus durable,
                          status_client.GetStatus(report->submission_id));
  const std::set<uint64_t> restored_sequences(
      durable.durable_sequences().begin(), durable.durable_sequences().end());
  for (uint64_t sequence : acked_before_backup) {
    EXPECT_TRUE(restored_sequences.contains(sequence))
        << "batch acknowledged before the backup is missing: " << sequence;
  }
  // A snapshot from the middle of the submission, not its end.
  EXPECT_LT(restored_sequences.size(), static_cast<size_t>(kBatches));

  // The client's re-run sends only what the backup missed.
  EQ_ASSERT_OK_AND_ASSIGN(
      client::RunReport rerun,
      client::RunSubmit(SubmitOptions(restored_gateway.port)));
  EXPECT_EQ(rerun.batches_skipped,
            static_cast<int64_t>(restored_sequences.size()));
  EQ_ASSERT_OK_AND_ASSIGN(v1::SubmissionStatus after,
                          status_client.GetStatus(report->submission_id));
  EXPECT_EQ(after.durable_sequences_size(), kBatches);

  restored_gateway.process.Signal(SIGTERM);
  ASSERT_THAT(restored_gateway.process.Wait(absl::Seconds(20)), IsOk());
  EQ_ASSERT_OK_AND_ASSIGN(std::unique_ptr<audit::CheckpointSigner> signer,
                          audit::CheckpointSigner::LoadFromFile(
                              restored.File("audit-signing.key")));
  EQ_ASSERT_OK_AND_ASSIGN(const std::string pem, signer->PublicKeyPem());
  EQ_ASSERT_OK_AND_ASSIGN(std::unique_ptr<audit::CheckpointVerifier> verifier,
                          audit::CheckpointVerifier::FromPublicKeyPem(pem));
  EQ_ASSERT_OK_AND_ASSIGN(
      v1::AuditVerifyReport verified,
      audit::VerifyAuditLog(restored.File("audit.db"), *verifier));
  EXPECT_TRUE(verified.ok()) << verified.detail();
  EXPECT_GT(verified.last_sequence(), acked_before_backup.size());
  EXPECT_THAT(backup::CheckIntegrity(store_path), IsOk());
  EXPECT_EQ(QueryInt(store_path, kInconsistentBatches), 0);
}

TEST_F(BackupIntegrationTest, RestoreRefusesATamperedBackupNamingTheFile) {
  GatewayProcess gateway = StartGateway(config_path_, live_);
  ASSERT_GT(gateway.port, 0);
  const std::string backup_dir = backups_.File("b1");
  std::string output;
  ASSERT_EQ(Backup(backup_dir, &output), 0) << output;
  struct stat st;
  ASSERT_EQ(::stat(backup_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);

  const std::string store_copy = backup_dir + "/store.db";
  std::string bytes = ReadFileOrEmpty(store_copy);
  ASSERT_FALSE(bytes.empty());
  bytes[bytes.size() - 100] ^= 0x20;
  WriteFileOrDie(store_copy, bytes);

  TempDir restored;
  const std::string restored_config = RestoredConfig(restored);
  EXPECT_EQ(
      RunGatewayCommand({"restore", absl::StrCat("--config=", restored_config),
                         absl::StrCat("--from=", backup_dir)},
                        restored.File("restore.log"), &output),
      1);
  EXPECT_THAT(output, HasSubstr(absl::StrCat("backup file ", store_copy,
                                             " does not match the SHA-256")));
  EXPECT_FALSE(std::filesystem::exists(restored.File("gateway.db")));
  EXPECT_FALSE(std::filesystem::exists(restored.File("audit.db")));
}

}  // namespace
}  // namespace equilink::testing
