#include "client/commands/governance_commands.h"

#include <cstdio>
#include <functional>
#include <map>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "client/commands/audit_commands.h"
#include "client/commands/optout_command.h"
#include "client/commands/text_table.h"
#include "common/rpc/status_grpc.h"
#include "common/status/status_macros.h"
#include "google/protobuf/text_format.h"
#include "server/audit/checkpoint_export.h"
#include "server/governance/agreement_file.h"
#include "server/governance/transparency_register.h"

namespace equilink::client {
namespace {

using Stub = v1::GovernanceService::Stub;

std::string WithoutPrefix(std::string name, absl::string_view prefix) {
  if (absl::StartsWith(name, prefix)) name.erase(0, prefix.size());
  return name;
}

std::string StatusName(v1::AgreementStatus status) {
  return WithoutPrefix(v1::AgreementStatus_Name(status), "AGREEMENT_");
}

std::string ActionName(v1::AgreementAction action) {
  return WithoutPrefix(v1::AgreementAction_Name(action), "AGREEMENT_ACTION_");
}

std::string OrganisationStatusName(v1::OrganisationStatus status) {
  return WithoutPrefix(v1::OrganisationStatus_Name(status), "ORGANISATION_");
}

// Calls one unary method with the connection's deadline.
template <typename Request, typename Response, typename Method>
absl::StatusOr<Response> Unary(const GatewayConnection& gateway, Method method,
                               const Request& request) {
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<Stub> stub, ConnectGovernance(gateway));
  std::unique_ptr<grpc::ClientContext> context = CallContext(gateway);
  Response response;
  EQ_RETURN_IF_ERROR(
      FromGrpcStatus(((*stub).*method)(context.get(), request, &response)));
  return response;
}

absl::Status WriteOutput(const std::string& path, const std::string& text,
                         std::ostream& out) {
  if (path.empty()) {
    out << text;
    return absl::OkStatus();
  }
  std::unique_ptr<FILE, decltype(&fclose)> file(fopen(path.c_str(), "wb"),
                                                &fclose);
  if (file == nullptr ||
      fwrite(text.data(), 1, text.size(), file.get()) != text.size()) {
    return absl::PermissionDeniedError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

std::string EventLine(const v1::AgreementEvent& event) {
  const absl::Time time = absl::FromUnixSeconds(event.time().seconds()) +
                          absl::Nanoseconds(event.time().nanos());
  std::string line = absl::StrCat(
      "  ",
      absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", time, absl::UTCTimeZone()),
      "  ",
      event.action() == v1::AGREEMENT_ACTION_UNSPECIFIED
          ? std::string("CREATE")
          : ActionName(event.action()),
      "  ", StatusName(event.from_status()), " -> ",
      StatusName(event.to_status()), "  by ", event.principal());
  if (!event.reason().empty())
    absl::StrAppend(&line, "  (", event.reason(), ")");
  return line + "\n";
}

std::string FormatView(const v1::AgreementView& view) {
  const v1::Agreement& agreement = view.agreement();
  std::string text =
      absl::StrCat("agreement ", agreement.agreement_id(), " version ",
                   agreement.version(), ": ", StatusName(agreement.status()),
                   "\nversion hash: ", view.version_hash(), "\nhistory:\n");
  for (const v1::AgreementEvent& event : view.history()) {
    text += EventLine(event);
  }
  v1::Agreement content = agreement;
  content.clear_status();
  std::string body;
  google::protobuf::TextFormat::PrintToString(content, &body);
  absl::StrAppend(&text, "content:\n", body);
  return text;
}

// ---- agreements ----

absl::StatusOr<std::string> AgreementsCreate(const GovernanceFlags& flags) {
  if (flags.file.empty()) {
    return absl::InvalidArgumentError("--file=AGREEMENT is required");
  }
  v1::CreateAgreementRequest request;
  EQ_ASSIGN_OR_RETURN(*request.mutable_agreement(),
                      governance::LoadAgreementFile(flags.file));
  EQ_ASSIGN_OR_RETURN(v1::AgreementView view,
                      (Unary<v1::CreateAgreementRequest, v1::AgreementView>(
                          flags.gateway, &Stub::CreateAgreement, request)));
  return absl::StrCat("stored as a draft: ", view.agreement().agreement_id(),
                      " version ", view.agreement().version(), " (hash ",
                      view.version_hash(), ", author ",
                      view.agreement().author(), ")\n");
}

absl::StatusOr<std::string> AgreementsShow(const GovernanceFlags& flags) {
  if (flags.id.empty()) return absl::InvalidArgumentError("--id is required");
  v1::GetAgreementRequest request;
  request.set_agreement_id(flags.id);
  request.set_version(flags.version);
  EQ_ASSIGN_OR_RETURN(v1::AgreementView view,
                      (Unary<v1::GetAgreementRequest, v1::AgreementView>(
                          flags.gateway, &Stub::GetAgreement, request)));
  return FormatView(view);
}

absl::StatusOr<std::string> AgreementsList(const GovernanceFlags& flags) {
  EQ_ASSIGN_OR_RETURN(
      v1::ListAgreementsResponse list,
      (Unary<v1::ListAgreementsRequest, v1::ListAgreementsResponse>(
          flags.gateway, &Stub::ListAgreements, v1::ListAgreementsRequest())));
  std::vector<std::vector<std::string>> rows = {
      {"ID", "VERSION", "STATUS", "EFFECTIVE", "EXPIRES", "TITLE"}};
  for (const v1::AgreementView& view : list.agreements()) {
    const v1::Agreement& a = view.agreement();
    rows.push_back({a.agreement_id(), absl::StrCat(a.version()),
                    StatusName(a.status()), a.effective_from(), a.expires_on(),
                    a.title()});
  }
  return FormatTextTable(rows);
}

absl::StatusOr<std::string> AgreementsTransition(v1::AgreementAction action,
                                                 const GovernanceFlags& flags) {
  if (flags.id.empty() || flags.version == 0) {
    return absl::InvalidArgumentError("--id and --version are required");
  }
  v1::TransitionAgreementRequest request;
  request.set_agreement_id(flags.id);
  request.set_version(flags.version);
  request.set_action(action);
  request.set_reason(flags.reason);
  EQ_ASSIGN_OR_RETURN(
      v1::AgreementEvent event,
      (Unary<v1::TransitionAgreementRequest, v1::AgreementEvent>(
          flags.gateway, &Stub::TransitionAgreement, request)));
  std::string text =
      absl::StrCat(ActionName(event.action()),
                   " recorded: ", StatusName(event.from_status()), " -> ",
                   StatusName(event.to_status()), " by ", event.principal());
  if (action == v1::AGREEMENT_ACTION_APPROVE &&
      event.to_status() == v1::AGREEMENT_DRAFT) {
    text += " (first of two approvals)";
  }
  return text + "\n";
}

// ---- organisations ----

std::string FormatOrganisation(const v1::Organisation& organisation) {
  return absl::StrCat(
      organisation.code(), " ", OrganisationStatusName(organisation.status()),
      " roles: ", absl::StrJoin(organisation.roles(), ","), "\n");
}

absl::StatusOr<std::string> OrgsRegister(const GovernanceFlags& flags) {
  v1::RegisterOrganisationRequest request;
  v1::Organisation& organisation = *request.mutable_organisation();
  organisation.set_code(flags.code);
  organisation.set_name(flags.name);
  for (absl::string_view role :
       absl::StrSplit(flags.roles, ',', absl::SkipWhitespace())) {
    organisation.add_roles(std::string(absl::StripAsciiWhitespace(role)));
  }
  organisation.set_certificate_sha256(flags.certificate_sha256);
  EQ_ASSIGN_OR_RETURN(
      v1::Organisation registered,
      (Unary<v1::RegisterOrganisationRequest, v1::Organisation>(
          flags.gateway, &Stub::RegisterOrganisation, request)));
  return absl::StrCat("registered ", FormatOrganisation(registered));
}

absl::StatusOr<std::string> OrgsSetStatus(v1::OrganisationStatus status,
                                          const GovernanceFlags& flags) {
  if (flags.code.empty()) {
    return absl::InvalidArgumentError("--code is required");
  }
  v1::SetOrganisationStatusRequest request;
  request.set_code(flags.code);
  request.set_status(status);
  request.set_reason(flags.reason);
  EQ_ASSIGN_OR_RETURN(
      v1::Organisation changed,
      (Unary<v1::SetOrganisationStatusRequest, v1::Organisation>(
          flags.gateway, &Stub::SetOrganisationStatus, request)));
  return FormatOrganisation(changed);
}

absl::StatusOr<std::string> OrgsList(const GovernanceFlags& flags) {
  EQ_ASSIGN_OR_RETURN(
      v1::ListOrganisationsResponse list,
      (Unary<v1::ListOrganisationsRequest, v1::ListOrganisationsResponse>(
          flags.gateway, &Stub::ListOrganisations,
          v1::ListOrganisationsRequest())));
  std::vector<std::vector<std::string>> rows = {
      {"CODE", "STATUS", "ROLES", "CERTIFICATE", "NAME"}};
  for (const v1::Organisation& o : list.organisations()) {
    rows.push_back({o.code(), OrganisationStatusName(o.status()),
                    absl::StrJoin(o.roles(), ","),
                    o.certificate_sha256().empty()
                        ? "any from the CA"
                        : o.certificate_sha256().substr(0, 16),
                    o.name()});
  }
  return FormatTextTable(rows);
}

// ---- opt-out, register ----

absl::StatusOr<std::string> OptOutUpload(const GovernanceFlags& flags) {
  OptOutUploadOptions options;
  options.gateway = flags.gateway;
  options.nhs_numbers_path = flags.nhs_numbers;
  options.linkage_key_path = flags.linkage_key;
  options.description = flags.description;
  EQ_ASSIGN_OR_RETURN(v1::OptOutListInfo info, RunOptOutUpload(options));
  return absl::StrCat("opt-out list version ", info.version(),
                      " stored: ", info.token_count(), " tokens under key ",
                      info.key_id(), "\n");
}

absl::Status RegisterExport(const GovernanceFlags& flags, std::ostream& out) {
  if (flags.format != "csv" && flags.format != "json") {
    return absl::InvalidArgumentError("--format must be csv or json");
  }
  EQ_ASSIGN_OR_RETURN(
      v1::TransparencyRegister reg,
      (Unary<v1::ExportRegisterRequest, v1::TransparencyRegister>(
          flags.gateway, &Stub::ExportRegister, v1::ExportRegisterRequest())));
  std::string text;
  if (flags.format == "csv") {
    text = governance::RenderRegisterCsv(reg);
  } else {
    EQ_ASSIGN_OR_RETURN(text, governance::RenderRegisterJson(reg));
    text += "\n";
  }
  return WriteOutput(flags.out, text, out);
}

// ---- audit ----

int AuditVerify(const GovernanceFlags& flags, std::ostream& out,
                std::ostream& err) {
  AuditVerifyOptions options;
  options.gateway = flags.gateway;
  options.audit_db = flags.audit_db;
  options.public_key_path = flags.public_key;
  options.checkpoints_path = flags.checkpoints;
  absl::StatusOr<AuditVerifyResult> result = RunAuditVerify(options);
  if (!result.ok()) {
    err << "equilink: " << result.status().ToString() << "\n";
    return 1;
  }
  for (const std::string& warning : result->warnings) err << warning << "\n";
  out << FormatVerifyReport(result->report);
  return VerifyExitCode(result->report);
}

using TextCommand =
    std::function<absl::StatusOr<std::string>(const GovernanceFlags&)>;

const std::map<std::string, TextCommand>& TextCommands() {
  static const auto* const commands = new std::map<std::string, TextCommand>{
      {"agreements create", AgreementsCreate},
      {"agreements show", AgreementsShow},
      {"agreements list", AgreementsList},
      {"agreements approve",
       [](const GovernanceFlags& f) {
         return AgreementsTransition(v1::AGREEMENT_ACTION_APPROVE, f);
       }},
      {"agreements activate",
       [](const GovernanceFlags& f) {
         return AgreementsTransition(v1::AGREEMENT_ACTION_ACTIVATE, f);
       }},
      {"agreements suspend",
       [](const GovernanceFlags& f) {
         return AgreementsTransition(v1::AGREEMENT_ACTION_SUSPEND, f);
       }},
      {"agreements resume",
       [](const GovernanceFlags& f) {
         return AgreementsTransition(v1::AGREEMENT_ACTION_RESUME, f);
       }},
      {"agreements terminate",
       [](const GovernanceFlags& f) {
         return AgreementsTransition(v1::AGREEMENT_ACTION_TERMINATE, f);
       }},
      {"orgs register", OrgsRegister},
      {"orgs suspend",
       [](const GovernanceFlags& f) {
         return OrgsSetStatus(v1::ORGANISATION_SUSPENDED, f);
       }},
      {"orgs reactivate",
       [](const GovernanceFlags& f) {
         return OrgsSetStatus(v1::ORGANISATION_ACTIVE, f);
       }},
      {"orgs list", OrgsList},
      {"optout upload", OptOutUpload},
      {"audit list",
       [](const GovernanceFlags& f) -> absl::StatusOr<std::string> {
         EQ_ASSIGN_OR_RETURN(audit::StoredAuditLog log,
                             FetchAuditLog(f.gateway, f.after));
         return FormatAuditTable(log.entries);
       }},
      // The signed checkpoints as JSON lines, for publishing to a second
      // party who can later hold the operator to them (`audit verify
      // --checkpoints`).
      {"audit checkpoints",
       [](const GovernanceFlags& f) -> absl::StatusOr<std::string> {
         EQ_ASSIGN_OR_RETURN(audit::StoredAuditLog log,
                             FetchAuditLog(f.gateway, /*after_sequence=*/0));
         return audit::CheckpointsToJsonLines(log.checkpoints);
       }},
  };
  return *commands;
}

}  // namespace

bool IsGovernanceCommand(absl::string_view group) {
  return group == "agreements" || group == "orgs" || group == "optout" ||
         group == "audit" || group == "register";
}

int RunGovernanceCommand(const std::vector<std::string>& words,
                         const GovernanceFlags& flags, std::ostream& out,
                         std::ostream& err) {
  const std::string command =
      words.size() == 2 ? absl::StrCat(words[0], " ", words[1]) : "";
  if (command == "audit verify") return AuditVerify(flags, out, err);
  absl::Status status;
  if (command == "register export") {
    status = RegisterExport(flags, out);
  } else if (auto it = TextCommands().find(command);
             it != TextCommands().end()) {
    absl::StatusOr<std::string> text = it->second(flags);
    status = text.status();
    if (text.ok()) out << *text;
  } else {
    err << "usage: equilink " << (words.empty() ? "<group>" : words[0])
        << " <command> [flags]; see --help\n";
    return 2;
  }
  if (!status.ok()) {
    err << "equilink: " << status.ToString() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace equilink::client
