#include "server/governance/flow_resolver.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "server/governance/agreement_dates.h"
#include "server/governance/agreement_lifecycle.h"

namespace equilink::governance {
namespace {

bool Names(const v1::Flow& flow, const FlowQuery& query) {
  const std::string& party = query.direction == v1::FLOW_SUBMISSION
                                 ? flow.from_organisation()
                                 : flow.to_organisation();
  return flow.direction() == query.direction && party == query.organisation;
}

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& list,
              absl::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool ReviewOverdue(const v1::Agreement& agreement, const FlowQuery& query) {
  const std::optional<absl::CivilDay> due =
      ParseAgreementDate(agreement.review_due());
  return due.has_value() && query.day > *due + query.review_grace_days;
}

// Keeps the matches meeting `keep`; when that empties the list, records
// `rule`/`reason` as the denial.
template <typename Predicate>
bool Narrow(std::vector<FlowMatch>& matches, Predicate keep,
            absl::string_view rule, absl::string_view reason,
            PolicyDecision* denial) {
  std::vector<FlowMatch> kept;
  for (const FlowMatch& match : matches) {
    if (keep(match)) kept.push_back(match);
  }
  if (kept.empty()) *denial = Deny(rule, reason);
  matches = std::move(kept);
  return !matches.empty();
}

// Says which inactive status stopped every candidate, preferring the one a
// governance lead can most easily act on.
std::string InactiveReason(const std::vector<FlowMatch>& matches,
                           absl::CivilDay day) {
  bool suspended = false;
  bool expired = false;
  bool terminated = false;
  for (const FlowMatch& match : matches) {
    const v1::AgreementStatus status = EffectiveStatus(*match.agreement, day);
    suspended = suspended || status == v1::AGREEMENT_SUSPENDED;
    expired = expired || status == v1::AGREEMENT_EXPIRED;
    terminated = terminated || status == v1::AGREEMENT_TERMINATED;
  }
  if (suspended) return "the agreement covering this flow is suspended";
  if (expired) return "the agreement covering this flow has expired";
  if (terminated) return "the agreement covering this flow was terminated";
  return "the agreement covering this flow is not yet active";
}

}  // namespace

PolicyDecision Deny(absl::string_view rule, absl::string_view reason) {
  PolicyDecision decision;
  decision.verdict = Verdict::kDeny;
  decision.rule = std::string(rule);
  decision.reason = std::string(reason);
  return decision;
}

PolicyDecision Allow(absl::string_view rule, const FlowMatch& match) {
  PolicyDecision decision;
  decision.verdict = Verdict::kAllow;
  decision.rule = std::string(rule);
  decision.reason = "an active agreement covers this action";
  decision.agreement_id = match.agreement->agreement_id();
  decision.agreement_version = match.agreement->version();
  decision.flow_id = match.flow->flow_id();
  return decision;
}

std::vector<FlowMatch> ResolveFlows(absl::Span<const v1::Agreement> agreements,
                                    const FlowQuery& query,
                                    PolicyDecision* denial) {
  std::vector<FlowMatch> matches;
  for (const v1::Agreement& agreement : agreements) {
    for (const v1::Flow& flow : agreement.flows()) {
      if (Names(flow, query)) matches.push_back({&agreement, &flow});
    }
  }
  const bool submission = query.direction == v1::FLOW_SUBMISSION;
  if (matches.empty()) {
    *denial = Deny(query.agreement_rule,
                   submission ? "no agreement has a submission flow from the "
                                "calling organisation"
                              : "no agreement has an extract flow to the "
                                "calling organisation");
    return matches;
  }
  const std::string inactive = InactiveReason(matches, query.day);
  const bool found =
      Narrow(
          matches,
          [&](const FlowMatch& m) {
            return EffectiveStatus(*m.agreement, query.day) ==
                   v1::AGREEMENT_ACTIVE;
          },
          query.agreement_rule, inactive, denial) &&
      Narrow(
          matches,
          [&](const FlowMatch& m) {
            return FlowInForce(*m.agreement, *m.flow, query.day);
          },
          query.agreement_rule, "no flow is in force on this date", denial) &&
      Narrow(
          matches,
          [&](const FlowMatch& m) {
            return !ReviewOverdue(*m.agreement, query);
          },
          query.review_rule, "the agreement's review is overdue", denial) &&
      Narrow(
          matches,
          [&](const FlowMatch& m) {
            // An extract flow naming no dataset (aggregate indicators)
            // draws on every dataset; a submission flow always names one.
            return query.dataset_id.empty() ||
                   (!submission && m.flow->dataset_ids().empty()) ||
                   Contains(m.flow->dataset_ids(), query.dataset_id);
          },
          query.agreement_rule, "no flow covers this dataset", denial) &&
      Narrow(
          matches,
          [&](const FlowMatch& m) {
            return Contains(m.flow->purpose_ids(), query.purpose_id);
          },
          query.purpose_rule, "the flow does not permit this purpose", denial);
  if (!found) matches.clear();
  return matches;
}

PolicyDecision DecideOnFlows(
    absl::Span<const v1::Agreement> agreements, const FlowQuery& query,
    absl::string_view allow_rule,
    absl::Span<const absl::string_view> rules_in_check_order,
    absl::FunctionRef<std::optional<PolicyDecision>(const FlowMatch&)> check) {
  PolicyDecision denial;
  const std::vector<FlowMatch> matches =
      ResolveFlows(agreements, query, &denial);
  if (matches.empty()) return denial;
  // A rule missing from the order ranks first, so it never hides one that is.
  auto progress = [&](const PolicyDecision& failure) {
    const auto it = std::find(rules_in_check_order.begin(),
                              rules_in_check_order.end(), failure.rule);
    return it == rules_in_check_order.end()
               ? -1
               : static_cast<int>(it - rules_in_check_order.begin());
  };
  std::optional<PolicyDecision> closest_failure;
  for (const FlowMatch& match : matches) {
    std::optional<PolicyDecision> failure = check(match);
    if (!failure.has_value()) return Allow(allow_rule, match);
    if (!closest_failure.has_value() ||
        progress(*failure) > progress(*closest_failure)) {
      closest_failure = std::move(failure);
    }
  }
  return *closest_failure;
}

const v1::DataItem* FindDataItem(const v1::Agreement& agreement,
                                 absl::string_view field) {
  for (const v1::DataItem& item : agreement.data_items()) {
    if (item.field() == field) return &item;
  }
  return nullptr;
}

}  // namespace equilink::governance
