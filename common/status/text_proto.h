#ifndef EQUILINK_COMMON_STATUS_TEXT_PROTO_H_
#define EQUILINK_COMMON_STATUS_TEXT_PROTO_H_

// Text-format protobuf parsing with the error as a Status: configuration,
// agreements and the indicator catalogue are text-format files, and a typo in
// one must come back as "line L column C: what is wrong", not be printed to
// stderr by protobuf's default error collector.

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace equilink {

// Parses `text` into `message` (cleared first). InvalidArgument with the
// 1-based line and column of the first error.
absl::Status ParseTextProto(absl::string_view text,
                            google::protobuf::Message* message);

}  // namespace equilink

#endif  // EQUILINK_COMMON_STATUS_TEXT_PROTO_H_
