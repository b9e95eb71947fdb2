// Backpressure: clients that outpace the disk. While another connection holds
// the store's write lock (a disk that has stopped keeping up), four real
// clients keep submitting to an in-process gateway whose ingest budget is
// small. The gateway's memory of batches stays within its budget; streams
// that wait too long end with RESOURCE_EXHAUSTED and a retry hint, the
// clients honour it and resume once the disk is back, and every record is
// stored exactly once.

#include <sqlite3.h>

#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/commands/submit_command.h"
#include "gtest/gtest.h"
#include "server/api/gateway_server.h"
#include "tests/integration/gateway_harness.h"
#include "tests/testing/temp_dir.h"

namespace equilink::testing {
namespace {

constexpr int kClients = 4;
constexpr int kRowsPerClient = 4000;
constexpr int64_t kBudgetBytes = 1 << 20;

TEST(BackpressureIntegrationTest, SlowDiskBoundsMemoryAndClientsRetryToTheEnd) {
  TempDir dir;
  v1::GatewayConfig config = MakeGatewayConfig(dir.path());
  config.set_max_in_flight_batch_bytes(kBudgetBytes);
  config.set_ingest_budget_wait_seconds(1);
  config.mutable_store()->set_busy_timeout_ms(20000);
  config.mutable_linkage()->set_disabled(true);
  for (const char* organisation : {kCharitylogOrg, kLamplightOrg}) {
    ASSERT_TRUE(InstallActiveAgreement(config.store().sqlite_path(),
                                       ExampleSubmissionAgreement(organisation))
                    .ok());
  }
  absl::StatusOr<std::unique_ptr<api::GatewayServer>> gateway =
      api::GatewayServer::Start(config);
  ASSERT_TRUE(gateway.ok()) << gateway.status();

  // The disk stops: another connection takes the write lock.
  sqlite3* blocker = nullptr;
  ASSERT_EQ(sqlite3_open(config.store().sqlite_path().c_str(), &blocker),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(blocker, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr),
            SQLITE_OK);

  std::vector<absl::StatusOr<client::RunReport>> reports(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    const std::string organisation =
        i % 2 == 0 ? kCharitylogOrg : kLamplightOrg;
    const std::string export_path =
        dir.File(absl::StrCat("export-", i, ".csv"));
    WriteSyntheticCharitylogExport(export_path, kRowsPerClient, 100 + i);
    client::SubmitOptions options;
    options.export_options.input_path = export_path;
    options.export_options.profile_path =
        SourcePath("client/profiles/charitylog.textproto");
    options.export_options.postcode_lookup_path =
        SourcePath("deploy/data/postcode_lookup_demo.csv");
    options.export_options.rows_per_batch = 250;
    options.export_options.rejects_path =
        dir.File(absl::StrCat("rejects-", i, ".csv"));
    options.linkage_key_path = TestLinkageKeyPath();
    options.gateway_address = absl::StrCat("127.0.0.1:", (*gateway)->port());
    options.tls = TestPki::Get().ClientFiles(organisation);
    options.purpose_id = kExamplePurpose;
    clients.emplace_back(
        [&reports, i, options] { reports[i] = client::RunSubmit(options); });
  }
  // Long enough for the budget to fill and the waiting streams to give up.
  absl::SleepFor(absl::Seconds(4));
  const int64_t held_while_stalled = (*gateway)->ingest_budget().in_use();
  ASSERT_EQ(sqlite3_exec(blocker, "COMMIT", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(blocker);
  for (std::thread& client : clients) client.join();

  int retries = 0;
  for (int i = 0; i < kClients; ++i) {
    ASSERT_TRUE(reports[i].ok()) << reports[i].status();
    retries += reports[i]->retries;
  }
  EXPECT_GT(retries, 0) << "no stream was told to retry";
  // Within the budget, plus at most one (250-record, ~150 KB) batch past it.
  EXPECT_GT(held_while_stalled, 0);
  EXPECT_LE((*gateway)->ingest_budget().peak(), kBudgetBytes + (256 << 10));
  EXPECT_EQ((*gateway)->ingest_budget().in_use(), 0);

  // Every record once: the two organisations each hold their two exports'
  // record ids once (the exports number their rows alike).
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(config.store().sqlite_path().c_str(), &db), SQLITE_OK);
  (*gateway)->Shutdown();
  sqlite3_stmt* count = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT count(DISTINCT org_code || "
                               "hex(record_pseudonym)), count(*) FROM records",
                               -1, &count, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(count), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(count, 0), 2 * kRowsPerClient);
  sqlite3_finalize(count);
  sqlite3_close(db);
}

}  // namespace
}  // namespace equilink::testing
