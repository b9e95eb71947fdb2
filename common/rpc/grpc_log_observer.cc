#include "common/rpc/grpc_log_observer.h"

#include <grpc/support/log.h>

#include <memory>
#include <mutex>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "common/log/log.h"

namespace equilink {
namespace {

absl::Mutex observer_mu(absl::kConstInit);
// A shared_ptr so a call in progress keeps its observer alive while another
// thread replaces it.
std::shared_ptr<const HandshakeRefusalObserver>* observer
    ABSL_GUARDED_BY(observer_mu) = nullptr;

void Forward(gpr_log_func_args* args) {
  const absl::string_view message =
      args->message == nullptr ? "" : absl::string_view(args->message);
  const std::optional<HandshakeRefusal> refusal =
      HandshakeRefusalFromGrpcLog(message);
  if (refusal.has_value()) {
    std::shared_ptr<const HandshakeRefusalObserver> current;
    {
      absl::MutexLock lock(&observer_mu);
      if (observer != nullptr) current = *observer;
    }
    if (current != nullptr && *current) (*current)(*refusal);
    // One line per refused connection would let anyone who can reach the
    // port flood the log; the observer's owner logs a counted summary.
    EQ_LOG(kDebug, "grpc: %s", message);
    return;
  }
  log::Severity severity = log::Severity::kInfo;
  if (args->severity == GPR_LOG_SEVERITY_ERROR) {
    severity = log::Severity::kError;
  } else if (args->severity == GPR_LOG_SEVERITY_DEBUG) {
    severity = log::Severity::kDebug;
  }
  if (severity < log::MinSeverity()) return;
  log::Write(severity, args->file, args->line, message);
}

}  // namespace

std::optional<HandshakeRefusal> HandshakeRefusalFromGrpcLog(
    absl::string_view message) {
  if (!absl::StartsWith(message, "Handshake failed with fatal error")) {
    return std::nullopt;
  }
  // OpenSSL 3.0's reason strings for a ClientHello below the minimum version.
  if (absl::StrContains(message, "unsupported protocol") ||
      absl::StrContains(message, "version too low")) {
    return HandshakeRefusal::kOldTlsVersion;
  }
  // What OpenSSL says when the first bytes are not a TLS record at all.
  if (absl::StrContains(message, "wrong version number") ||
      absl::StrContains(message, "http request") ||
      absl::StrContains(message, "packet length too long") ||
      absl::StrContains(message, "record layer failure")) {
    return HandshakeRefusal::kNotTls;
  }
  return HandshakeRefusal::kHandshakeFailed;
}

void SetGrpcHandshakeFailureObserver(HandshakeRefusalObserver next) {
  static std::once_flag installed;
  std::call_once(installed, [] { gpr_set_log_function(Forward); });
  auto replacement =
      std::make_shared<const HandshakeRefusalObserver>(std::move(next));
  absl::MutexLock lock(&observer_mu);
  if (observer == nullptr) {
    observer = new std::shared_ptr<const HandshakeRefusalObserver>();
  }
  *observer = std::move(replacement);
}

}  // namespace equilink
