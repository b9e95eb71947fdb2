// load_bench: eight organisations' clients submitting at once (issue 6:
// load_8_clients_records_per_s >= 50,000, load_p99_ack_ms <= 250,
// gateway_peak_rss_mb <= 512).
//
// The real equilink-gateway binary (its own process, so its peak RSS is its
// own) with mutual TLS on 127.0.0.1, durable commits (synchronous=FULL), the
// agreement checks and an audit entry per batch. --clients threads in this
// process each run `equilink submit`'s own code (client::RunSubmit: read,
// validate, pseudonymise, stream) over a synthetic export of
// --records / --clients rows; exports of the same organisation hold disjoint
// record ids, so every record is new. The clock runs from the first client
// starting to the last acknowledgement. Ack latency is from a batch being
// handed to the stream to its acknowledgement arriving, over every batch.
//
// The clients run at a lower CPU priority (nice 10) than the gateway. In
// use they run on their organisations' own machines; here they share two
// cores with it, and without this the ack latency measured mostly how long
// the gateway's writer waited for a core behind eight clients' hashing. The
// throughput still counts all of both sides' work on the same two cores, and
// --clients_nice=0 gives the shared-priority figure.
//
// The linkage worker is off: it would link the million records in the same
// process while they arrive, and its memory (linkage_bench's
// incremental_peak_rss_mb) and CPU belong to another figure. The rate limit
// is raised above what one machine can send; its check still runs.
//
// Figures: load_8_clients_records_per_s, load_p50_ack_ms, load_p99_ack_ms,
// gateway_peak_rss_mb, load_retries.

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "client/commands/submit_command.h"
#include "tests/bench/bench_util.h"
#include "tests/integration/gateway_harness.h"
#include "tests/testing/temp_dir.h"

ABSL_FLAG(int, records, 1000000, "Records submitted in total");
ABSL_FLAG(int, clients, 8, "Concurrent clients");
ABSL_FLAG(int, rows_per_batch, 500, "Rows per batch");
ABSL_FLAG(int, max_unacknowledged, 2,
          "Batches each client may have sent and not had acknowledged");
ABSL_FLAG(int, clients_nice, 10,
          "Nice value of the client threads (0: the same as the gateway)");
ABSL_FLAG(std::string, build_dir, "build", "Build directory (unused here)");
ABSL_FLAG(std::string, source_dir, ".", "Repository root (unused here)");

namespace equilink::bench {
namespace {

using testing::SourcePath;

// utime + stime of a running process, from /proc/<pid>/stat.
double ProcessCpuSeconds(pid_t pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  std::getline(stat, line);
  // Fields after the command name, which is parenthesised and may hold
  // spaces: state is field 3, utime 14, stime 15.
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::vector<std::string> fields = absl::StrSplit(
      absl::string_view(line).substr(close + 2), ' ', absl::SkipEmpty());
  if (fields.size() < 13) return 0;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return (std::stod(fields[11]) + std::stod(fields[12])) / ticks;
}

// Commits queue behind an index pass: the longest one is a floor for the
// worst ack latency. The store logs its passes when it closes.
void PrintIndexPasses(const std::string& gateway_log) {
  std::ifstream log(gateway_log);
  for (std::string line; std::getline(log, line);) {
    const size_t closed = line.find("store closed: ");
    if (closed != std::string::npos) {
      std::printf("%s\n", line.substr(closed).c_str());
    }
  }
}

int Main() {
  const int clients = absl::GetFlag(FLAGS_clients);
  const int rows_per_client = absl::GetFlag(FLAGS_records) / clients;
  testing::TempDir dir;
  v1::GatewayConfig config = testing::MakeGatewayConfig(dir.path());
  config.mutable_governance()->set_rate_limit_records_per_second(1000000000);
  config.mutable_governance()->set_rate_limit_burst_records(1000000000);
  config.mutable_linkage()->set_disabled(true);
  for (const char* organisation :
       {testing::kCharitylogOrg, testing::kLamplightOrg}) {
    OrDie(testing::InstallActiveAgreement(
        config.store().sqlite_path(),
        testing::ExampleSubmissionAgreement(organisation)));
  }
  const std::string config_path =
      testing::WriteGatewayConfig(config, dir.File("gateway.textproto"));
  testing::GatewayProcess gateway = OrDie(testing::StartGatewayProcess(
      config_path, dir.File("port"), dir.File("gateway.log")));

  if (absl::GetFlag(FLAGS_clients_nice) > 0) {
    // On Linux this sets the calling thread's nice value, and every thread
    // started from it (the clients' and gRPC's) inherits it; the gateway,
    // already started, keeps its own.
    if (setpriority(PRIO_PROCESS, 0, absl::GetFlag(FLAGS_clients_nice)) != 0) {
      std::perror("setpriority");
      return 1;
    }
  }

  std::vector<client::SubmitOptions> runs;
  for (int i = 0; i < clients; ++i) {
    const std::string organisation =
        i % 2 == 0 ? testing::kCharitylogOrg : testing::kLamplightOrg;
    const std::string path = dir.File(absl::StrCat("export-", i, ".csv"));
    testing::WriteSyntheticCharitylogExport(
        path, rows_per_client, 500 + i,
        static_cast<int64_t>(i / 2) * rows_per_client);
    client::SubmitOptions options;
    options.export_options.input_path = path;
    options.export_options.profile_path =
        SourcePath("client/profiles/charitylog.textproto");
    options.export_options.postcode_lookup_path =
        SourcePath("deploy/data/postcode_lookup_demo.csv");
    options.export_options.rows_per_batch = absl::GetFlag(FLAGS_rows_per_batch);
    options.export_options.threads = 1;
    options.export_options.rejects_path =
        dir.File(absl::StrCat("rejects-", i, ".csv"));
    options.linkage_key_path = testing::TestLinkageKeyPath();
    options.gateway_address = absl::StrCat("127.0.0.1:", gateway.port);
    options.tls = testing::TestPki::Get().ClientFiles(organisation);
    options.purpose_id = testing::kExamplePurpose;
    options.max_unacknowledged_batches =
        absl::GetFlag(FLAGS_max_unacknowledged);
    runs.push_back(std::move(options));
  }

  std::mutex mu;
  std::vector<double> latencies_ms;
  std::vector<std::map<uint64_t, absl::Time>> sent(clients);
  std::atomic<int64_t> accepted{0};
  std::atomic<int> retries{0};
  std::atomic<bool> failed{false};
  const absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    runs[i].send_observer = [&, i](uint64_t sequence) {
      std::lock_guard<std::mutex> lock(mu);
      sent[i][sequence] = absl::Now();
    };
    runs[i].ack_observer = [&, i](const v1::BatchAck& ack) {
      const absl::Time now = absl::Now();
      std::lock_guard<std::mutex> lock(mu);
      auto it = sent[i].find(ack.sequence());
      if (it == sent[i].end()) return;
      latencies_ms.push_back(absl::ToDoubleMilliseconds(now - it->second));
      sent[i].erase(it);
    };
    threads.emplace_back([&, i] {
      absl::StatusOr<client::RunReport> report = client::RunSubmit(runs[i]);
      if (!report.ok()) {
        std::fprintf(stderr, "client %d: %s\n", i,
                     report.status().ToString().c_str());
        failed = true;
        return;
      }
      accepted += report->records_accepted;
      retries += report->retries;
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const long peak_kb = gateway.process.PeakRssKb();
  const double gateway_cpu_seconds = ProcessCpuSeconds(gateway.process.pid());
  gateway.process.Signal(SIGTERM);
  OrDie(gateway.process.Wait(absl::Seconds(60)));
  if (failed) return 1;
  // Both sides share this machine's cores: how the CPU split explains the
  // latencies as much as anything the gateway does.
  std::printf("CPU seconds: gateway %.1f, clients %.1f, over %.1f s wall\n",
              gateway_cpu_seconds, ProcessCpuSeconds(getpid()), seconds);
  PrintIndexPasses(dir.File("gateway.log"));

  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto percentile = [&](double p) {
    if (latencies_ms.empty()) return 0.0;
    const size_t index = std::min(
        latencies_ms.size() - 1,
        static_cast<size_t>(p * static_cast<double>(latencies_ms.size())));
    return latencies_ms[index];
  };
  std::printf("%lld records from %d clients in %.2f s; %zu batches\n",
              static_cast<long long>(accepted.load()), clients, seconds,
              latencies_ms.size());
  Figure("load_8_clients_records_per_s",
         static_cast<double>(accepted.load()) / seconds);
  Figure("load_p50_ack_ms", percentile(0.50));
  Figure("load_p99_ack_ms", percentile(0.99));
  Figure("gateway_peak_rss_mb", static_cast<double>(peak_kb) / 1024.0);
  Figure("load_retries", retries.load());
  return 0;
}

}  // namespace
}  // namespace equilink::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return equilink::bench::Main();
}
