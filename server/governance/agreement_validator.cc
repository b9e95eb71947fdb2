#include "server/governance/agreement_validator.h"

#include <optional>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "equilink/v1/record.pb.h"
#include "server/governance/agreement_dates.h"

namespace equilink::governance {
namespace {

constexpr absl::string_view kDisclosureControlProfiles[] = {"NHSD_2018",
                                                            "SMALL10", "DSR10"};

class Violations {
 public:
  void Add(absl::string_view rule, absl::string_view what) {
    list_.push_back(absl::StrCat("agreement rule ", rule, ": ", what));
  }
  std::vector<std::string> Take() { return std::move(list_); }

 private:
  std::vector<std::string> list_;
};

// "6(1)(e)" style: `prefix` then one letter in [first, last] then ")".
bool IsArticleCondition(absl::string_view text, absl::string_view prefix,
                        char first, char last) {
  return text.size() == prefix.size() + 2 &&
         text.substr(0, prefix.size()) == prefix && text.back() == ')' &&
         text[prefix.size()] >= first && text[prefix.size()] <= last;
}

// ONS GSS codes: a country letter and eight digits, e.g. E08000025.
bool IsGssCode(absl::string_view code) {
  if (code.size() != 9 ||
      absl::string_view("ENSW").find(code[0]) == absl::string_view::npos) {
    return false;
  }
  for (char c : code.substr(1)) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// ISO 8601 date-based duration such as "P7Y" or "P1Y6M": retention is counted
// in whole days or more.
bool IsIsoDuration(absl::string_view text) {
  if (text.size() < 3 || text[0] != 'P') return false;
  bool digits = false;
  bool any_part = false;
  for (char c : text.substr(1)) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      digits = true;
    } else if ((c == 'Y' || c == 'M' || c == 'W' || c == 'D') && digits) {
      digits = false;
      any_part = true;
    } else {
      return false;
    }
  }
  return any_part && !digits;
}

bool IsLowerHexSha256(absl::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) &&
        (c < 'a' || c > 'f')) {
      return false;
    }
  }
  return true;
}

bool HasRole(const v1::Party& party, v1::PartyRole role) {
  for (int r : party.roles()) {
    if (r == role) return true;
  }
  return false;
}

const v1::Party* FindParty(const v1::Agreement& agreement,
                           absl::string_view code) {
  for (const v1::Party& party : agreement.parties()) {
    if (party.organisation_code() == code) return &party;
  }
  return nullptr;
}

bool HasFlow(const v1::Agreement& agreement, v1::FlowDirection direction) {
  for (const v1::Flow& flow : agreement.flows()) {
    if (flow.direction() == direction) return true;
  }
  return false;
}

bool HasRecordLevelFlow(const v1::Agreement& agreement) {
  for (const v1::Flow& flow : agreement.flows()) {
    if (flow.identifiability() == v1::IDENTIFIABILITY_PSEUDONYMISED_RECORD)
      return true;
  }
  return false;
}

void CheckIdentity(const v1::Agreement& a, Violations& v) {
  if (a.agreement_id().empty()) v.Add("A1", "an agreement id is required");
  if (a.version() < 1) v.Add("A1", "versions start at 1");
  if (a.title().empty()) v.Add("A1", "a title is required");
  if (a.author().empty()) v.Add("A1", "an author is required");
  if (a.version() > 1 && !IsLowerHexSha256(a.supersedes_hash())) {
    v.Add("A1", "a later version must name the hash of the one it supersedes");
  }
}

void CheckParties(const v1::Agreement& a, Violations& v) {
  if (a.parties_size() < 2) v.Add("A2", "at least two parties are required");
  absl::flat_hash_set<std::string> codes;
  bool controller = false;
  for (const v1::Party& party : a.parties()) {
    if (party.organisation_code().empty())
      v.Add("A2", "a party has no organisation code");
    if (!codes.insert(party.organisation_code()).second)
      v.Add("A2", "an organisation appears as two parties");
    if (party.roles().empty()) v.Add("A2", "a party has no role");
    controller = controller || HasRole(party, v1::PARTY_ROLE_CONTROLLER) ||
                 HasRole(party, v1::PARTY_ROLE_JOINT_CONTROLLER);
  }
  if (!controller) v.Add("A2", "no party is a controller");
}

void CheckPeriod(absl::string_view start_text, absl::string_view end_text,
                 absl::string_view what, Violations& v) {
  const std::optional<absl::CivilDay> start = ParseAgreementDate(start_text);
  const std::optional<absl::CivilDay> end = ParseAgreementDate(end_text);
  if (!start.has_value() || !end.has_value()) {
    v.Add("A3", absl::StrCat(what, " needs a start and an end date"));
  } else if (*end < *start) {
    v.Add("A3", absl::StrCat(what, "'s end date precedes its start date"));
  }
}

void CheckDates(const v1::Agreement& a, Violations& v) {
  CheckPeriod(a.effective_from(), a.expires_on(), "the agreement", v);
  const std::optional<absl::CivilDay> from =
      ParseAgreementDate(a.effective_from());
  const std::optional<absl::CivilDay> to = ParseAgreementDate(a.expires_on());
  for (const v1::Flow& flow : a.flows()) {
    CheckPeriod(flow.start_date(), flow.end_date(), "a flow", v);
    const std::optional<absl::CivilDay> start =
        ParseAgreementDate(flow.start_date());
    const std::optional<absl::CivilDay> end =
        ParseAgreementDate(flow.end_date());
    if (from && to && start && end && (*start < *from || *end > *to))
      v.Add("A3", "a flow runs outside the agreement's period");
  }
  const std::optional<absl::CivilDay> review =
      ParseAgreementDate(a.review_due());
  if (!review.has_value()) {
    v.Add("A3", "a review due date is required");
  } else if (from && to && (*review < *from || *review > *to)) {
    v.Add("A3", "the review due date falls outside the agreement's period");
  }
}

bool HasSpecialCategoryItem(const v1::Agreement& a) {
  for (const v1::DataItem& item : a.data_items()) {
    if (item.item_class() == v1::ITEM_CLASS_SPECIAL_CATEGORY) return true;
  }
  return false;
}

void CheckLawfulBasis(const v1::Agreement& a, Violations& v) {
  const v1::LawfulBasis& basis = a.lawful_basis();
  if (!IsArticleCondition(basis.ukgdpr_art6(), "6(1)(", 'a', 'f'))
    v.Add("A4", "a UK GDPR Article 6 basis such as 6(1)(e) is required");
  if (basis.common_law_basis() == v1::COMMON_LAW_BASIS_UNSPECIFIED)
    v.Add("A4", "a common-law confidentiality basis is required");
  if (basis.common_law_basis() == v1::COMMON_LAW_S251_SUPPORT &&
      basis.s251_cag_reference().empty()) {
    v.Add("A4", "s251 support needs its CAG reference");
  }
  if (!HasSpecialCategoryItem(a)) return;
  const std::string& art9 = basis.ukgdpr_art9();
  if (!IsArticleCondition(art9, "9(2)(", 'a', 'j')) {
    v.Add("A5",
          "special-category items need a UK GDPR Article 9 condition such as "
          "9(2)(h)");
    return;
  }
  // DPA 2018 s10: these Art 9 conditions are met only with a Schedule 1 one.
  const char letter = art9[5];
  if (absl::string_view("bghij").find(letter) != absl::string_view::npos &&
      basis.dpa2018_schedule1().empty()) {
    v.Add("A5",
          "this Article 9 condition needs a DPA 2018 Schedule 1 condition");
  }
}

void CheckPurposes(const v1::Agreement& a, Violations& v) {
  if (a.purposes().empty()) v.Add("A6", "at least one purpose is required");
  absl::flat_hash_set<std::string> ids;
  for (const v1::Purpose& purpose : a.purposes()) {
    if (purpose.purpose_id().empty()) v.Add("A6", "a purpose has no id");
    if (!ids.insert(purpose.purpose_id()).second)
      v.Add("A6", "two purposes share an id");
    if (purpose.category() == v1::PURPOSE_CATEGORY_UNSPECIFIED)
      v.Add("A6", "a purpose has no category");
  }
}

void CheckDataItems(const v1::Agreement& a, Violations& v) {
  if (a.data_items().empty()) v.Add("A7", "the field whitelist is empty");
  const google::protobuf::Descriptor* record =
      v1::PseudonymisedRecord::descriptor();
  absl::flat_hash_set<std::string> fields;
  const bool takes_submissions = HasFlow(a, v1::FLOW_SUBMISSION);
  for (int i = 0; i < a.data_items_size(); ++i) {
    const v1::DataItem& item = a.data_items(i);
    // An item is named by its field only once the field is known to be a
    // record field: anything else is text from the file, which messages
    // never repeat.
    const bool known = record->FindFieldByName(item.field()) != nullptr;
    const std::string name =
        known ? absl::StrCat("data item ", item.field())
              : absl::StrCat("data item ", i + 1, " (in file order)");
    if (!known) {
      v.Add("A7", absl::StrCat(name, " is not a pseudonymised record field"));
    }
    if (!fields.insert(item.field()).second)
      v.Add("A7", absl::StrCat(name, " is listed twice"));
    if (item.item_class() == v1::DATA_ITEM_CLASS_UNSPECIFIED)
      v.Add("A7", absl::StrCat(name, " has no class"));
    if (takes_submissions &&
        item.item_class() == v1::ITEM_CLASS_DIRECT_IDENTIFIER) {
      v.Add("A7", absl::StrCat(name,
                               " is a direct identifier, which no submission "
                               "may carry"));
    }
  }
}

void CheckFlow(const v1::Agreement& a, const v1::Flow& flow,
               const absl::flat_hash_set<std::string>& purpose_ids,
               Violations& v) {
  if (flow.flow_id().empty()) v.Add("A8", "a flow has no id");
  const v1::Party* from = FindParty(a, flow.from_organisation());
  const v1::Party* to = FindParty(a, flow.to_organisation());
  if (from == nullptr || to == nullptr)
    v.Add("A8", "a flow names an organisation that is not a party");
  if (flow.direction() == v1::FLOW_DIRECTION_UNSPECIFIED)
    v.Add("A8", "a flow has no direction");
  if (flow.direction() == v1::FLOW_SUBMISSION) {
    if (from != nullptr && !HasRole(*from, v1::PARTY_ROLE_SUBMITTER))
      v.Add("A8", "a submission flow's sender is not a submitter");
    if (flow.dataset_ids().empty())
      v.Add("A8", "a submission flow names no dataset");
    if (flow.max_records_per_batch() == 0)
      v.Add("A8", "a submission flow needs a batch limit");
  }
  if (flow.direction() == v1::FLOW_EXTRACT && to != nullptr &&
      !HasRole(*to, v1::PARTY_ROLE_RECIPIENT)) {
    v.Add("A8", "an extract flow's receiver is not a recipient");
  }
  if (flow.identifiability() == v1::IDENTIFIABILITY_UNSPECIFIED)
    v.Add("A8", "a flow has no identifiability level");
  if (flow.purpose_ids().empty()) v.Add("A8", "a flow names no purpose");
  for (const std::string& purpose : flow.purpose_ids()) {
    if (!purpose_ids.contains(purpose))
      v.Add("A8", "a flow names a purpose the agreement does not define");
  }
}

void CheckFlows(const v1::Agreement& a, Violations& v) {
  if (a.flows().empty()) v.Add("A8", "at least one flow is required");
  absl::flat_hash_set<std::string> purpose_ids;
  for (const v1::Purpose& purpose : a.purposes())
    purpose_ids.insert(purpose.purpose_id());
  absl::flat_hash_set<std::string> flow_ids;
  for (const v1::Flow& flow : a.flows()) {
    if (!flow_ids.insert(flow.flow_id()).second)
      v.Add("A8", "two flows share an id");
    CheckFlow(a, flow, purpose_ids, v);
  }
}

void CheckPopulation(const v1::Agreement& a, Violations& v) {
  const v1::PopulationScope& population = a.population();
  if (population.age_max() == 0 || population.age_max() < population.age_min())
    v.Add("A9", "the population age range is missing or reversed");
  if (population.local_authority_codes().empty())
    v.Add("A9", "the population names no local authority");
  for (const std::string& code : population.local_authority_codes()) {
    if (!IsGssCode(code))
      v.Add("A9", "a local authority code is not an ONS GSS code");
  }
}

void CheckRetentionAndPolicies(const v1::Agreement& a, Violations& v) {
  if (!IsIsoDuration(a.retention().period()))
    v.Add("A10", "a retention period such as P7Y is required");
  if (a.retention().disposal() == v1::DISPOSAL_METHOD_UNSPECIFIED)
    v.Add("A10", "a disposal method is required");

  const v1::OptOutPolicy& opt_outs = a.opt_outs();
  if (!opt_outs.apply_national_data_opt_out() &&
      opt_outs.national_data_opt_out_rationale().empty()) {
    v.Add("A11", "not applying the national data opt-out needs a rationale");
  }
  if (!opt_outs.apply_national_data_opt_out() &&
      a.lawful_basis().common_law_basis() == v1::COMMON_LAW_S251_SUPPORT) {
    v.Add("A11", "s251 support requires the national data opt-out");
  }

  if (HasFlow(a, v1::FLOW_EXTRACT)) {
    const std::string& profile = a.outputs().disclosure_control_profile();
    bool known = false;
    for (absl::string_view name : kDisclosureControlProfiles)
      known = known || profile == name;
    if (!known) {
      v.Add("A12",
            "extracts need a disclosure-control profile: NHSD_2018, SMALL10 "
            "or DSR10");
    }
  }

  if (HasRecordLevelFlow(a) && a.linkage().pseudonym_domain().empty())
    v.Add("A13", "record-level flows need a pseudonym domain");
  if (a.linkage().reidentification_permitted() &&
      a.linkage().reidentification_procedure().empty()) {
    v.Add("A13", "permitting re-identification needs a written procedure");
  }
}

}  // namespace

std::vector<std::string> FindAgreementRuleViolations(
    const v1::Agreement& agreement) {
  Violations violations;
  CheckIdentity(agreement, violations);
  CheckParties(agreement, violations);
  CheckDates(agreement, violations);
  CheckLawfulBasis(agreement, violations);
  CheckPurposes(agreement, violations);
  CheckDataItems(agreement, violations);
  CheckFlows(agreement, violations);
  CheckPopulation(agreement, violations);
  CheckRetentionAndPolicies(agreement, violations);
  return violations.Take();
}

absl::Status ValidateAgreement(const v1::Agreement& agreement) {
  const std::vector<std::string> violations =
      FindAgreementRuleViolations(agreement);
  if (violations.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(violations, "; "));
}

bool ItemClassPermittedAt(v1::DataItemClass item_class,
                          v1::Identifiability level) {
  switch (item_class) {
    case v1::ITEM_CLASS_PSEUDONYM:
      return level == v1::IDENTIFIABILITY_PSEUDONYMISED_RECORD;
    case v1::ITEM_CLASS_QUASI_IDENTIFIER:
    case v1::ITEM_CLASS_SPECIAL_CATEGORY:
    case v1::ITEM_CLASS_OPERATIONAL:
      return true;
    default:
      return false;
  }
}

}  // namespace equilink::governance
