#include "server/governance/transparency_register.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/json_util.h"
#include "server/governance/agreement_lifecycle.h"

namespace equilink::governance {
namespace {

absl::string_view PartyRoleLabel(int role) {
  switch (role) {
    case v1::PARTY_ROLE_CONTROLLER:
      return "controller";
    case v1::PARTY_ROLE_JOINT_CONTROLLER:
      return "joint controller";
    case v1::PARTY_ROLE_PROCESSOR:
      return "processor";
    case v1::PARTY_ROLE_SUB_PROCESSOR:
      return "sub-processor";
    case v1::PARTY_ROLE_RECIPIENT:
      return "recipient";
    case v1::PARTY_ROLE_SUBMITTER:
      return "submitter";
    default:
      return "unspecified role";
  }
}

absl::string_view CommonLawLabel(v1::CommonLawBasis basis) {
  switch (basis) {
    case v1::COMMON_LAW_IMPLIED_CONSENT_DIRECT_CARE:
      return "implied consent for direct care";
    case v1::COMMON_LAW_EXPLICIT_CONSENT:
      return "explicit consent";
    case v1::COMMON_LAW_S251_SUPPORT:
      return "section 251 support";
    case v1::COMMON_LAW_LEGAL_REQUIREMENT:
      return "legal requirement";
    case v1::COMMON_LAW_OVERRIDING_PUBLIC_INTEREST:
      return "overriding public interest";
    case v1::COMMON_LAW_DEIDENTIFIED_NOT_CONFIDENTIAL:
      return "de-identified, not confidential to the recipient";
    default:
      return "unspecified";
  }
}

absl::string_view RetentionTriggerLabel(v1::RetentionTrigger trigger) {
  switch (trigger) {
    case v1::RETENTION_FROM_RECEIPT:
      return "from receipt";
    case v1::RETENTION_FROM_AGREEMENT_END:
      return "from the end of the agreement";
    case v1::RETENTION_FROM_LAST_CONTACT:
      return "from last contact";
    default:
      return "from an unspecified start";
  }
}

absl::string_view DisposalLabel(v1::DisposalMethod disposal) {
  switch (disposal) {
    case v1::DISPOSAL_CRYPTO_SHRED:
      return "crypto-shredded";
    case v1::DISPOSAL_DELETE_AND_VACUUM:
      return "deleted and vacuumed";
    default:
      return "disposal unspecified";
  }
}

std::string PartyText(const v1::Party& party) {
  std::vector<absl::string_view> roles;
  for (int role : party.roles()) roles.push_back(PartyRoleLabel(role));
  return absl::StrCat(party.organisation_code(), " ", party.name(), " (",
                      absl::StrJoin(roles, ", "), ")");
}

std::string LawfulBasisText(const v1::LawfulBasis& basis) {
  std::vector<std::string> parts;
  if (!basis.ukgdpr_art6().empty()) {
    parts.push_back(absl::StrCat("Art ", basis.ukgdpr_art6()));
  }
  if (!basis.ukgdpr_art9().empty()) {
    parts.push_back(absl::StrCat("Art ", basis.ukgdpr_art9()));
  }
  parts.push_back(
      absl::StrCat("common law: ", CommonLawLabel(basis.common_law_basis())));
  if (!basis.s251_cag_reference().empty()) {
    parts.push_back(absl::StrCat("CAG ", basis.s251_cag_reference()));
  }
  return absl::StrJoin(parts, "; ");
}

std::string OptOutText(const v1::OptOutPolicy& policy) {
  if (!policy.apply_national_data_opt_out()) {
    return absl::StrCat("not applied: ",
                        policy.national_data_opt_out_rationale());
  }
  return policy.national_data_opt_out_stage() == v1::OPT_OUT_AT_EXTRACT
             ? "applied at extract"
             : "applied at ingest";
}

std::string RetentionText(const v1::Retention& retention) {
  return absl::StrCat(retention.period(), " ",
                      RetentionTriggerLabel(retention.trigger()), ", then ",
                      DisposalLabel(retention.disposal()));
}

// RFC 4180 section 2: fields with a comma, quote or line break are quoted and
// their quotes doubled; others are written as they are.
std::string CsvField(absl::string_view value) {
  if (value.find_first_of(",\"\r\n") == absl::string_view::npos) {
    return std::string(value);
  }
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

template <typename Repeated>
std::string Joined(const Repeated& values) {
  return absl::StrJoin(values, "; ");
}

}  // namespace

v1::RegisterEntry RegisterEntryOf(const StoredAgreement& stored) {
  const v1::Agreement& agreement = stored.agreement;
  v1::RegisterEntry entry;
  entry.set_agreement_id(agreement.agreement_id());
  entry.set_version(agreement.version());
  entry.set_version_hash(stored.version_hash);
  entry.set_title(agreement.title());
  entry.set_plain_english_summary(agreement.plain_english_summary());
  for (const v1::Party& party : agreement.parties()) {
    entry.add_parties(PartyText(party));
  }
  for (const v1::Purpose& purpose : agreement.purposes()) {
    entry.add_purposes(
        absl::StrCat(purpose.purpose_id(), ": ", purpose.description()));
  }
  entry.set_lawful_basis(LawfulBasisText(agreement.lawful_basis()));
  for (const v1::DataItem& item : agreement.data_items()) {
    entry.add_data_items(item.field());
  }
  entry.set_national_data_opt_out(OptOutText(agreement.opt_outs()));
  entry.set_retention(RetentionText(agreement.retention()));
  entry.set_effective_from(agreement.effective_from());
  entry.set_expires_on(agreement.expires_on());
  entry.set_review_due(agreement.review_due());
  return entry;
}

v1::TransparencyRegister BuildTransparencyRegister(
    absl::Span<const StoredAgreement> agreements, absl::CivilDay today) {
  v1::TransparencyRegister reg;
  reg.set_generated_on(absl::StrFormat("%04d-%02d-%02d", today.year(),
                                       today.month(), today.day()));
  for (const StoredAgreement& stored : agreements) {
    if (EffectiveStatus(stored.agreement, today) == v1::AGREEMENT_ACTIVE) {
      *reg.add_entries() = RegisterEntryOf(stored);
    }
  }
  return reg;
}

std::string RenderRegisterCsv(const v1::TransparencyRegister& reg) {
  std::string csv =
      "agreement_id,version,version_hash,title,plain_english_summary,parties,"
      "purposes,lawful_basis,data_items,national_data_opt_out,retention,"
      "effective_from,expires_on,review_due\r\n";
  for (const v1::RegisterEntry& entry : reg.entries()) {
    const std::vector<std::string> fields = {
        entry.agreement_id(),
        absl::StrCat(entry.version()),
        entry.version_hash(),
        entry.title(),
        entry.plain_english_summary(),
        Joined(entry.parties()),
        Joined(entry.purposes()),
        entry.lawful_basis(),
        Joined(entry.data_items()),
        entry.national_data_opt_out(),
        entry.retention(),
        entry.effective_from(),
        entry.expires_on(),
        entry.review_due(),
    };
    std::vector<std::string> cells;
    cells.reserve(fields.size());
    for (const std::string& field : fields) cells.push_back(CsvField(field));
    absl::StrAppend(&csv, absl::StrJoin(cells, ","), "\r\n");
  }
  return csv;
}

absl::StatusOr<std::string> RenderRegisterJson(
    const v1::TransparencyRegister& reg) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(reg, &json, options).ok()) {
    return absl::InternalError("transparency register: JSON printing failed");
  }
  return json;
}

}  // namespace equilink::governance
