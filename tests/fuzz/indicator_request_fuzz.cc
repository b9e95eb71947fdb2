// Fuzz target for IndicatorService's request decoding: bytes -> an
// IndicatorRequest (parsed as gRPC hands it to the handler) -> what
// GetIndicators checks before it computes anything: the request id the audit
// entry may cite, the period (framework::ParseRequestPeriod), each indicator
// id against the repository's indicator catalogue, and CheckExtract at
// aggregate level against the repository's real agreements, for a consumer
// picked by the first byte. Beyond not crashing: a day the period accepts is
// "YYYY-MM-DD" exactly (it prints back the same), and no policy reason echoes
// the request.

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

const framework::IndicatorCatalogue& Catalogue() {
  static const framework::IndicatorCatalogue* const catalogue = [] {
    auto parsed = framework::IndicatorCatalogue::Parse(
        fuzz::ReadRepoFile("deploy/framework/indicators.textproto"));
    EQ_CHECK(parsed.ok());
    return parsed->release();
  }();
  return *catalogue;
}

void CheckDay(absl::CivilDay day, const std::string& text) {
  EQ_CHECK(absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(),
                           day.day()) == text);
}

void Decode(uint8_t selector, const uint8_t* data, size_t size) {
  v1::IndicatorRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  (void)audit::IsAuditId(request.request_id());
  const std::optional<framework::Period> period = framework::ParseRequestPeriod(
      request.period_first_day(), request.period_last_day());
  if (!period.has_value()) return;  // E2
  CheckDay(period->first_day, request.period_first_day());
  CheckDay(period->last_day, request.period_last_day());
  EQ_CHECK(period->first_day <= period->last_day);

  const fuzz::RealAgreements& real = fuzz::GetRealAgreements();
  const std::string& consumer =
      real.organisation_codes[selector % real.organisation_codes.size()];
  for (const std::string& id : request.indicator_ids()) {
    (void)audit::IsAuditId(id);
    const v1::IndicatorDefinition* indicator = Catalogue().Find(id);
    if (indicator == nullptr) return;  // E2
    EQ_CHECK(indicator->id() == id);
    governance::ExtractRequest check;
    check.consumer_organisation = consumer;
    check.purpose_id = request.purpose_id();
    check.indicator_id = indicator->id();
    check.day = real.day;
    check.level = v1::IDENTIFIABILITY_AGGREGATE_SDC;
    const governance::PolicyDecision decision =
        governance::CheckExtract(real.agreements, check);
    fuzz::CheckNoEcho(decision.reason, request);
  }
}

}  // namespace
}  // namespace equilink

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  equilink::Decode(data[0], data + 1, size - 1);
  return 0;
}
