#include "common/rpc/status_grpc.h"

#include <openssl/rand.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/log/log.h"

namespace equilink {
namespace {

bool HidesDetailFromPeer(absl::StatusCode code) {
  return code == absl::StatusCode::kInternal ||
         code == absl::StatusCode::kUnknown ||
         code == absl::StatusCode::kDataLoss;
}

// 64 random bits in hex: enough to find one log line among a day's errors,
// unguessable so it reveals nothing about the server's state or error rate.
std::string NewCorrelationId() {
  std::array<unsigned char, 8> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // Only uniqueness matters here, not secrecy; fall back rather than fail
    // the error path itself.
    static std::atomic<uint64_t> counter{0};
    return absl::StrCat("c", counter.fetch_add(1));
  }
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  if (!HidesDetailFromPeer(status.code())) {
    return grpc::Status(code, std::string(status.message()));
  }
  const std::string id = NewCorrelationId();
  EQ_LOG(kError, "request failed, correlation id %s: %s", id,
         status.ToString());
  return grpc::Status(
      code, absl::StrCat("internal error in the gateway; quote correlation id ",
                         id, " to its operator"));
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  const int code = static_cast<int>(status.error_code());
  const bool canonical =
      code > 0 && code <= static_cast<int>(absl::StatusCode::kUnauthenticated);
  return absl::Status(canonical ? static_cast<absl::StatusCode>(code)
                                : absl::StatusCode::kUnknown,
                      status.error_message());
}

}  // namespace equilink
