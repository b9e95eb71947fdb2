#ifndef EQUILINK_SERVER_METRICS_GATEWAY_METRICS_H_
#define EQUILINK_SERVER_METRICS_GATEWAY_METRICS_H_

// The gateway's metrics (all named equilink_*): the counters its request
// paths bump, the gauges read on scrape, and the endpoint that serves them
// (GatewayConfig.metrics). docs/OPERATIONS.md lists every metric.
//
// Labels are codes only: the governance rule that refused a batch (S2, S7,
// INGEST, ...), the reason code of a refused record, a decision. Never an
// organisation, a submission id or anything from a request.

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "equilink/v1/gateway_config.pb.h"
#include "server/audit/audit_log.h"
#include "server/metrics/http_responder.h"
#include "server/metrics/registry.h"
#include "server/metrics/store_probe.h"

namespace equilink::metrics {

// Counted where the event happens. Every pointer is owned by the registry
// and never null.
struct GatewayCounters {
  explicit GatewayCounters(Registry& registry);

  Counter* batches_received;
  // Some or all of their records stored.
  Counter* batches_accepted;
  // Refused as a whole, by the rule that refused it (label "rule").
  CounterFamily* batches_rejected;
  // Re-sent batches answered from the store.
  Counter* batches_already_stored;
  Counter* records_accepted;
  // Refused records of accepted batches, by reason code (label "reason").
  CounterFamily* records_rejected;
  Counter* records_quarantined;
  Counter* records_opted_out;
  // Extract pulls and indicator requests by decision (label "decision":
  // allowed, denied, error; see DecisionOf).
  CounterFamily* extract_pulls;
  CounterFamily* indicator_releases;
};

// The batch rules a rejection can be counted under: INGEST (the envelope
// checks) and the governance.md rules S1-S13; anything else is "other".
inline constexpr char kIngestRule[] = "INGEST";

// "allowed" for kOk; "denied" for a refusal the caller can act on
// (unauthenticated, permission denied, failed precondition, invalid argument,
// not found, out of range, resource exhausted); "error" for the rest.
absl::string_view DecisionOf(absl::StatusCode code);

// The reason label of a refused record: its RecordRejectReason name.
std::string RecordRejectLabel(int reason);

// Where the gauges read from. Pointers are not owned and must outlive the
// GatewayMetrics; null leaves the gauges that need them out.
struct GatewayGaugeSources {
  const audit::AuditLog* audit = nullptr;
  // The store file; empty or ":memory:" leaves the store gauges out.
  std::string store_path;
  // The store writer's index backlog and its longest index slice so far (a
  // slice holds up the commits queued behind it); null leaves them out.
  std::function<int64_t()> unindexed_records;
  std::function<absl::Duration()> longest_index_slice;
  // The linkage backlog gauges are exported only when linkage runs.
  bool linkage_enabled = false;
  absl::Time started = absl::Now();
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

class GatewayMetrics {
 public:
  // Registers every metric. Fails only when the store file cannot be opened
  // for the store gauges.
  static absl::StatusOr<std::unique_ptr<GatewayMetrics>> Create(
      GatewayGaugeSources sources);

  ~GatewayMetrics();

  GatewayCounters& counters() { return counters_; }
  std::string Render() const { return registry_->Render(); }

  // Starts the endpoint when config.listen_address() is set (a no-op
  // otherwise). InvalidArgument for a malformed or disallowed address,
  // Unavailable when it cannot be bound.
  absl::Status Serve(const v1::MetricsConfig& config);
  // The endpoint's bound port; 0 when it is not serving.
  int port() const { return responder_ == nullptr ? 0 : responder_->port(); }
  // Stops the endpoint. Idempotent.
  void Stop();

 private:
  GatewayMetrics(std::unique_ptr<Registry> registry,
                 GatewayGaugeSources sources);
  void RegisterGauges();

  const std::unique_ptr<Registry> registry_;
  GatewayCounters counters_;
  const GatewayGaugeSources sources_;
  std::unique_ptr<StoreProbe> probe_;
  std::unique_ptr<HttpResponder> responder_;
};

}  // namespace equilink::metrics

#endif  // EQUILINK_SERVER_METRICS_GATEWAY_METRICS_H_
