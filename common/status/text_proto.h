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
// 1-based line and column of the first error, or naming the first string
// field that is not valid UTF-8 (see CheckStringFieldsAreUtf8).
absl::Status ParseTextProto(absl::string_view text,
                            google::protobuf::Message* message);

// OK when every `string` field set in `message`, at any depth, holds valid
// UTF-8; otherwise InvalidArgument naming the field, never its value.
// Protobuf's text-format and JSON parsers accept any bytes in a string
// (escapes such as "\377"), but its binary parser refuses invalid UTF-8, so
// such a message serialises into bytes that cannot be read back: a stored
// agreement would no longer load, and a request built from it would be
// refused by the gateway as unparseable. Call after any parser that is not
// the binary one.
absl::Status CheckStringFieldsAreUtf8(const google::protobuf::Message& message);

}  // namespace equilink

#endif  // EQUILINK_COMMON_STATUS_TEXT_PROTO_H_
