#include "server/api/handshake_auditor.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"

namespace equilink::api {

HandshakeAuditor::HandshakeAuditor(audit::AuditLog* audit,
                                   absl::Duration interval)
    : audit_(audit) {
  thread_ = std::thread([this, interval] { Loop(interval); });
}

HandshakeAuditor::~HandshakeAuditor() { Stop(); }

void HandshakeAuditor::Record(HandshakeRefusal refusal) {
  pending_[static_cast<size_t>(refusal)].fetch_add(1,
                                                   std::memory_order_relaxed);
}

void HandshakeAuditor::Loop(absl::Duration interval) {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stop_), interval)) return;
    }
    Flush();
  }
}

void HandshakeAuditor::Flush() {
  absl::MutexLock lock(&mu_);
  if (audit_ == nullptr) return;
  for (int kind = 0; kind < kHandshakeRefusalKinds; ++kind) {
    const uint64_t count = pending_[kind].exchange(0);
    if (count == 0) continue;
    const auto refusal = static_cast<HandshakeRefusal>(kind);
    const std::string reason =
        absl::StrCat("refused ", count, " TLS handshake", count == 1 ? "" : "s",
                     ": ", HandshakeRefusalDescription(refusal));
    EQ_LOG(kWarning, "%s (%s)", reason, HandshakeRefusalRuleId(refusal));
    v1::AuditEntry entry;
    // Nobody authenticated: the same fixed marker CallAuthoriser uses.
    entry.mutable_principal()->set_organisation_code("unauthenticated");
    entry.mutable_principal()->set_role("none");
    entry.set_action("transport.handshake");
    entry.set_decision(v1::AUDIT_DENY);
    entry.set_rule_id(std::string(HandshakeRefusalRuleId(refusal)));
    entry.set_reason(reason);
    absl::StatusOr<v1::AuditEntry> appended = audit_->Append(entry);
    if (!appended.ok()) {
      pending_[kind].fetch_add(count);
      EQ_LOG(kError, "audit append failed for handshake refusals: %s",
             appended.status().ToString());
    }
  }
}

void HandshakeAuditor::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stop_) return;
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
  Flush();
  absl::MutexLock lock(&mu_);
  audit_ = nullptr;
}

}  // namespace equilink::api
