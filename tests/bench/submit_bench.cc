// The submission path measured as a user meets it, on this machine:
//  - submit_e2e_records_per_s: `equilink submit` of a synthetic export (CSV
//    file to durable, indexed rows at the gateway), client and gateway as
//    separate processes over mutual TLS;
//  - submit_client_peak_rss_mb and submit_gateway_peak_rss_mb for that run
//    (1M rows by default);
//  - governance_overhead_ratio: the same submit into an in-process gateway
//    with agreement checks and the audit entry per batch, divided by one
//    started without them (a benchmark-only C++ start option), alternating
//    runs, medians; with the gateway's CPU per record for both;
//  - ingest_records_per_s: the gateway alone, fed already-pseudonymised
//    batches by an in-process load client on 4 streams over mutual TLS,
//    durable commits and the deferred key indexing included; and
//    ingest_vs_raw_sqlite_ratio: that rate divided by a raw SQLite insert of
//    the same rows into the same tables with the same end state (prepared
//    statements, 50,000-row transactions, WAL, synchronous=FULL), in the
//    same run. ingest_raw_sqlite_append_only_rows_per_s is the same insert
//    without the key index, for scale.

#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "client/commands/submit_command.h"
#include "client/geo/postcode_lookup.h"
#include "client/mapping/mapping_profile.h"
#include "client/pipeline/record_pipeline.h"
#include "client/pipeline/submission_client.h"
#include "client/pipeline/synthetic_export.h"
#include "common/keys/linkage_key.h"
#include "common/status/check.h"
#include "equilink/v1/submission.grpc.pb.h"
#include "tests/bench/bench_util.h"
#include "tests/integration/gateway_harness.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

ABSL_FLAG(std::string, build_dir, "build", "Build directory (unused here)");
ABSL_FLAG(std::string, source_dir, ".", "Repository root (unused here)");
ABSL_FLAG(int, e2e_rows, 1000000, "Rows in the end-to-end export");
ABSL_FLAG(int, e2e_repeats, 3,
          "End-to-end runs, each into a fresh gateway; the median is reported");
ABSL_FLAG(int, ingest_rows, 400000, "Records the ingest load client sends");
ABSL_FLAG(int, ingest_streams, 4,
          "Concurrent streams of the ingest load client");

namespace equilink::bench {
namespace {

using testing::kCharitylogOrg;
using testing::SourcePath;
using testing::TestPki;

// A gateway configuration in `dir` with the example agreement active for the
// submitter, as in production. The rate limit is raised far above what one
// machine can ingest: the benchmark measures the path's capacity, and the
// limit's check still runs on every batch.
v1::GatewayConfig BenchGatewayConfig(const testing::TempDir& dir) {
  v1::GatewayConfig config = testing::MakeGatewayConfig(dir.path());
  config.mutable_governance()->set_rate_limit_records_per_second(1000000000);
  config.mutable_governance()->set_rate_limit_burst_records(1000000000);
  EQ_CHECK(testing::InstallActiveAgreement(
               config.store().sqlite_path(),
               testing::ExampleSubmissionAgreement(kCharitylogOrg))
               .ok());
  return config;
}

testing::GatewayProcess StartGateway(const testing::TempDir& dir) {
  v1::GatewayConfig config = BenchGatewayConfig(dir);
  const std::string config_path =
      testing::WriteGatewayConfig(config, dir.File("gateway.textproto"));
  return OrDie(testing::StartGatewayProcess(config_path, dir.File("port"),
                                            dir.File("gateway.log")));
}

// Stops the gateway and returns its peak RSS in KiB (VmHWM just before it
// exits).
long StopGateway(testing::GatewayProcess& gateway) {
  const long peak_kb = gateway.process.PeakRssKb();
  gateway.process.Signal(SIGTERM);
  OrDie(gateway.process.Wait(absl::Seconds(60)));
  return peak_kb;
}

// Asks the gateway for a submission's status, which first has it index every
// appended record (see server/store/record_index.h). Timings end after this,
// so they include the deferred indexing work and not only the durable appends.
uint64_t RecordsStoredAfterIndexing(int port,
                                    const std::string& submission_id) {
  auto stub = v1::SubmissionService::NewStub(
      testing::MakeChannel(port, TestPki::Get().ClientFiles(kCharitylogOrg)));
  grpc::ClientContext context;
  v1::GetSubmissionStatusRequest request;
  request.set_submission_id(submission_id);
  v1::SubmissionStatus status;
  EQ_CHECK(stub->GetSubmissionStatus(&context, request, &status).ok());
  return status.records_stored();
}

std::string DemoPostcodeLookup() {
  return SourcePath("deploy/data/postcode_lookup_demo.csv");
}

// Writes a synthetic Charitylog-layout export of `rows` rows to `path`.
void WriteExport(int rows, int seed, const std::string& path) {
  client::SyntheticExportOptions synth;
  synth.rows = rows;
  synth.seed = seed;
  synth.postcode_lookup_path = DemoPostcodeLookup();
  EQ_CHECK(client::WriteSyntheticExport(synth, path).ok());
}

struct EndToEndRun {
  double seconds = 0;
  long client_kb = 0;
  long gateway_kb = 0;
};

EndToEndRun EndToEndOnce(const std::string& export_path) {
  testing::TempDir dir;
  testing::GatewayProcess gateway = StartGateway(dir);
  const v1::TlsFiles tls = TestPki::Get().ClientFiles(kCharitylogOrg);
  std::vector<std::string> argv = {
      EQUILINK_CLIENT_BINARY,
      "submit",
      "--profile=" + SourcePath("client/profiles/charitylog.textproto"),
      "--input=" + export_path,
      "--postcode_lookup=" + DemoPostcodeLookup(),
      "--linkage_key=" + testing::TestLinkageKeyPath(),
      absl::StrCat("--gateway=127.0.0.1:", gateway.port),
      "--ca=" + tls.ca_file(),
      "--cert=" + tls.certificate_file(),
      "--key=" + tls.private_key_file(),
      "--threads=2",
      "--batch_rows=2000",
      absl::StrCat("--purpose=", testing::kExamplePurpose)};
  testing::ExitInfo exit;
  long client_kb = 0;
  long gateway_kb = 0;
  const double seconds = TimeSeconds([&] {
    testing::Subprocess client =
        OrDie(testing::Subprocess::Start(argv, dir.File("client.log")));
    // VmHWM is a high-water mark of the exec'd image, so polling it while the
    // client runs catches its peak. (ru_maxrss would also count the forked copy
    // of this process.)
    while (true) {
      client_kb = std::max(client_kb, client.PeakRssKb());
      gateway_kb = std::max(gateway_kb, gateway.process.PeakRssKb());
      absl::StatusOr<testing::ExitInfo> done =
          client.Wait(absl::Milliseconds(20));
      if (done.ok()) {
        exit = *done;
        break;
      }
    }
    RecordsStoredAfterIndexing(gateway.port, "e2e-drain");
  });
  gateway_kb = std::max(gateway_kb, StopGateway(gateway));
  std::printf("%s", testing::ReadFileOrEmpty(dir.File("client.log")).c_str());
  EQ_CHECK(exit.exit_code == 0);
  return EndToEndRun{seconds, client_kb, gateway_kb};
}

void EndToEnd(int rows, int repeats) {
  testing::TempDir dir;
  const std::string export_path = dir.File("export.csv");
  WriteExport(rows, 11, export_path);
  std::vector<double> rates;
  long client_kb = 0;
  long gateway_kb = 0;
  for (int i = 0; i < std::max(1, repeats); ++i) {
    const EndToEndRun run = EndToEndOnce(export_path);
    rates.push_back(rows / run.seconds);
    client_kb = std::max(client_kb, run.client_kb);
    gateway_kb = std::max(gateway_kb, run.gateway_kb);
    std::printf("end-to-end run %d: %.0f records/s\n", i, rates.back());
  }
  Figure("submit_e2e_records_per_s", Median(rates));
  Figure("submit_client_peak_rss_mb", client_kb / 1024.0);
  Figure("submit_gateway_peak_rss_mb", gateway_kb / 1024.0);
}

double CpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct GatewayRun {
  double records_per_s = 0;
  double cpu_us_per_record = 0;  // the gateway's CPU (this process's)
};

// One `equilink submit` of the export into a gateway in this process, with or
// without governance. In-process because switching governance off is a C++
// start option only (GatewayServer::StartOptions): no configuration file or
// flag can ask the gateway binary for it.
GatewayRun InProcessOnce(const std::string& export_path, bool governance) {
  testing::TempDir dir;
  const v1::GatewayConfig config = BenchGatewayConfig(dir);
  std::unique_ptr<api::GatewayServer> gateway = OrDie(api::GatewayServer::Start(
      config, api::GatewayServer::StartOptions{.governance = governance}));
  const v1::TlsFiles tls = TestPki::Get().ClientFiles(kCharitylogOrg);
  const std::vector<std::string> argv = {
      EQUILINK_CLIENT_BINARY,
      "submit",
      "--profile=" + SourcePath("client/profiles/charitylog.textproto"),
      "--input=" + export_path,
      "--postcode_lookup=" + DemoPostcodeLookup(),
      "--linkage_key=" + testing::TestLinkageKeyPath(),
      absl::StrCat("--gateway=127.0.0.1:", gateway->port()),
      "--ca=" + tls.ca_file(),
      "--cert=" + tls.certificate_file(),
      "--key=" + tls.private_key_file(),
      "--threads=2",
      "--batch_rows=2000",
      absl::StrCat("--purpose=", testing::kExamplePurpose)};
  uint64_t stored = 0;
  const double cpu_before = CpuSeconds();
  const double seconds = TimeSeconds([&] {
    testing::Subprocess client =
        OrDie(testing::Subprocess::Start(argv, dir.File("client.log")));
    const testing::ExitInfo exit = OrDie(client.Wait(absl::Minutes(10)));
    EQ_CHECK(exit.exit_code == 0);
    stored = RecordsStoredAfterIndexing(gateway->port(), "e2e-drain");
  });
  const double cpu = CpuSeconds() - cpu_before;
  gateway->Shutdown();
  std::printf("%s", testing::ReadFileOrEmpty(dir.File("client.log")).c_str());
  const long rows = absl::GetFlag(FLAGS_e2e_rows);
  return GatewayRun{rows / seconds, cpu * 1e6 / rows};
}

// governance_overhead_ratio: the end-to-end rate with every agreement check
// and the audit entry per batch, divided by the same without them, runs
// alternating so drift in the machine hits both alike; medians.
void GovernanceOverhead(int rows, int repeats) {
  testing::TempDir dir;
  const std::string export_path = dir.File("export.csv");
  WriteExport(rows, 11, export_path);
  std::vector<double> governed, ungoverned, governed_cpu, ungoverned_cpu;
  for (int i = 0; i < std::max(1, repeats); ++i) {
    for (bool governance : {false, true}) {
      const GatewayRun run = InProcessOnce(export_path, governance);
      (governance ? governed : ungoverned).push_back(run.records_per_s);
      (governance ? governed_cpu : ungoverned_cpu)
          .push_back(run.cpu_us_per_record);
      std::printf(
          "in-process run %d, governance %s: %.0f records/s, %.2f us "
          "gateway CPU per record\n",
          i, governance ? "on" : "off", run.records_per_s,
          run.cpu_us_per_record);
    }
  }
  Figure("submit_e2e_governed_records_per_s", Median(governed));
  Figure("submit_e2e_ungoverned_records_per_s", Median(ungoverned));
  Figure("governance_overhead_ratio", Median(governed) / Median(ungoverned));
  Figure("gateway_cpu_us_per_record_governed", Median(governed_cpu));
  Figure("gateway_cpu_us_per_record_ungoverned", Median(ungoverned_cpu));
}

// Pseudonymised batches, made once by the real client pipeline and held in
// memory.
std::vector<v1::SubmissionBatch> MakeBatches(int rows,
                                             const testing::TempDir& dir) {
  const std::string export_path = dir.File("ingest_export.csv");
  WriteExport(rows, 13, export_path);
  const v1::MappingProfile profile = OrDie(client::LoadMappingProfile(
      SourcePath("client/profiles/charitylog.textproto")));
  auto postcodes = OrDie(client::PostcodeLookup::Load(DemoPostcodeLookup()));
  LinkageKey key =
      OrDie(LinkageKey::ReadFromFile(testing::TestLinkageKeyPath()));
  auto pseudonymiser = OrDie(RecordPseudonymiser::Create(key));
  client::PipelineOptions options;
  options.input_path = export_path;
  options.rows_per_batch = 2000;
  options.pseudonymiser = pseudonymiser.get();
  auto pipeline =
      OrDie(client::RecordPipeline::Start(profile, postcodes.get(), options));
  std::vector<v1::SubmissionBatch> batches;
  client::PipelineBatch batch;
  while (OrDie(pipeline->Next(&batch))) {
    batch.outgoing.batch.set_key_id(key.key_id());
    batch.outgoing.batch.set_dataset_id(profile.dataset_id());
    batch.outgoing.batch.set_purpose_id(testing::kExamplePurpose);
    batches.push_back(std::move(batch.outgoing.batch));
  }
  return batches;
}

double RawSqliteRowsPerSecond(const std::vector<v1::SubmissionBatch>& batches,
                              const std::string& path, bool index_keys) {
  sqlite3* db = nullptr;
  EQ_CHECK(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  auto exec = [db](const char* sql) {
    EQ_CHECK(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
  };
  // The store's own file settings, so that the ratio compares code, not tuning.
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=FULL");
  exec("PRAGMA cache_size=-65536");
  exec("PRAGMA wal_autocheckpoint=10000");
  // The store's tables (schema.cc, version 2) and the same end state: every
  // row appended and its key indexed, written the plain way (each row and its
  // key in turn, 50,000 rows per transaction).
  exec(
      "CREATE TABLE records (record_id INTEGER PRIMARY KEY, org_code TEXT NOT "
      "NULL, record_pseudonym BLOB NOT NULL, submission_id TEXT NOT NULL, "
      "sequence INTEGER NOT NULL, payload BLOB NOT NULL, stored_at INTEGER NOT "
      "NULL) STRICT");
  if (index_keys) {
    exec(
        "CREATE TABLE record_keys (org_code TEXT NOT NULL, record_pseudonym "
        "BLOB NOT NULL, record_id INTEGER NOT NULL, PRIMARY KEY (org_code, "
        "record_pseudonym)) STRICT, WITHOUT ROWID");
  }
  // Serialized once, outside the timing: the baseline is SQLite alone.
  std::vector<std::pair<std::string, std::string>> rows;
  for (const v1::SubmissionBatch& batch : batches) {
    for (const v1::PseudonymisedRecord& record : batch.records()) {
      rows.emplace_back(record.record_pseudonym(), record.SerializeAsString());
    }
  }
  sqlite3_stmt* insert = nullptr;
  EQ_CHECK(sqlite3_prepare_v2(
               db,
               "INSERT INTO records (org_code, record_pseudonym, "
               "submission_id, sequence, payload, stored_at) VALUES('8HX12', "
               "?, 'raw', ?, ?, 0)",
               -1, &insert, nullptr) == SQLITE_OK);
  sqlite3_stmt* index = nullptr;
  if (index_keys) {
    EQ_CHECK(sqlite3_prepare_v2(db,
                                "INSERT INTO record_keys VALUES('8HX12', ?, "
                                "last_insert_rowid())",
                                -1, &index, nullptr) == SQLITE_OK);
  }
  const double seconds = TimeSeconds([&] {
    for (size_t i = 0; i < rows.size(); ++i) {
      if (i % 50000 == 0) exec("BEGIN");
      sqlite3_bind_blob(insert, 1, rows[i].first.data(),
                        static_cast<int>(rows[i].first.size()), SQLITE_STATIC);
      sqlite3_bind_int64(insert, 2, static_cast<int64_t>(i / 2000));
      sqlite3_bind_blob(insert, 3, rows[i].second.data(),
                        static_cast<int>(rows[i].second.size()), SQLITE_STATIC);
      EQ_CHECK(sqlite3_step(insert) == SQLITE_DONE);
      sqlite3_reset(insert);
      if (index != nullptr) {
        sqlite3_bind_blob(index, 1, rows[i].first.data(),
                          static_cast<int>(rows[i].first.size()),
                          SQLITE_STATIC);
        EQ_CHECK(sqlite3_step(index) == SQLITE_DONE);
        sqlite3_reset(index);
      }
      if (i % 50000 == 49999 || i + 1 == rows.size()) exec("COMMIT");
    }
  });
  sqlite3_finalize(index);
  sqlite3_finalize(insert);
  sqlite3_close(db);
  return rows.size() / seconds;
}

void Ingest(int rows, int streams) {
  testing::TempDir dir;
  const std::vector<v1::SubmissionBatch> batches = MakeBatches(rows, dir);
  long records = 0;
  for (const v1::SubmissionBatch& batch : batches)
    records += batch.records_size();
  testing::GatewayProcess gateway = StartGateway(dir);
  auto channel = testing::MakeChannel(
      gateway.port, TestPki::Get().ClientFiles(kCharitylogOrg));
  std::atomic<long> acknowledged{0};
  const double seconds = TimeSeconds([&] {
    std::vector<std::thread> senders;
    for (int s = 0; s < streams; ++s) {
      senders.emplace_back([&, s] {
        client::SubmissionClient client(channel, {});
        size_t next = s;
        client::BatchSource source =
            [&](client::OutgoingBatch* out) -> absl::StatusOr<bool> {
          if (next >= batches.size()) return false;
          out->batch = batches[next];
          out->batch.set_submission_id(absl::StrCat("ingest-bench-", s));
          out->batch.set_sequence(next);
          out->record_rows.clear();
          next += streams;
          return true;
        };
        client::AckSink sink = [&](const v1::BatchAck& ack,
                                   const std::vector<int>&) {
          acknowledged += ack.records_accepted();
        };
        absl::Status status = client.Stream(source, sink);
        EQ_CHECK(status.ok());
      });
    }
    for (std::thread& sender : senders) sender.join();
    EQ_CHECK(RecordsStoredAfterIndexing(gateway.port, "ingest-bench-0") > 0);
  });
  StopGateway(gateway);
  EQ_CHECK(acknowledged.load() == records);
  const double ingest_rate = records / seconds;
  const double raw_rate =
      RawSqliteRowsPerSecond(batches, dir.File("raw.db"), /*index_keys=*/true);
  const double append_only_rate = RawSqliteRowsPerSecond(
      batches, dir.File("raw-append.db"), /*index_keys=*/false);
  std::printf(
      "ingest: %ld records in %.3f s on %d streams; raw SQLite %.0f rows/s "
      "(appends alone %.0f rows/s)\n",
      records, seconds, streams, raw_rate, append_only_rate);
  Figure("ingest_records_per_s", ingest_rate);
  Figure("ingest_raw_sqlite_rows_per_s", raw_rate);
  Figure("ingest_raw_sqlite_append_only_rows_per_s", append_only_rate);
  Figure("ingest_vs_raw_sqlite_ratio", ingest_rate / raw_rate);
}

}  // namespace
}  // namespace equilink::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  std::printf("machine: %s\n", equilink::bench::MachineDescription().c_str());
  // End to end first: the ingest part holds its batches in this process's
  // memory.
  equilink::bench::EndToEnd(absl::GetFlag(FLAGS_e2e_rows),
                            absl::GetFlag(FLAGS_e2e_repeats));
  equilink::bench::GovernanceOverhead(absl::GetFlag(FLAGS_e2e_rows),
                                      absl::GetFlag(FLAGS_e2e_repeats));
  equilink::bench::Ingest(absl::GetFlag(FLAGS_ingest_rows),
                          absl::GetFlag(FLAGS_ingest_streams));
  return 0;
}
