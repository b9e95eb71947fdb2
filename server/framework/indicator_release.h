#ifndef EQUILINK_SERVER_FRAMEWORK_INDICATOR_RELEASE_H_
#define EQUILINK_SERVER_FRAMEWORK_INDICATOR_RELEASE_H_

// One release of framework indicators to one consumer: compute the
// requested indicators over the period's linked population, apply the
// consumer's disclosure-control profile, check the release ledger for
// differencing against everything released before, record what is shown,
// and lay the figures out in the Fingertips shape (equilink.v1
// IndicatorValueRow). The caller has already authenticated the consumer and
// found the agreement that permits each indicator; it audits the outcome.
//
// Nothing is returned unless the ledger accepted and recorded the release:
// a refused release (FailedPrecondition from the ledger) shows nothing.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "equilink/v1/indicators.pb.h"
#include "server/framework/disclosure/profile.h"
#include "server/framework/disclosure/release_ledger.h"
#include "server/framework/indicator_engine.h"
#include "server/framework/population.h"

namespace equilink::framework {

struct IndicatorRelease {
  std::vector<const v1::IndicatorDefinition*> indicators;
  std::string catalogue_version;
  const disclosure::Profile* profile = nullptr;
  std::string release_id;
  std::string consumer_organisation;
  std::string agreement_id;
  int agreement_version = 0;
  int64_t released_at_unix_seconds = 0;
  // The whole-ICS area of the figures.
  std::string ics_code;
  std::string ics_name;
  EngineOptions engine;
  int threads = 2;
};

// Computes and releases `release.indicators` over `population` (built for
// the period being released). InvalidArgument for an external indicator or
// a missing profile; the ledger's errors as it returns them.
absl::StatusOr<v1::IndicatorResponse> ReleaseIndicators(
    const Population& population, const IndicatorRelease& release,
    disclosure::ReleaseLedger* ledger);

// "2026-01-01" for a civil day.
std::string DayText(absl::CivilDay day);

}  // namespace equilink::framework

#endif  // EQUILINK_SERVER_FRAMEWORK_INDICATOR_RELEASE_H_
