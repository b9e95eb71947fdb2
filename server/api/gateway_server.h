#ifndef EQUILINK_SERVER_API_GATEWAY_SERVER_H_
#define EQUILINK_SERVER_API_GATEWAY_SERVER_H_

// The gateway's composition root: opens the store, the audit log and the
// agreement registry, seeds the organisation registry from the configuration,
// wires authorisation, ingest and the gRPC services (submission, governance,
// extract, health, reflection) and listens with mutual TLS.
// main.cc and the integration tests both start the gateway through this one
// class, so tests exercise exactly what operators run.

#include <atomic>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "equilink/v1/audit.pb.h"
#include "equilink/v1/gateway_config.pb.h"
#include "grpcpp/server.h"
#include "server/api/extract_service.h"
#include "server/api/governance_service.h"
#include "server/api/handshake_auditor.h"
#include "server/api/indicator_service.h"
#include "server/api/ingest_executor.h"
#include "server/api/submission_service.h"
#include "server/audit/audit_log.h"
#include "server/auth/access_policy.h"
#include "server/governance/agreement_cache.h"
#include "server/governance/agreement_registry.h"
#include "server/governance/imd_local_authority_lookup.h"
#include "server/governance/optout_registry.h"
#include "server/ingest/batch_ingestor.h"
#include "server/ingest/rate_limiter.h"
#include "server/linkage/linkage_worker.h"
#include "server/metrics/gateway_metrics.h"
#include "server/store/store.h"

namespace equilink::api {

class GatewayServer {
 public:
  // Starts listening on config.listen_address(). `config` must have passed
  // config::ParseGatewayConfig (defaults filled). Fails when the store cannot
  // be opened, a TLS file cannot be read (or the key file is too permissive),
  // or the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<GatewayServer>> Start(
      const v1::GatewayConfig& config);

  // Options only C++ can set: no configuration file field maps to them, so an
  // operator cannot turn enforcement off.
  struct StartOptions {
    // false: no agreement checks, no rate limit, no audit entry per batch.
    // ONLY for the end-to-end benchmark (tests/bench/submit_bench.cc), which
    // measures what enforcement costs (governance_overhead_ratio) against
    // this. Never use it elsewhere.
    bool governance = true;
    // How often refused TLS handshakes are written to the audit log as
    // counted summaries (handshake_auditor.h). Tests shorten it.
    absl::Duration handshake_audit_interval = absl::Minutes(1);
  };
  static absl::StatusOr<std::unique_ptr<GatewayServer>> Start(
      const v1::GatewayConfig& config, StartOptions options);

  ~GatewayServer();
  GatewayServer(const GatewayServer&) = delete;
  GatewayServer& operator=(const GatewayServer&) = delete;

  // The port actually bound (useful with port 0).
  int port() const { return port_; }
  // The metrics endpoint's bound port; 0 when config.metrics has no
  // listen_address.
  int metrics_port() const { return metrics_->port(); }
  // The metrics text a scrape would get (for tests and tools in process).
  std::string MetricsText() const { return metrics_->Render(); }

  // Graceful shutdown: health turns NOT_SERVING, batches already received
  // finish and are acknowledged, new batches and streams are refused with
  // UNAVAILABLE, and after at most the configured grace period the server stops
  // and the store is closed. Idempotent; thread-safe.
  void Shutdown();

  // Blocks until the server has stopped.
  void Wait();

  // For in-process tests that change the registries while the gateway runs
  // (the ingest path sees agreement changes made through this registry at
  // its next batch).
  governance::AgreementRegistry& agreements() { return *agreements_; }
  store::Store& store() { return *store_; }
  // Null when linkage is disabled or the store is in memory.
  linkage::LinkageWorker* linkage() { return linkage_.get(); }
  // Submitted batches held in memory (max_in_flight_batch_bytes).
  const IngestBudget& ingest_budget() const {
    return submission_service_->ingest_budget();
  }

 private:
  GatewayServer() = default;

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<linkage::LinkageWorker> linkage_;
  std::unique_ptr<audit::AuditLog> audit_;
  // After the store and the audit log, whose state its gauges read, so it is
  // destroyed (and its endpoint stopped) before them.
  std::unique_ptr<metrics::GatewayMetrics> metrics_;
  // Shared with the TLS verifier and the gRPC log observer, which may outlive
  // Shutdown() by a moment on gRPC's threads; stopped in Shutdown().
  std::shared_ptr<HandshakeAuditor> handshake_auditor_;
  std::unique_ptr<governance::AgreementRegistry> agreements_;
  std::unique_ptr<governance::OptOutRegistry> optouts_;
  std::unique_ptr<auth::CallAuthoriser> authoriser_;
  std::unique_ptr<governance::AgreementCache> agreement_cache_;
  std::unique_ptr<governance::ImdLocalAuthorityLookup> local_authorities_;
  std::unique_ptr<ingest::RateLimiter> rate_limiter_;
  std::unique_ptr<ingest::BatchIngestor> ingestor_;
  std::unique_ptr<IngestExecutor> executor_;
  std::unique_ptr<SubmissionService> submission_service_;
  std::unique_ptr<GovernanceService> governance_service_;
  std::unique_ptr<extract::ReleaseKeys> release_keys_;  // null: no pulls
  std::unique_ptr<ExtractService> extract_service_;
  std::unique_ptr<framework::AreaLookup> areas_;
  std::unique_ptr<framework::IndicatorCatalogue> catalogue_;
  std::unique_ptr<IndicatorService> indicator_service_;
  std::unique_ptr<grpc::Server> server_;
  std::atomic<bool> draining_{false};
  std::atomic<bool> shut_down_{false};
  // The retention purge and the recording of agreement expiries, every
  // governance.purge_interval_hours.
  void PurgeLoop(absl::Duration interval);
  // Appends EXPIRED events for agreements past their date (audited); logs,
  // never fails the caller: the submission and extract checks go by the date
  // whether or not the event is recorded yet.
  void RecordExpiries(const v1::AuditPrincipal& principal);
  absl::Mutex purge_mu_;
  bool stop_purge_ ABSL_GUARDED_BY(purge_mu_) = false;
  std::thread purge_thread_;
  int port_ = 0;
  int shutdown_grace_seconds_ = 30;
};

}  // namespace equilink::api

#endif  // EQUILINK_SERVER_API_GATEWAY_SERVER_H_
