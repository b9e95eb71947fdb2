// crash_bench: the long crash campaign (issue 6: crash_kill_points_passed,
// goal: all of >= 200). The same campaign as `make test`'s short one
// (tests/integration/crash_campaign.h), with --kill_points kills.
//
// Figures: crash_kill_points_passed, crash_kill_points_run,
// crash_named_points_reached, crash_final_checks_failed,
// crash_batches_acknowledged, crash_campaign_seconds.

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "tests/bench/bench_util.h"
#include "tests/integration/crash_campaign.h"
#include "tests/testing/temp_dir.h"

ABSL_FLAG(int, kill_points, 200, "Kills of the gateway");
ABSL_FLAG(int, clients, 4, "Concurrent submitting clients");
ABSL_FLAG(int, rows_per_export, 2000, "Rows in each client's exports");
ABSL_FLAG(uint64_t, seed, 20261207, "Chooses the kill points");
ABSL_FLAG(std::string, build_dir, "build", "Build directory (unused here)");
ABSL_FLAG(std::string, source_dir, ".", "Repository root (unused here)");

namespace equilink::bench {
namespace {

int Main() {
  testing::TempDir dir;
  testing::CrashCampaignOptions options;
  options.dir = dir.File("campaign");
  options.kill_points = absl::GetFlag(FLAGS_kill_points);
  options.clients = absl::GetFlag(FLAGS_clients);
  options.rows_per_export = absl::GetFlag(FLAGS_rows_per_export);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.progress = [](const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  };
  const testing::CrashCampaignReport report =
      OrDie(testing::RunCrashCampaign(options));
  for (const testing::KillPointOutcome& kill : report.kill_points) {
    for (const std::string& failure : kill.failures) {
      std::printf("after %s @%lld: %s\n", kill.point.c_str(),
                  static_cast<long long>(kill.at), failure.c_str());
    }
  }
  for (const std::string& failure : report.final_failures) {
    std::printf("final: %s\n", failure.c_str());
  }
  Figure("crash_kill_points_passed", report.kill_points_passed);
  Figure("crash_kill_points_run",
         static_cast<double>(report.kill_points.size()));
  Figure("crash_named_points_reached", report.named_points_reached);
  Figure("crash_final_checks_failed",
         static_cast<double>(report.final_failures.size()));
  Figure("crash_batches_acknowledged",
         static_cast<double>(report.batches_acknowledged));
  Figure("crash_campaign_seconds", report.seconds);
  return report.final_failures.empty() &&
                 report.kill_points_passed ==
                     static_cast<int>(report.kill_points.size())
             ? 0
             : 1;
}

}  // namespace
}  // namespace equilink::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return equilink::bench::Main();
}
