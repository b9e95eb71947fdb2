#include "server/api/gateway_server.h"

#include <chrono>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/rpc/channel_options.h"
#include "common/rpc/grpc_log_observer.h"
#include "common/rpc/tls_credentials.h"
#include "common/status/status_macros.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/resource_quota.h"
#include "grpcpp/server_builder.h"
#include "server/governance/agreement_expiry.h"
#include "server/governance/retention_purge.h"
#include "server/linkage/linkage_config.h"
#include "server/store/sqlite_store.h"

namespace equilink::api {
namespace {

// Adds the configured organisations that the registry does not hold yet. An
// organisation already registered is left exactly as it is, so that restarting
// the gateway can never re-activate an organisation that governance suspended.
absl::Status SeedOrganisations(const v1::GatewayConfig& config,
                               store::Store& store) {
  for (const v1::OrganisationSeed& seed : config.organisations()) {
    EQ_ASSIGN_OR_RETURN(std::optional<store::Organisation> existing,
                        store.FindOrganisation(seed.code()));
    if (existing.has_value()) continue;
    store::Organisation organisation;
    organisation.code = seed.code();
    organisation.name = seed.name();
    organisation.roles.assign(seed.roles().begin(), seed.roles().end());
    organisation.active = true;
    EQ_RETURN_IF_ERROR(store.UpsertOrganisation(organisation));
  }
  return absl::OkStatus();
}

// The scheduler acts for the gateway itself, not for an organisation.
v1::AuditPrincipal SchedulerPrincipal() {
  v1::AuditPrincipal principal;
  principal.set_organisation_code("gateway");
  principal.set_role("scheduler");
  return principal;
}

// The audit log, with its checkpoint signing key generated (mode 0600) on
// first start. An existing key is never replaced: a new key would orphan the
// checkpoints already published.
absl::StatusOr<std::unique_ptr<audit::AuditLog>> OpenAuditLog(
    const v1::AuditConfig& config) {
  if (!std::filesystem::exists(config.checkpoint_signing_key_file())) {
    EQ_RETURN_IF_ERROR(audit::CheckpointSigner::GenerateKeyFile(
        config.checkpoint_signing_key_file()));
    EQ_LOG(kInfo, "generated a new audit checkpoint signing key");
  }
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<audit::CheckpointSigner> signer,
                      audit::CheckpointSigner::LoadFromFile(
                          config.checkpoint_signing_key_file()));
  audit::AuditLog::Options options;
  options.path = config.sqlite_path();
  options.checkpoint_interval = config.checkpoint_interval();
  return audit::AuditLog::Open(std::move(options), std::move(signer));
}

// The release key, or null when its file does not exist: the gateway still
// serves submissions and governance, and refuses every pull. A file that is
// there but unsafe or malformed stops the start, since it is a mistake.
absl::StatusOr<std::unique_ptr<extract::ReleaseKeys>> LoadReleaseKeys(
    const std::string& path) {
  if (path.empty()) {
    EQ_LOG(kWarning, "no extract.release_key_file: pulls are refused");
    return nullptr;
  }
  absl::StatusOr<std::unique_ptr<extract::ReleaseKeys>> keys =
      extract::ReleaseKeys::Load(path);
  if (absl::IsNotFound(keys.status())) {
    EQ_LOG(kWarning, "release key file %s does not exist: pulls are refused",
           path);
    return nullptr;
  }
  return keys;
}

}  // namespace

absl::StatusOr<std::unique_ptr<GatewayServer>> GatewayServer::Start(
    const v1::GatewayConfig& config) {
  return Start(config, StartOptions());
}

absl::StatusOr<std::unique_ptr<GatewayServer>> GatewayServer::Start(
    const v1::GatewayConfig& config, StartOptions start_options) {
  const absl::Time started = absl::Now();
  auto gateway = absl::WrapUnique(new GatewayServer());
  gateway->shutdown_grace_seconds_ =
      static_cast<int>(config.shutdown_grace_seconds());

  store::SqliteOptions store_options;
  store_options.path = config.store().sqlite_path();
  store_options.group_commit_max_batches =
      static_cast<int>(config.store().group_commit_max_batches());
  store_options.busy_timeout_ms =
      static_cast<int>(config.store().busy_timeout_ms());
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<store::SqliteStore> sqlite_store,
                      store::SqliteStore::Open(store_options));
  const store::SqliteStore* store_stats = sqlite_store.get();
  gateway->store_ = std::move(sqlite_store);
  EQ_RETURN_IF_ERROR(SeedOrganisations(config, *gateway->store_));
  EQ_ASSIGN_OR_RETURN(gateway->audit_, OpenAuditLog(config.audit()));
  metrics::GatewayGaugeSources gauge_sources;
  gauge_sources.audit = gateway->audit_.get();
  gauge_sources.store_path = config.store().sqlite_path();
  gauge_sources.unindexed_records = [store_stats] {
    return store_stats->GetStats().unindexed_records;
  };
  gauge_sources.longest_index_slice = [store_stats] {
    return store_stats->GetStats().longest_index_slice;
  };
  gauge_sources.linkage_enabled = !config.linkage().disabled();
  gauge_sources.started = started;
  EQ_ASSIGN_OR_RETURN(gateway->metrics_, metrics::GatewayMetrics::Create(
                                             std::move(gauge_sources)));
  metrics::GatewayCounters& counters = gateway->metrics_->counters();
  EQ_ASSIGN_OR_RETURN(gateway->agreements_, governance::AgreementRegistry::Open(
                                                config.store().sqlite_path()));
  EQ_ASSIGN_OR_RETURN(gateway->optouts_, governance::OptOutRegistry::Open(
                                             config.store().sqlite_path()));

  gateway->authoriser_ = std::make_unique<auth::CallAuthoriser>(
      gateway->store_.get(), gateway->audit_.get());
  ingest::IngestOptions ingest_options;
  ingest_options.max_batch_records = config.max_batch_records();
  ingest_options.accepted_key_ids.assign(config.accepted_key_ids().begin(),
                                         config.accepted_key_ids().end());
  ingest_options.metrics = &counters;
  std::optional<ingest::IngestGovernance> governance;
  if (start_options.governance) {
    const v1::GovernanceConfig& governance_config = config.governance();
    EQ_ASSIGN_OR_RETURN(gateway->local_authorities_,
                        governance::ImdLocalAuthorityLookup::Load(
                            governance_config.local_authority_lookup_file()));
    gateway->agreement_cache_ = std::make_unique<governance::AgreementCache>(
        gateway->agreements_.get());
    ingest::RateLimiter::Options rate_options;
    rate_options.records_per_second =
        governance_config.rate_limit_records_per_second();
    rate_options.burst_records = governance_config.rate_limit_burst_records();
    gateway->rate_limiter_ =
        std::make_unique<ingest::RateLimiter>(std::move(rate_options));
    governance = ingest::IngestGovernance{
        .agreements = gateway->agreement_cache_.get(),
        .local_authorities = gateway->local_authorities_.get(),
        .optouts = gateway->optouts_.get(),
        .audit = gateway->audit_.get(),
        .rate_limiter = gateway->rate_limiter_.get(),
        .review_grace_days = governance_config.review_grace_days()};
  } else {
    EQ_LOG(kWarning,
           "GOVERNANCE OFF: agreements are not enforced and batches are not "
           "audited (benchmark baseline only)");
  }
  // The linkage worker links every committed batch on its own connection
  // to the store file (a private in-memory store has no file to share).
  const bool in_memory_store = config.store().sqlite_path() == ":memory:";
  if (!config.linkage().disabled() && !in_memory_store) {
    EQ_ASSIGN_OR_RETURN(linkage::LinkageWorkerOptions linkage_options,
                        linkage::LinkageWorkerOptionsFromConfig(config));
    EQ_ASSIGN_OR_RETURN(gateway->linkage_, linkage::LinkageWorker::Open(
                                               std::move(linkage_options)));
    linkage::LinkageWorker* worker = gateway->linkage_.get();
    ingest_options.on_records_committed = [worker] { worker->Notify(); };
  }
  gateway->ingestor_ = std::make_unique<ingest::BatchIngestor>(
      gateway->store_.get(), std::move(ingest_options), std::move(governance));
  gateway->executor_ = std::make_unique<IngestExecutor>(
      static_cast<int>(config.worker_threads()));
  SubmissionServiceOptions service_options;
  service_options.reauthorise_each_batch = start_options.governance;
  service_options.max_in_flight_batch_bytes =
      static_cast<int64_t>(config.max_in_flight_batch_bytes());
  service_options.ingest_budget_wait =
      absl::Seconds(config.ingest_budget_wait_seconds());
  gateway->submission_service_ = std::make_unique<SubmissionService>(
      gateway->authoriser_.get(), gateway->ingestor_.get(),
      gateway->store_.get(), gateway->executor_.get(), &gateway->draining_,
      service_options);
  GovernanceServiceOptions governance_options;
  governance_options.agreement_time_zone = governance::AgreementTimeZone();
  gateway->governance_service_ = std::make_unique<GovernanceService>(
      gateway->authoriser_.get(), gateway->store_.get(), gateway->audit_.get(),
      gateway->agreements_.get(), gateway->optouts_.get(),
      std::move(governance_options));
  // Extracts are governed even in the benchmark's ungoverned mode, which only
  // concerns submissions.
  if (gateway->agreement_cache_ == nullptr) {
    gateway->agreement_cache_ = std::make_unique<governance::AgreementCache>(
        gateway->agreements_.get());
  }
  EQ_ASSIGN_OR_RETURN(gateway->release_keys_,
                      LoadReleaseKeys(config.extract().release_key_file()));
  gateway->extract_service_ = std::make_unique<ExtractService>(
      gateway->authoriser_.get(), gateway->agreement_cache_.get(),
      gateway->optouts_.get(), gateway->store_.get(), gateway->audit_.get(),
      gateway->release_keys_.get(), counters.extract_pulls);
  const v1::FrameworkConfig& framework = config.framework();
  EQ_ASSIGN_OR_RETURN(gateway->areas_,
                      framework::AreaLookup::Load(
                          config.governance().local_authority_lookup_file(),
                          framework.population_denominators_file()));
  EQ_ASSIGN_OR_RETURN(gateway->catalogue_,
                      framework::IndicatorCatalogue::Load(
                          framework.indicator_catalogue_file()));
  IndicatorServiceOptions indicator_options;
  indicator_options.store_path = config.store().sqlite_path();
  indicator_options.ics_code = framework.ics_code();
  indicator_options.ics_name = framework.ics_name();
  indicator_options.local_authorities.assign(
      framework.local_authorities().begin(),
      framework.local_authorities().end());
  indicator_options.releases = counters.indicator_releases;
  EQ_ASSIGN_OR_RETURN(
      gateway->indicator_service_,
      IndicatorService::Create(
          std::move(indicator_options), gateway->authoriser_.get(),
          gateway->agreement_cache_.get(), gateway->areas_.get(),
          gateway->catalogue_.get(), gateway->audit_.get()));

  // Connections refused before any handler runs are audited too: the ones
  // our certificate verifier refuses, and the ones OpenSSL refuses before a
  // certificate is sent, which only gRPC's log line reports.
  gateway->handshake_auditor_ = std::make_shared<HandshakeAuditor>(
      gateway->audit_.get(), start_options.handshake_audit_interval);
  HandshakeRefusalObserver on_refusal =
      [auditor = gateway->handshake_auditor_](HandshakeRefusal refusal) {
        auditor->Record(refusal);
      };
  SetGrpcHandshakeFailureObserver(on_refusal);
  EQ_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                      MakeServerCredentials(config.tls(), on_refusal));

  // Before the gRPC port, so a bad metrics address stops the start before any
  // client is served.
  EQ_RETURN_IF_ERROR(gateway->metrics_->Serve(config.metrics()));

  // Process-global settings; both must precede BuildAndStart.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.listen_address(), credentials,
                           &gateway->port_);
  ApplyServerChannelOptions(static_cast<int>(config.max_message_bytes()),
                            builder);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             static_cast<int>(config.max_concurrent_streams()));
  grpc::ResourceQuota quota("equilink-gateway");
  quota.SetMaxThreads(static_cast<int>(config.worker_threads()) * 2 + 4);
  builder.SetResourceQuota(quota);
  builder.RegisterService(gateway->submission_service_.get());
  builder.RegisterService(gateway->governance_service_.get());
  builder.RegisterService(gateway->extract_service_.get());
  builder.RegisterService(gateway->indicator_service_.get());
  gateway->server_ = builder.BuildAndStart();
  if (gateway->server_ == nullptr || gateway->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", config.listen_address()));
  }
  gateway->server_->GetHealthCheckService()->SetServingStatus(true);
  EQ_LOG(kInfo, "gateway listening on port %d (mutual TLS)", gateway->port_);
  if (start_options.governance) {
    // Agreements that ended while the gateway was down get their EXPIRED
    // event now; later ones at each scheduled run (the checks themselves go
    // by the date, so nothing moves under them in between).
    gateway->RecordExpiries(SchedulerPrincipal());
  }
  if (gateway->linkage_ != nullptr) {
    gateway->linkage_->Start();
    // Records committed while the gateway was down are linked now.
    gateway->linkage_->Notify();
  }
  if (start_options.governance &&
      config.governance().purge_interval_hours() > 0) {
    const absl::Duration interval =
        absl::Hours(config.governance().purge_interval_hours());
    GatewayServer* raw = gateway.get();
    gateway->purge_thread_ =
        std::thread([raw, interval] { raw->PurgeLoop(interval); });
  }
  return gateway;
}

GatewayServer::~GatewayServer() { Shutdown(); }

void GatewayServer::Shutdown() {
  if (shut_down_.exchange(true)) return;
  EQ_LOG(kInfo,
         "graceful shutdown: refusing new batches, finishing in-flight ones");
  draining_.store(true);
  if (server_ != nullptr) {
    server_->GetHealthCheckService()->SetServingStatus(false);
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::seconds(shutdown_grace_seconds_));
  }
  if (handshake_auditor_ != nullptr) {
    SetGrpcHandshakeFailureObserver({});
    handshake_auditor_->Stop();
  }
  {
    absl::MutexLock lock(&purge_mu_);
    stop_purge_ = true;
  }
  if (purge_thread_.joinable()) purge_thread_.join();
  // Its gauges read the store file, which closes next.
  if (metrics_ != nullptr) metrics_->Stop();
  // The worker finishes the batch it is linking (one transaction) and stops;
  // what is left is linked at the next start.
  if (linkage_ != nullptr) linkage_->Stop();
  // Destroying the store drains its commit queue before it closes the database.
  store_.reset();
  EQ_LOG(kInfo, "gateway stopped");
}

void GatewayServer::RecordExpiries(const v1::AuditPrincipal& principal) {
  absl::StatusOr<int> expired = governance::RecordExpiredAgreements(
      *agreements_, *audit_, principal, absl::Now());
  if (!expired.ok()) {
    EQ_LOG(kError, "recording agreement expiries failed: %s",
           expired.status().ToString());
  } else if (*expired > 0) {
    EQ_LOG(kInfo, "recorded the expiry of %d agreement versions", *expired);
  }
}

void GatewayServer::PurgeLoop(absl::Duration interval) {
  const v1::AuditPrincipal principal = SchedulerPrincipal();
  for (;;) {
    {
      absl::MutexLock lock(&purge_mu_);
      if (purge_mu_.AwaitWithTimeout(absl::Condition(&stop_purge_), interval)) {
        return;
      }
    }
    RecordExpiries(principal);
    absl::StatusOr<v1::PurgeReport> report =
        governance::PurgeExpiredRecordsAudited(*store_, *agreements_, *audit_,
                                               principal, absl::Now(),
                                               /*dry_run=*/false);
    if (!report.ok()) {
      EQ_LOG(kError, "retention purge failed: %s", report.status().ToString());
    } else {
      EQ_LOG(kInfo, "retention purge removed %d records of %d batches",
             report->records_removed(), report->batches_affected());
    }
  }
}

void GatewayServer::Wait() {
  if (server_ != nullptr) server_->Wait();
}

}  // namespace equilink::api
