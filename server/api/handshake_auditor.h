#ifndef EQUILINK_SERVER_API_HANDSHAKE_AUDITOR_H_
#define EQUILINK_SERVER_API_HANDSHAKE_AUDITOR_H_

// Audits connections refused before any RPC handler runs (common/rpc/
// handshake_refusal.h): no client certificate, another CA's certificate, an
// expired one, TLS older than 1.2, plaintext or garbage.
//
// Counted, then written as one AUDIT_DENY entry per kind per interval
// ("transport.handshake", rule "TLS-UNTRUSTED-CA", reason "refused 3 TLS
// handshakes: ...") with one log line each. Anyone who can reach the port can
// cause these refusals, so an entry per connection would let an
// unauthenticated stranger grow the audit log and the journal without limit;
// a summary per interval bounds both and still accounts for every refusal.
// A refusal is already final when it is recorded, so a failed append only
// keeps the count for the next attempt (logged as an error).

#include <array>
#include <atomic>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/rpc/handshake_refusal.h"
#include "server/audit/audit_log.h"

namespace equilink::api {

class HandshakeAuditor {
 public:
  // `audit` is not owned and must stay usable until Stop() returns.
  HandshakeAuditor(audit::AuditLog* audit, absl::Duration interval);
  // Stops (see Stop()).
  ~HandshakeAuditor();
  HandshakeAuditor(const HandshakeAuditor&) = delete;
  HandshakeAuditor& operator=(const HandshakeAuditor&) = delete;

  // Counts one refusal. Never blocks; safe on gRPC's threads.
  void Record(HandshakeRefusal refusal);

  // Writes the counts gathered so far now. Thread-safe.
  void Flush();

  // Flushes a last time and detaches from the audit log; refusals recorded
  // afterwards are dropped. Idempotent.
  void Stop();

 private:
  void Loop(absl::Duration interval);

  std::array<std::atomic<uint64_t>, kHandshakeRefusalKinds> pending_{};
  absl::Mutex mu_;
  audit::AuditLog* audit_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace equilink::api

#endif  // EQUILINK_SERVER_API_HANDSHAKE_AUDITOR_H_
