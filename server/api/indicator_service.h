#ifndef EQUILINK_SERVER_API_INDICATOR_SERVICE_H_
#define EQUILINK_SERVER_API_INDICATOR_SERVICE_H_

// gRPC adapter for equilink.v1.IndicatorService: an ICS partner asks for
// framework indicators over a period (docs/FRAMEWORK.md).
//
// GetIndicators, in order (governance.md, "On every extract"):
//   E1  CallAuthoriser: registered, active, pinned certificate, consumer role.
//   E2-E3  governance::CheckExtract for every requested indicator at
//       IDENTIFIABILITY_AGGREGATE_SDC: an active extract flow to the consumer
//       whose purpose permits the indicator. All must be allowed by one
//       agreement version (its disclosure profile governs the release).
//   E7  the agreement's disclosure-control profile (output_controls), which
//       must name a known profile.
//   E8  the release ledger: a release that could recover a suppressed cell
//       by differencing against an earlier one is refused, and writes
//       nothing.
// Every refusal is audited (AUDIT_DENY with its rule) and returned as
// PERMISSION_DENIED "E<n>: <reason>" (INVALID_ARGUMENT for a malformed
// request). An allowed release is audited before its figures are returned;
// if the audit cannot be written nothing is returned.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "equilink/v1/indicators.grpc.pb.h"
#include "server/audit/audit_log.h"
#include "server/auth/access_policy.h"
#include "server/framework/area_lookup.h"
#include "server/framework/disclosure/release_ledger.h"
#include "server/framework/indicator_catalogue.h"
#include "server/framework/indicator_engine.h"
#include "server/governance/agreement_cache.h"
#include "server/metrics/registry.h"
#include "server/store/sqlite/database.h"

namespace equilink::api {

struct IndicatorServiceOptions {
  std::string store_path;  // the gateway's SQLite store
  // The whole-ICS area of the figures, and its districts (the geography of
  // rates per resident child).
  std::string ics_code;
  std::string ics_name;
  std::vector<std::string> local_authorities;
  int threads = 2;
  // Counts each request by decision (metrics::DecisionOf); not owned, null:
  // not counted.
  metrics::CounterFamily* releases = nullptr;
};

class IndicatorService final : public v1::IndicatorService::Service {
 public:
  // Opens the service's own connection to the store (the release ledger's
  // tables are created there). None of the pointers is owned; all must
  // outlive the service.
  static absl::StatusOr<std::unique_ptr<IndicatorService>> Create(
      IndicatorServiceOptions options, auth::CallAuthoriser* authoriser,
      governance::AgreementCache* agreements,
      const framework::AreaLookup* areas,
      const framework::IndicatorCatalogue* catalogue, audit::AuditLog* audit);

  grpc::Status GetIndicators(grpc::ServerContext* context,
                             const v1::IndicatorRequest* request,
                             v1::IndicatorResponse* response) override;

 private:
  IndicatorService() = default;
  grpc::Status Decide(grpc::ServerContext* context,
                      const v1::IndicatorRequest* request,
                      v1::IndicatorResponse* response);

  IndicatorServiceOptions options_;
  auth::CallAuthoriser* authoriser_ = nullptr;
  governance::AgreementCache* agreements_ = nullptr;
  const framework::AreaLookup* areas_ = nullptr;
  const framework::IndicatorCatalogue* catalogue_ = nullptr;
  audit::AuditLog* audit_ = nullptr;
  // One connection, one release at a time: the ledger's check and record
  // must not interleave with another release's.
  std::mutex mutex_;
  std::unique_ptr<store::sqlite::Database> db_;
  std::unique_ptr<framework::disclosure::ReleaseLedger> ledger_;
};

}  // namespace equilink::api

#endif  // EQUILINK_SERVER_API_INDICATOR_SERVICE_H_
