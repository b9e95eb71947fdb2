#ifndef EQUILINK_COMMON_FAULT_CRASH_POINT_H_
#define EQUILINK_COMMON_FAULT_CRASH_POINT_H_

// Named points where crash testing kills the gateway (SIGKILL, as a power cut
// or the OOM killer would), so the crash campaign
// (tests/integration/crash_campaign.h) can stop it in the middle of a group
// commit, an index pass, an audit append or a linkage write rather than only
// wherever a timer happens to land.
//
// Armed only by the environment: EQUILINK_CRASH_AT=<point>:<n> kills the
// process the n-th time it reaches <point> (n >= 1). In every other run a
// point costs one load of a bool read once at start. It can do nothing an
// operator's `kill -9` cannot, and the variable is read from the gateway's
// own environment, which only its operator controls.
//
// The points, before/after the transaction that makes the step durable:
//   store.commit.before / store.commit.after      a group commit of batches
//   store.index.before                            an index pass
//   audit.append.before / audit.append.after      an audit entry
//   linkage.write.before / linkage.write.after    a linked batch of records

#include <string>
#include <vector>

namespace equilink::fault {

void CrashPoint(const char* point);

// Every point named above, for the campaign to choose from.
const std::vector<std::string>& KnownCrashPoints();

}  // namespace equilink::fault

#endif  // EQUILINK_COMMON_FAULT_CRASH_POINT_H_
