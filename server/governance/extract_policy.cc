#include "server/governance/extract_policy.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/governance/agreement_validator.h"
#include "server/governance/flow_resolver.h"

namespace equilink::governance {
namespace {

const v1::Purpose* FindPurpose(const v1::Agreement& agreement,
                               absl::string_view purpose_id) {
  for (const v1::Purpose& purpose : agreement.purposes()) {
    if (purpose.purpose_id() == purpose_id) return &purpose;
  }
  return nullptr;
}

// E2 (indicator), E3 and E4 for one candidate flow; nullopt when they pass.
std::optional<PolicyDecision> CheckAgainstFlow(const FlowMatch& match,
                                               const ExtractRequest& request) {
  if (!request.indicator_id.empty()) {
    const v1::Purpose* purpose =
        FindPurpose(*match.agreement, request.purpose_id);
    const auto* indicators =
        purpose == nullptr ? nullptr : &purpose->permitted_indicator_ids();
    if (indicators == nullptr ||
        std::find(indicators->begin(), indicators->end(),
                  request.indicator_id) == indicators->end()) {
      return Deny("E2", "the purpose does not permit this indicator");
    }
  }
  // Identifiability values are ordered from most to least identifying.
  if (request.level == v1::IDENTIFIABILITY_UNSPECIFIED ||
      request.level < match.flow->identifiability()) {
    return Deny("E3",
                "the output would be more identifying than the flow "
                "allows");
  }
  for (const std::string& field : request.fields) {
    const v1::DataItem* item = FindDataItem(*match.agreement, field);
    if (item == nullptr) {
      return Deny("E4", absl::StrCat("requested field ", field,
                                     " is not on the agreement's whitelist"));
    }
    if (!ItemClassPermittedAt(item->item_class(), request.level)) {
      return Deny("E4",
                  absl::StrCat("requested field ", field,
                               " is of a class not released at this level"));
    }
  }
  return std::nullopt;
}

}  // namespace

PolicyDecision CheckExtract(absl::Span<const v1::Agreement> agreements,
                            const ExtractRequest& request) {
  FlowQuery query;
  query.direction = v1::FLOW_EXTRACT;
  query.organisation = request.consumer_organisation;
  query.dataset_id = request.dataset_id;
  query.purpose_id = request.purpose_id;
  query.day = request.day;
  query.agreement_rule = "E2";
  query.review_rule = "E2";
  query.purpose_rule = "E2";
  static constexpr absl::string_view kRuleOrder[] = {"E2", "E3", "E4"};
  return DecideOnFlows(
      agreements, query, "E4", kRuleOrder,
      [&](const FlowMatch& match) { return CheckAgainstFlow(match, request); });
}

PolicyDecision CheckPullExtract(absl::Span<const v1::Agreement> agreements,
                                absl::string_view consumer,
                                const v1::PullRequest& request,
                                absl::CivilDay day) {
  const std::vector<std::string> fields(request.fields().begin(),
                                        request.fields().end());
  ExtractRequest check;
  check.consumer_organisation = consumer;
  check.purpose_id = request.purpose_id();
  check.dataset_id = request.dataset_id();
  check.day = day;
  check.level = request.identifiability();
  check.fields = fields;
  return CheckExtract(agreements, check);
}

}  // namespace equilink::governance
