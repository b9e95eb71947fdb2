#ifndef EQUILINK_COMMON_RPC_STATUS_GRPC_H_
#define EQUILINK_COMMON_RPC_STATUS_GRPC_H_

// The one place where absl::Status and grpc::Status meet. Everything inside the
// gateway and the client works in absl::Status; handlers convert at the RPC
// edge with ToGrpcStatus, and the client converts what it receives with
// FromGrpcStatus. The canonical codes are the same numbers in both, so the
// conversion is a cast.

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace equilink {

// The status a handler answers with. The code is carried over unchanged. For
// kInternal, kUnknown and kDataLoss the peer gets only a generic message with a
// random correlation id, and the detail is logged here with the same id: those
// messages describe the server's own state (file paths, SQLite errors), which
// is no business of the caller's, and the id lets an operator find the log line
// a user reports. Other codes keep their message; by the project's rule no
// status message ever holds an identifier, a token or record content.
// Thread-safe.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The status a client received. A code outside the canonical range becomes
// kUnknown. Thread-safe.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace equilink

#endif  // EQUILINK_COMMON_RPC_STATUS_GRPC_H_
