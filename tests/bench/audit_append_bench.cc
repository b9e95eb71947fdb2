// Audit log append rate with concurrent callers, with and without group
// commit (server/audit/audit_log.h), on a real file with synchronous=FULL:
//   FIGURE audit_appends_per_second_<threads>t_single <rate>   one entry per
//                                                              transaction
//   FIGURE audit_appends_per_second_<threads>t_group  <rate>   group commit
// Each figure is the median of --runs runs, each on a fresh log.

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "server/audit/audit_log.h"
#include "server/audit/checkpoint_signer.h"
#include "tests/bench/bench_util.h"
#include "tests/testing/temp_dir.h"

ABSL_FLAG(int, threads, 8, "concurrent appending threads");
ABSL_FLAG(int, appends_per_thread, 250, "appends each thread makes");
ABSL_FLAG(int, runs, 3, "runs per figure (the median is reported)");

namespace equilink::bench {
namespace {

v1::AuditEntry Decision(int n) {
  v1::AuditEntry entry;
  entry.mutable_principal()->set_organisation_code("X1A2B");
  entry.mutable_principal()->set_role("submitter");
  entry.set_action("submission.batch");
  entry.set_decision(v1::AUDIT_ALLOW);
  entry.set_agreement_id("dsa-vcse-01");
  entry.set_agreement_version(3);
  entry.set_agreement_version_hash(std::string(32, '\x5a'));
  entry.mutable_counts()->set_records_accepted(100);
  entry.set_request_id(absl::StrCat("sub-", n));
  return entry;
}

double AppendsPerSecond(size_t max_group_entries) {
  testing::TempDir dir;
  const std::string key = dir.File("audit-signing.pem");
  if (!audit::CheckpointSigner::GenerateKeyFile(key).ok()) std::exit(1);
  audit::AuditLog::Options options;
  options.path = dir.File("audit.db");
  options.max_group_entries = max_group_entries;
  std::unique_ptr<audit::AuditLog> log = OrDie(audit::AuditLog::Open(
      options, OrDie(audit::CheckpointSigner::LoadFromFile(key))));
  const int threads = absl::GetFlag(FLAGS_threads);
  const int per_thread = absl::GetFlag(FLAGS_appends_per_thread);
  const double seconds = TimeSeconds([&] {
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&log, t, per_thread] {
        for (int i = 0; i < per_thread; ++i) {
          OrDie(log->Append(Decision(t * per_thread + i)));
        }
      });
    }
    for (std::thread& worker : workers) worker.join();
  });
  return threads * per_thread / seconds;
}

}  // namespace
}  // namespace equilink::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using equilink::bench::AppendsPerSecond;
  const int threads = absl::GetFlag(FLAGS_threads);
  for (const auto& [label, group] :
       {std::pair<const char*, size_t>{"single", 1}, {"group", 256}}) {
    std::vector<double> rates;
    for (int run = 0; run < absl::GetFlag(FLAGS_runs); ++run) {
      rates.push_back(AppendsPerSecond(group));
    }
    equilink::bench::Figure(
        absl::StrCat("audit_appends_per_second_", threads, "t_", label),
        equilink::bench::Median(rates));
  }
  return 0;
}
