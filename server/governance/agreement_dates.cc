#include "server/governance/agreement_dates.h"

#include <string>

namespace equilink::governance {
namespace {

bool Within(absl::string_view from, absl::string_view to, absl::CivilDay day) {
  const std::optional<absl::CivilDay> start = ParseAgreementDate(from);
  const std::optional<absl::CivilDay> end = ParseAgreementDate(to);
  return start.has_value() && end.has_value() && *start <= day && day <= *end;
}

}  // namespace

std::optional<absl::CivilDay> ParseAgreementDate(absl::string_view text) {
  if (text.size() != 10) return std::nullopt;
  absl::CivilDay day;
  if (!absl::ParseCivilTime(text, &day)) return std::nullopt;
  // absl normalises out-of-range fields (2026-02-30 becomes 2026-03-02), so
  // only a date that prints back unchanged is a real one.
  if (absl::FormatCivilTime(day) != text) return std::nullopt;
  return day;
}

bool FlowInForce(const v1::Agreement& agreement, const v1::Flow& flow,
                 absl::CivilDay day) {
  return Within(agreement.effective_from(), agreement.expires_on(), day) &&
         Within(flow.start_date(), flow.end_date(), day);
}

bool PastExpiry(const v1::Agreement& agreement, absl::CivilDay day) {
  const std::optional<absl::CivilDay> expiry =
      ParseAgreementDate(agreement.expires_on());
  return expiry.has_value() && day > *expiry;
}

}  // namespace equilink::governance
