// The short crash campaign (tests/integration/crash_campaign.h): 20 kills of
// the real gateway while four clients submit, each followed by the checks
// there. `make bench` runs the long one (tests/bench/crash_bench.cc).

#include <cstdio>

#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "tests/integration/crash_campaign.h"
#include "tests/testing/temp_dir.h"

namespace equilink::testing {
namespace {

TEST(CrashCampaignTest, TwentyKillsLoseNothingAndStoreNothingTwice) {
  TempDir dir;
  CrashCampaignOptions options;
  options.dir = dir.File("campaign");
  options.kill_points = 20;
  options.rows_per_export = 1000;
  options.seed = 20261207;
  options.progress = [](const std::string& line) {
    std::fprintf(stderr, "%s\n", line.c_str());
  };
  absl::StatusOr<CrashCampaignReport> report = RunCrashCampaign(options);
  ASSERT_TRUE(report.ok()) << report.status();
  for (const KillPointOutcome& kill : report->kill_points) {
    EXPECT_TRUE(kill.killed) << kill.point;
    EXPECT_TRUE(kill.failures.empty()) << kill.point << " @" << kill.at << ": "
                                       << absl::StrJoin(kill.failures, "; ");
  }
  EXPECT_EQ(report->kill_points_passed, 20);
  // Most kills are named points reached (the rest timers or fallbacks), so
  // the campaign does kill inside commits, index passes, audit appends and
  // linkage writes.
  int named = 0;
  for (const KillPointOutcome& kill : report->kill_points) {
    if (kill.point != "timer") ++named;
  }
  EXPECT_GE(report->named_points_reached, named * 3 / 4);
  EXPECT_TRUE(report->final_failures.empty())
      << absl::StrJoin(report->final_failures, "; ");
  EXPECT_GT(report->batches_acknowledged, 0);
  EXPECT_EQ(report->records_stored, 2 * options.rows_per_export);
}

}  // namespace
}  // namespace equilink::testing
