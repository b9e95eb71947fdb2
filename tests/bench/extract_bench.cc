// extract_bench: a full linked pull streamed to CSV (issue 5:
// extract_rows_per_s, goal >= 200,000).
//
// A real gateway in this process, with mutual TLS on 127.0.0.1, over a store
// of --persons linked people (tests/bench/synthetic_records.h), the example
// extract agreement (deploy/agreements/qhl_population_health_extract) active
// and an opt-out list uploaded (the agreement applies the national data
// opt-out). `equilink pull`'s own code (client::RunPull) pulls every record of
// the dataset as QHLPHM and writes the CSV: governance checks, the audit entry,
// the two passes over the store, release pseudonyms for every row, the
// stream, and the file.
//
// The baseline in the same run: reading and parsing the same rows from the
// same store file and nothing else.
//
// Figures: extract_rows_per_s, extract_store_scan_rows_per_s,
// extract_vs_scan_ratio.

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/commands/pull_command.h"
#include "server/api/gateway_server.h"
#include "server/governance/agreement_file.h"
#include "server/governance/optout_registry.h"
#include "server/store/sqlite/database.h"
#include "tests/bench/bench_util.h"
#include "tests/bench/synthetic_records.h"
#include "tests/integration/gateway_harness.h"
#include "tests/testing/temp_dir.h"

ABSL_FLAG(int, persons, 200000, "Linked persons in the store");
ABSL_FLAG(std::string, build_dir, "build", "Build directory (unused here)");
ABSL_FLAG(std::string, source_dir, ".", "Repository root (unused here)");

namespace equilink::bench {
namespace {

int Main() {
  testing::TempDir dir;
  v1::GatewayConfig config = testing::MakeGatewayConfig(dir.path());
  // The records are linked already (FillLinkedStore writes record_links);
  // a worker relinking them during the pull would measure something else.
  config.mutable_linkage()->set_disabled(true);
  const std::string store_path = config.store().sqlite_path();
  size_t records = 0;
  const double load_seconds = TimeSeconds([&] {
    records = OrDie(
        FillLinkedStore(store_path, absl::GetFlag(FLAGS_persons), 20261208));
  });
  std::printf("store: %zu records committed and linked in %.1f s\n", records,
              load_seconds);
  const v1::Agreement agreement =
      OrDie(governance::LoadAgreementFile(testing::SourcePath(
          "deploy/agreements/qhl_population_health_extract.textproto")));
  if (!testing::InstallActiveAgreement(store_path, agreement).ok()) return 1;
  {
    auto optouts = OrDie(governance::OptOutRegistry::Open(store_path));
    OrDie(optouts->Upload(testing::kTestLinkageKeyId, "bench list",
                          {std::string(32, 'x')},
                          "urn:equilink:person:caldicott-01", absl::Now()));
  }

  // The floor: the same rows read and parsed.
  uint64_t scanned = 0;
  const double scan_seconds = TimeSeconds([&] {
    auto db = OrDie(store::sqlite::Database::Open({.path = store_path}));
    auto scan = OrDie(db->GetCachedStatement(
        EQ_SQL_FROM_HERE,
        "SELECT r.record_id, r.payload, l.person_id FROM records r LEFT JOIN "
        "record_links l ON l.record_id = r.record_id ORDER BY r.record_id"));
    v1::PseudonymisedRecord record;
    while (OrDie(scan->Step())) {
      if (record.ParseFromString(scan->ColumnBlob(1))) ++scanned;
    }
  });

  std::unique_ptr<api::GatewayServer> gateway =
      OrDie(api::GatewayServer::Start(config));
  client::PullOptions options;
  options.gateway.address = absl::StrCat("127.0.0.1:", gateway->port());
  options.gateway.tls =
      testing::TestPki::Get().ClientFiles(testing::kConsumerOrg);
  options.gateway.deadline = absl::Hours(1);
  options.purpose_id = testing::kExamplePurpose;
  options.dataset_id = "vcse-service-contacts";
  options.out_path = dir.File("extract.csv");
  options.request_id = "extract-bench";
  client::PullReport report;
  const double pull_seconds =
      TimeSeconds([&] { report = OrDie(client::RunPull(options)); });
  std::printf(
      "pull: %llu rows (%llu linked) to CSV in %.2f s; scan alone %.2f s "
      "(%llu rows)\n",
      static_cast<unsigned long long>(report.rows),
      static_cast<unsigned long long>(report.linked_rows), pull_seconds,
      scan_seconds, static_cast<unsigned long long>(scanned));
  if (report.rows != records) {
    std::fprintf(stderr, "pulled %llu rows of %zu\n",
                 static_cast<unsigned long long>(report.rows), records);
    return 1;
  }
  const double rows_per_s = static_cast<double>(report.rows) / pull_seconds;
  const double scan_rows_per_s = static_cast<double>(scanned) / scan_seconds;
  Figure("extract_rows_per_s", rows_per_s);
  Figure("extract_store_scan_rows_per_s", scan_rows_per_s);
  Figure("extract_vs_scan_ratio", rows_per_s / scan_rows_per_s);
  gateway.reset();
  return 0;
}

}  // namespace
}  // namespace equilink::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return equilink::bench::Main();
}
