#include "server/api/indicator_service.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log/log.h"
#include "common/rpc/status_grpc.h"
#include "common/status/status_macros.h"
#include "server/audit/entry_rules.h"
#include "server/framework/disclosure/profile.h"
#include "server/framework/indicator_release.h"
#include "server/framework/population.h"
#include "server/governance/extract_policy.h"
#include "server/metrics/gateway_metrics.h"

namespace equilink::api {
namespace {

constexpr char kGetIndicatorsMethod[] =
    "/equilink.v1.IndicatorService/GetIndicators";

struct Refusal {
  std::string rule;
  std::string reason;
};

}  // namespace

absl::StatusOr<std::unique_ptr<IndicatorService>> IndicatorService::Create(
    IndicatorServiceOptions options, auth::CallAuthoriser* authoriser,
    governance::AgreementCache* agreements, const framework::AreaLookup* areas,
    const framework::IndicatorCatalogue* catalogue, audit::AuditLog* audit) {
  if (!areas->has_population()) {
    return absl::FailedPreconditionError(
        "the indicator service needs the IoD2019 population denominators");
  }
  std::unique_ptr<IndicatorService> service(new IndicatorService());
  store::sqlite::Database::Options db_options;
  db_options.path = options.store_path;
  // Ingest holds the write lock only for a group commit; a release waits.
  db_options.busy_timeout_ms = 30000;
  EQ_ASSIGN_OR_RETURN(service->db_, store::sqlite::Database::Open(db_options));
  EQ_ASSIGN_OR_RETURN(
      service->ledger_,
      framework::disclosure::ReleaseLedger::Open(service->db_.get()));
  service->options_ = std::move(options);
  service->authoriser_ = authoriser;
  service->agreements_ = agreements;
  service->areas_ = areas;
  service->catalogue_ = catalogue;
  service->audit_ = audit;
  return service;
}

grpc::Status IndicatorService::GetIndicators(
    grpc::ServerContext* context, const v1::IndicatorRequest* request,
    v1::IndicatorResponse* response) {
  grpc::Status status = Decide(context, request, response);
  if (options_.releases != nullptr) {
    options_.releases
        ->Get(metrics::DecisionOf(
            static_cast<absl::StatusCode>(status.error_code())))
        .Increment();
  }
  return status;
}

grpc::Status IndicatorService::Decide(grpc::ServerContext* context,
                                      const v1::IndicatorRequest* request,
                                      v1::IndicatorResponse* response) {
  absl::StatusOr<auth::Principal> principal =
      authoriser_->Authorise(*context->auth_context(), kGetIndicatorsMethod);
  if (!principal.ok()) return ToGrpcStatus(principal.status());

  v1::AuditEntry entry;
  entry.mutable_principal()->set_organisation_code(
      principal->organisation_code);
  entry.mutable_principal()->set_role(std::string(auth::kRoleConsumer));
  entry.mutable_principal()->set_person(principal->person);
  entry.set_action(auth::AuditActionOf(kGetIndicatorsMethod));
  if (audit::IsAuditId(request->request_id())) {
    entry.set_request_id(request->request_id());
  }
  auto append = [&](v1::AuditDecision decision, const Refusal& why) {
    entry.set_decision(decision);
    entry.set_rule_id(why.rule);
    // The audit log holds at most 256 characters of reason.
    entry.set_reason(why.reason.substr(0, 256));
    absl::StatusOr<v1::AuditEntry> appended = audit_->Append(entry);
    if (!appended.ok()) {
      EQ_LOG(kError, "audit append failed for an indicator release: %s",
             appended.status().ToString());
      return absl::UnavailableError(
          "the audit log cannot be written; nothing is released");
    }
    return absl::OkStatus();
  };
  auto refuse = [&](absl::StatusCode code, Refusal why) {
    if (absl::Status audited = append(v1::AUDIT_DENY, why); !audited.ok()) {
      return ToGrpcStatus(audited);
    }
    return ToGrpcStatus(
        absl::Status(code, absl::StrCat(why.rule, ": ", why.reason)));
  };

  const std::optional<framework::Period> period = framework::ParseRequestPeriod(
      request->period_first_day(), request->period_last_day());
  if (!period.has_value()) {
    return refuse(absl::StatusCode::kInvalidArgument,
                  {"E2",
                   "the period must be two dates YYYY-MM-DD, the first "
                   "not after the last, at most five years apart"});
  }

  absl::StatusOr<std::shared_ptr<const governance::AgreementSnapshot>>
      snapshot = agreements_->Current();
  if (!snapshot.ok()) {
    EQ_LOG(kError, "agreements unreadable: %s", snapshot.status().ToString());
    return ToGrpcStatus(absl::UnavailableError(
        "the agreement registry cannot be read; retry later"));
  }
  const governance::AgreementSnapshot& agreements = **snapshot;

  // The indicators asked for, or every submitted one the purpose permits.
  std::vector<const v1::IndicatorDefinition*> indicators;
  if (request->indicator_ids().empty()) {
    for (const v1::IndicatorDefinition& indicator :
         catalogue_->proto().indicators()) {
      if (indicator.source() == v1::INDICATOR_SOURCE_SUBMITTED) {
        indicators.push_back(&indicator);
      }
    }
  } else {
    for (const std::string& id : request->indicator_ids()) {
      const v1::IndicatorDefinition* indicator = catalogue_->Find(id);
      if (indicator == nullptr ||
          indicator->source() != v1::INDICATOR_SOURCE_SUBMITTED) {
        return refuse(
            absl::StatusCode::kInvalidArgument,
            {"E2", absl::StrCat("indicator ",
                                audit::IsAuditId(id) ? id : "(malformed)",
                                " is not computed from submitted "
                                "data in catalogue ",
                                catalogue_->version())});
      }
      indicators.push_back(indicator);
    }
  }

  governance::PolicyDecision deciding;
  std::vector<const v1::IndicatorDefinition*> permitted;
  for (const v1::IndicatorDefinition* indicator : indicators) {
    governance::ExtractRequest check;
    check.consumer_organisation = principal->organisation_code;
    check.purpose_id = request->purpose_id();
    check.indicator_id = indicator->id();
    check.day = agreements.day;
    check.level = v1::IDENTIFIABILITY_AGGREGATE_SDC;
    governance::PolicyDecision decision =
        governance::CheckExtract(agreements.agreements, check);
    if (!decision.allowed()) {
      // Asked for by name: the refusal stands. Asked for everything: what
      // the purpose does not permit is left out.
      if (!request->indicator_ids().empty()) {
        entry.set_agreement_id(decision.agreement_id);
        entry.set_agreement_version(decision.agreement_version);
        return refuse(absl::StatusCode::kPermissionDenied,
                      {decision.rule, decision.reason});
      }
      continue;
    }
    if (deciding.agreement_id.empty()) {
      deciding = decision;
    } else if (decision.agreement_id != deciding.agreement_id ||
               decision.agreement_version != deciding.agreement_version) {
      return refuse(absl::StatusCode::kPermissionDenied,
                    {"E2",
                     "the indicators are permitted by different "
                     "agreements; ask for each agreement's separately"});
    }
    permitted.push_back(indicator);
  }
  if (permitted.empty()) {
    return refuse(absl::StatusCode::kPermissionDenied,
                  {"E2",
                   "no agreement permits an indicator extract for this "
                   "purpose to this organisation"});
  }
  entry.set_agreement_id(deciding.agreement_id);
  entry.set_agreement_version(deciding.agreement_version);
  entry.set_agreement_version_hash(agreements.VersionHash(
      deciding.agreement_id, deciding.agreement_version));
  const v1::Agreement* agreement =
      agreements.Find(deciding.agreement_id, deciding.agreement_version);
  const std::string profile_name =
      agreement == nullptr ? ""
                           : agreement->outputs().disclosure_control_profile();
  absl::StatusOr<const framework::disclosure::Profile*> profile =
      framework::disclosure::FindProfile(profile_name);
  if (!profile.ok()) {
    return refuse(absl::StatusCode::kPermissionDenied,
                  {"E7",
                   "the agreement names no known disclosure-control "
                   "profile (outputs)"});
  }

  framework::IndicatorRelease release;
  release.indicators = permitted;
  release.catalogue_version = catalogue_->version();
  release.profile = *profile;
  release.release_id = absl::StrCat(principal->organisation_code, "-",
                                    absl::ToUnixMicros(absl::Now()));
  release.consumer_organisation = principal->organisation_code;
  release.agreement_id = deciding.agreement_id;
  release.agreement_version = static_cast<int>(deciding.agreement_version);
  release.released_at_unix_seconds = absl::ToUnixSeconds(absl::Now());
  release.ics_code = options_.ics_code;
  release.ics_name = options_.ics_name;
  release.engine.local_authorities = options_.local_authorities;
  release.threads = options_.threads;

  absl::StatusOr<v1::IndicatorResponse> released;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    absl::StatusOr<std::unique_ptr<framework::Population>> population =
        framework::Population::Build(db_.get(), areas_, *period);
    if (!population.ok()) {
      EQ_LOG(kError, "framework population unreadable: %s",
             population.status().ToString());
      return ToGrpcStatus(absl::UnavailableError(
          "the framework store cannot be read; retry later"));
    }
    released =
        framework::ReleaseIndicators(**population, release, ledger_.get());
  }
  if (absl::IsFailedPrecondition(released.status())) {
    return refuse(absl::StatusCode::kPermissionDenied,
                  {"E8", std::string(released.status().message())});
  }
  if (!released.ok()) return ToGrpcStatus(released.status());
  entry.mutable_counts()->set_records_accepted(
      static_cast<uint64_t>(released->rows_size()));
  if (absl::Status audited =
          append(v1::AUDIT_ALLOW, {"E8", "indicator release recorded"});
      !audited.ok()) {
    return ToGrpcStatus(audited);
  }
  *response = *std::move(released);
  return grpc::Status::OK;
}

}  // namespace equilink::api
