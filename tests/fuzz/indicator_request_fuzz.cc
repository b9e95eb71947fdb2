// Fuzz target for IndicatorService's request decoding: bytes -> an
// IndicatorRequest (parsed as gRPC hands it to the handler) -> what
// GetIndicators checks before it computes anything: the request id the audit
// entry may cite, the period (framework::ParseDay, both days, ordered, at most
// five years), each indicator id against the repository's indicator catalogue,
// and CheckExtract at aggregate level against the repository's real
// agreements, for a consumer picked by the first byte. Beyond not crashing: a
// day ParseDay accepts prints back as the same text, and no policy reason
// echoes the request.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "common/status/check.h"
#include "equilink/v1/indicators.pb.h"
#include "server/audit/entry_rules.h"
#include "server/framework/indicator_catalogue.h"
#include "server/framework/population.h"
#include "server/governance/extract_policy.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/request_fixtures.h"

namespace equilink {
namespace {

constexpr int kMaxPeriodDays = 5 * 366;

const framework::IndicatorCatalogue& Catalogue() {
  static const framework::IndicatorCatalogue* const catalogue = [] {
    auto parsed = framework::IndicatorCatalogue::Parse(
        fuzz::ReadRepoFile("deploy/framework/indicators.textproto"));
    EQ_CHECK(parsed.ok());
    return parsed->release();
  }();
  return *catalogue;
}

std::optional<absl::CivilDay> Day(const std::string& text) {
  std::optional<absl::CivilDay> day = framework::ParseDay(text);
  if (day.has_value()) {
    EQ_CHECK(absl::StrFormat("%04d-%02d-%02d", day->year(), day->month(),
                             day->day()) == text);
  }
  return day;
}

}  // namespace
}  // namespace equilink

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  namespace eq = equilink;
  eq::v1::IndicatorRequest request;
  if (!request.ParseFromArray(data + 1, static_cast<int>(size - 1))) return 0;
  (void)eq::audit::IsAuditId(request.request_id());
  const std::optional<absl::CivilDay> first =
      eq::Day(request.period_first_day());
  const std::optional<absl::CivilDay> last = eq::Day(request.period_last_day());
  if (!first.has_value() || !last.has_value() || *last < *first ||
      *last - *first > eq::kMaxPeriodDays) {
    return 0;  // E2
  }
  const eq::fuzz::RealAgreements& real = eq::fuzz::GetRealAgreements();
  const std::string& consumer =
      real.organisation_codes[data[0] % real.organisation_codes.size()];
  for (const std::string& id : request.indicator_ids()) {
    (void)eq::audit::IsAuditId(id);
    const eq::v1::IndicatorDefinition* indicator = eq::Catalogue().Find(id);
    if (indicator == nullptr) return 0;  // E2
    EQ_CHECK(indicator->id() == id);
    eq::governance::ExtractRequest check;
    check.consumer_organisation = consumer;
    check.purpose_id = request.purpose_id();
    check.indicator_id = indicator->id();
    check.day = real.day;
    check.level = eq::v1::IDENTIFIABILITY_AGGREGATE_SDC;
    const eq::governance::PolicyDecision decision =
        eq::governance::CheckExtract(real.agreements, check);
    eq::fuzz::CheckNoEcho(decision.reason, request);
  }
  return 0;
}
