#include "server/governance/submission_policy.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "server/governance/agreement_validator.h"
#include "server/governance/flow_resolver.h"

namespace equilink::governance {
namespace {

// S7, S6 and S11 for one candidate flow; nullopt when the batch passes.
std::optional<PolicyDecision> CheckBatchAgainstFlow(
    const FlowMatch& match, const SubmissionRequest& request) {
  const std::string& domain = match.agreement->linkage().pseudonym_domain();
  if (!domain.empty() && request.key_id != domain) {
    return Deny("S7",
                "the batch's tokens were made under another linkage key than "
                "the agreement's pseudonym domain");
  }
  for (const std::string& field : request.populated_fields) {
    const v1::DataItem* item = FindDataItem(*match.agreement, field);
    if (item == nullptr) {
      return Deny("S6", absl::StrCat("populated field ", field,
                                     " is not on the agreement's whitelist"));
    }
    if (!ItemClassPermittedAt(item->item_class(),
                              match.flow->identifiability())) {
      return Deny("S6", absl::StrCat("populated field ", field,
                                     " is of a class this flow may not carry"));
    }
  }
  if (request.batch_size > match.flow->max_records_per_batch()) {
    return Deny("S11", "the batch exceeds the flow's record limit");
  }
  return std::nullopt;
}

PolicyDecision Quarantine(absl::string_view reason) {
  PolicyDecision decision;
  decision.verdict = Verdict::kQuarantine;
  decision.rule = "S9";
  decision.reason = std::string(reason);
  return decision;
}

}  // namespace

PolicyDecision CheckSubmission(absl::Span<const v1::Agreement> agreements,
                               const SubmissionRequest& request) {
  FlowQuery query;
  query.direction = v1::FLOW_SUBMISSION;
  query.organisation = request.organisation_code;
  query.dataset_id = request.dataset_id;
  query.purpose_id = request.purpose_id;
  query.day = request.day;
  query.review_grace_days = request.review_grace_days;
  query.agreement_rule = "S2";
  query.review_rule = "S3";
  query.purpose_rule = "S4";
  static constexpr absl::string_view kRuleOrder[] = {"S7", "S6", "S11"};
  return DecideOnFlows(agreements, query, "S11", kRuleOrder,
                       [&](const FlowMatch& match) {
                         return CheckBatchAgainstFlow(match, request);
                       });
}

std::vector<std::string> PopulatedRecordFields(
    const v1::PseudonymisedRecord& record) {
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  record.GetReflection()->ListFields(record, &fields);
  std::vector<std::string> names;
  names.reserve(fields.size());
  for (const google::protobuf::FieldDescriptor* field : fields)
    names.push_back(field->name());
  return names;
}

PolicyDecision CheckRecordScope(const v1::Agreement& agreement,
                                const v1::PseudonymisedRecord& record,
                                const LocalAuthorityLookup& local_authorities,
                                absl::CivilDay day) {
  const v1::PopulationScope& scope = agreement.population();
  uint32_t age = record.age_at_referral();
  if (record.referral_date().empty()) {
    // No referral: a register entry, aged today. birth_year_month is YYYY-MM
    // (checked by the record rules).
    int year = 0, month = 0;
    const std::string& born = record.birth_year_month();
    if (born.size() != 7 || !absl::SimpleAtoi(born.substr(0, 4), &year) ||
        !absl::SimpleAtoi(born.substr(5, 2), &month)) {
      return Quarantine("the age is not known");
    }
    int months =
        (static_cast<int>(day.year()) - year) * 12 + (day.month() - month);
    if (months < 0) return Quarantine("the birth month is after today");
    age = static_cast<uint32_t>(months / 12);
  } else {
    // age_at_referral is 0 both for a baby and for "not known"; it is known
    // exactly when the client had both dates to compute it from.
    const bool age_known =
        record.age_at_referral() != 0 || !record.birth_year_month().empty();
    if (!age_known) return Quarantine("the age at referral is not known");
  }
  if (age < scope.age_min() || age > scope.age_max()) {
    return Quarantine("the age at referral is outside the agreement's range");
  }
  if (record.lsoa_code().empty())
    return Quarantine("the record has no LSOA to place it");
  const std::optional<std::string> local_authority =
      local_authorities.LocalAuthorityOf(record.lsoa_code());
  if (!local_authority.has_value())
    return Quarantine("the record's LSOA is not in the lookup");
  const auto& codes = scope.local_authority_codes();
  if (std::find(codes.begin(), codes.end(), *local_authority) == codes.end()) {
    return Quarantine(
        "the record's LSOA lies outside the agreement's local authorities");
  }
  // Called for every record of every batch: the allow carries no text and no
  // agreement id (the batch's decision already cites the agreement), so the
  // common case allocates nothing.
  PolicyDecision decision;
  decision.verdict = Verdict::kAllow;
  decision.rule = "S9";
  return decision;
}

}  // namespace equilink::governance
