#include "server/audit/checkpoint_export.h"

#include <google/protobuf/util/json_util.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace equilink::audit {

absl::StatusOr<std::string> CheckpointsToJsonLines(
    absl::Span<const equilink::v1::AuditCheckpoint> checkpoints) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;  // one checkpoint per line
  options.preserve_proto_field_names = true;
  std::string out;
  for (const equilink::v1::AuditCheckpoint& checkpoint : checkpoints) {
    std::string line;
    if (!google::protobuf::util::MessageToJsonString(checkpoint, &line, options)
             .ok()) {
      return absl::InternalError("cannot print an audit checkpoint as JSON");
    }
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

absl::StatusOr<std::vector<equilink::v1::AuditCheckpoint>>
ParseCheckpointJsonLines(absl::string_view text) {
  std::vector<equilink::v1::AuditCheckpoint> checkpoints;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    equilink::v1::AuditCheckpoint checkpoint;
    if (!google::protobuf::util::JsonStringToMessage(
             google::protobuf::StringPiece(line.data(), line.size()),
             &checkpoint)
             .ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("checkpoint line ", line_number,
                       " is not valid JSON "
                       "for equilink.v1.AuditCheckpoint"));
    }
    checkpoints.push_back(std::move(checkpoint));
  }
  return checkpoints;
}

}  // namespace equilink::audit
