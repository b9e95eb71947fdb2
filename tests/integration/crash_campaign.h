#ifndef EQUILINK_TESTS_INTEGRATION_CRASH_CAMPAIGN_H_
#define EQUILINK_TESTS_INTEGRATION_CRASH_CAMPAIGN_H_

// The crash campaign: several real clients submit to the real
// equilink-gateway binary while it is killed with SIGKILL again and again,
// and after every kill the files it left are checked before it is started
// again.
//
// Each kill point is either a named crash point (common/fault/crash_point.h:
// inside a group commit, an index pass, an audit append or a linkage write,
// reached the n-th time, n random) or, for a share of them, a SIGKILL sent
// after a random delay. After each kill, with the gateway down:
//   - every batch any client saw acknowledged is in the store (its batches
//     row, with the records the acknowledgement counted);
//   - nothing is stored twice: no record key appears twice among the indexed
//     records, every batch's live count matches its rows, and
//     PRAGMA integrity_check passes;
//   - the audit log's hash chain and signed checkpoints verify;
//   - linkage state is consistent: every indexed record at or below the
//     linkage cursor that the worker must have seen is linked.
// Then the gateway is started again (with the next kill point armed) and the
// clients re-run what they had not finished, exactly as an operator would.
// At the end, with nothing armed: every client's run completes, each
// submission holds exactly its rows, the linkage worker links every record,
// and all the checks above pass once more.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace equilink::testing {

struct CrashCampaignOptions {
  std::string dir;  // working directory: gateway files, exports, logs
  int kill_points = 20;
  // Concurrent submissions, alternating between the two test submitter
  // organisations; each client submits `exports_per_client` synthetic
  // exports of `rows_per_export` rows, one after another.
  int clients = 4;
  int exports_per_client = 2;
  int rows_per_export = 2000;
  int rows_per_batch = 100;
  // Share of kill points that are a timed SIGKILL rather than a named point.
  double timed_kill_share = 0.25;
  uint64_t seed = 1;
  // Called with a line per kill point (for a tool's progress output).
  std::function<void(const std::string&)> progress;
};

struct KillPointOutcome {
  std::string point;    // a crash point name, or "timer"
  int64_t at = 0;       // the hit that was armed, or the delay in ms
  bool killed = false;  // the gateway died (of the point, or of the timer)
  // For a named point: the gateway died of it, not of the fallback SIGKILL
  // sent when the point was not reached within 20 s.
  bool reached = false;
  std::vector<std::string> failures;  // checks that failed after it
};

struct CrashCampaignReport {
  std::vector<KillPointOutcome> kill_points;
  int kill_points_passed = 0;  // killed, and every check passed after it
  int named_points_reached = 0;
  std::vector<std::string> final_failures;  // checks after the last run
  int64_t batches_acknowledged = 0;
  int64_t records_stored = 0;  // at the end
  double seconds = 0;
};

// Errors only when the campaign itself cannot run (a gateway that will not
// start, files it cannot write); failed checks are in the report.
absl::StatusOr<CrashCampaignReport> RunCrashCampaign(
    const CrashCampaignOptions& options);

}  // namespace equilink::testing

#endif  // EQUILINK_TESTS_INTEGRATION_CRASH_CAMPAIGN_H_
