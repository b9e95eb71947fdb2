#ifndef EQUILINK_SERVER_AUDIT_CHECKPOINT_EXPORT_H_
#define EQUILINK_SERVER_AUDIT_CHECKPOINT_EXPORT_H_

// Checkpoints as JSON lines, one AuditCheckpoint per line in protobuf's JSON
// mapping (bytes in base64), for publishing to a second party (an ICS IG
// team, a VCSE consortium) who can later hold the operator to them: a log
// rewritten after a checkpoint was published no longer matches it.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "equilink/v1/audit.pb.h"

namespace equilink::audit {

// One line per checkpoint, each ending in '\n'. kInternal if protobuf cannot
// print a message (it never should).
absl::StatusOr<std::string> CheckpointsToJsonLines(
    absl::Span<const equilink::v1::AuditCheckpoint> checkpoints);

// The inverse; blank lines are skipped. InvalidArgument names the first line
// that does not parse.
absl::StatusOr<std::vector<equilink::v1::AuditCheckpoint>>
ParseCheckpointJsonLines(absl::string_view text);

}  // namespace equilink::audit

#endif  // EQUILINK_SERVER_AUDIT_CHECKPOINT_EXPORT_H_
