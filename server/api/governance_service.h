#ifndef EQUILINK_SERVER_API_GOVERNANCE_SERVICE_H_
#define EQUILINK_SERVER_API_GOVERNANCE_SERVICE_H_

// gRPC adapter for equilink.v1.GovernanceService: agreements, the
// organisation registry, the opt-out list, the retention purge, the audit
// trail and the transparency register.
//
// Every handler runs the same three steps: CallAuthoriser first (it audits
// its own refusals), then the decision, then an audit entry, ALLOW or DENY,
// appended before the caller is answered. Fail closed: when the audit append
// fails the caller gets UNAVAILABLE and the action has not taken effect. For
// agreement and opt-out writes the append runs inside the registry's write
// transaction, just before COMMIT, so a failed append rolls the write back.
// Organisation writes go through the Store interface, which has no such hook:
// their entry is appended first and the write made after, so a failed write
// leaves an over-reporting entry, never an unaudited change.
//
// Organisation registry rules (errors name them, as agreement rules A<n> and
// lifecycle rules L<n> do):
//   O1 a code is 2-16 characters A-Z 0-9 (the certificate's
//      urn:equilink:org:<code>)
//   O2 a name, and at least one role, each a known one
//   O3 certificate_sha256 is empty or 64 lowercase hex digits
//   O4 a code is registered once (AlreadyExists)
//   O5 a status change is to ACTIVE or SUSPENDED, with a short plain-text
//      reason (it goes into the audit log, so no identifiers)
//   O6 no organisation suspends itself: governance cannot lock itself out
// Agreement authorship (four eyes): an agreement's author is the caller; a
// CreateAgreement naming anyone else is PermissionDenied ("four-eyes: ...").

#include <functional>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "equilink/v1/governance.grpc.pb.h"
#include "server/audit/audit_log.h"
#include "server/auth/access_policy.h"
#include "server/governance/agreement_registry.h"
#include "server/governance/optout_registry.h"
#include "server/store/store.h"

namespace equilink::api {

struct GovernanceServiceOptions {
  std::function<absl::Time()> clock = [] { return absl::Now(); };
  // The zone agreement dates are written in (Europe/London in production).
  absl::TimeZone agreement_time_zone = absl::UTCTimeZone();
  // Largest opt-out list accepted in one upload, in tokens.
  size_t max_optout_tokens = 20'000'000;
};

class GovernanceService final : public v1::GovernanceService::Service {
 public:
  // None of the pointers is owned; all must outlive the service.
  GovernanceService(auth::CallAuthoriser* authoriser, store::Store* store,
                    audit::AuditLog* audit,
                    governance::AgreementRegistry* agreements,
                    governance::OptOutRegistry* optouts,
                    GovernanceServiceOptions options = {});

  grpc::Status CreateAgreement(grpc::ServerContext* context,
                               const v1::CreateAgreementRequest* request,
                               v1::AgreementView* response) override;
  grpc::Status GetAgreement(grpc::ServerContext* context,
                            const v1::GetAgreementRequest* request,
                            v1::AgreementView* response) override;
  grpc::Status ListAgreements(grpc::ServerContext* context,
                              const v1::ListAgreementsRequest* request,
                              v1::ListAgreementsResponse* response) override;
  grpc::Status TransitionAgreement(
      grpc::ServerContext* context,
      const v1::TransitionAgreementRequest* request,
      v1::AgreementEvent* response) override;

  grpc::Status RegisterOrganisation(
      grpc::ServerContext* context,
      const v1::RegisterOrganisationRequest* request,
      v1::Organisation* response) override;
  grpc::Status SetOrganisationStatus(
      grpc::ServerContext* context,
      const v1::SetOrganisationStatusRequest* request,
      v1::Organisation* response) override;
  grpc::Status ListOrganisations(
      grpc::ServerContext* context, const v1::ListOrganisationsRequest* request,
      v1::ListOrganisationsResponse* response) override;

  grpc::Status UploadOptOutList(grpc::ServerContext* context,
                                grpc::ServerReader<v1::OptOutListChunk>* reader,
                                v1::OptOutListInfo* response) override;
  grpc::Status GetOptOutList(grpc::ServerContext* context,
                             const v1::GetOptOutListRequest* request,
                             v1::OptOutListInfo* response) override;

  grpc::Status PurgeExpiredRecords(
      grpc::ServerContext* context,
      const v1::PurgeExpiredRecordsRequest* request,
      v1::PurgeReport* response) override;

  grpc::Status ListAuditEntries(
      grpc::ServerContext* context, const v1::ListAuditEntriesRequest* request,
      grpc::ServerWriter<v1::AuditLogChunk>* writer) override;
  grpc::Status GetAuditKey(grpc::ServerContext* context,
                           const v1::GetAuditKeyRequest* request,
                           v1::AuditKey* response) override;

  grpc::Status ExportRegister(grpc::ServerContext* context,
                              const v1::ExportRegisterRequest* request,
                              v1::TransparencyRegister* response) override;

 private:
  class Call;

  absl::Status DoCreateAgreement(Call& call,
                                 const v1::CreateAgreementRequest& request,
                                 v1::AgreementView& response);
  absl::Status DoTransitionAgreement(
      Call& call, const v1::TransitionAgreementRequest& request,
      v1::AgreementEvent& response);
  absl::Status DoRegisterOrganisation(
      Call& call, const v1::RegisterOrganisationRequest& request,
      v1::Organisation& response);
  absl::Status DoSetOrganisationStatus(
      Call& call, const v1::SetOrganisationStatusRequest& request,
      v1::Organisation& response);
  absl::Status DoUploadOptOutList(
      Call& call, grpc::ServerReader<v1::OptOutListChunk>& reader,
      v1::OptOutListInfo& response);

  auth::CallAuthoriser* const authoriser_;
  store::Store* const store_;
  audit::AuditLog* const audit_;
  governance::AgreementRegistry* const agreements_;
  governance::OptOutRegistry* const optouts_;
  const GovernanceServiceOptions options_;
  // Serialises organisation writes, so "not registered yet" and the insert
  // that follows cannot interleave with another registration of the code.
  absl::Mutex organisations_mu_;
};

}  // namespace equilink::api

#endif  // EQUILINK_SERVER_API_GOVERNANCE_SERVICE_H_
