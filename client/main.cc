// equilink: the VCSE organisation's client.
//
//   equilink keygen   --key_id=ID --out=FILE
//   equilink validate --profile=P --input=CSV [--postcode_lookup=F]
//                     [--rejects=OUT] [--clk_secret=F]
//   equilink submit   --profile=P --input=CSV --linkage_key=K --purpose=ID
//                     --gateway=HOST:PORT --ca=CA --cert=CERT --key=KEY
//                     [--postcode_lookup=F] [--rejects=OUT] [--clk_secret=F]
//   equilink pull     --purpose=ID --dataset=D --out=CSV [--cursor_file=F]
//                     [--fields=...] --gateway=HOST:PORT --ca --cert --key
//   equilink indicators --purpose=ID --from=YYYY-MM-DD --to=YYYY-MM-DD
//                     [--indicators=ID,...] [--format=table|csv|json]
//                     [--breakdowns=...] [--out=F] --gateway --ca --cert --key
//   equilink synth    --out_dir=DIR [--people=N] [--organisations=K]
//                     [--vcse_records=R] [--seed=S] [--linkage_key=K]
//                     [--corruption_scale=F] [--nhs_missing_by_quintile=...]
//   equilink agreements|orgs|optout|audit|register ...   (governance; see
//                     client/commands/governance_commands.h)
//
// Flags are parsed here and nowhere else; the commands live in
// client/commands/.

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "client/commands/governance_commands.h"
#include "client/commands/indicators_command.h"
#include "client/commands/keygen_command.h"
#include "client/commands/pull_command.h"
#include "client/commands/submit_command.h"
#include "client/commands/synth_command.h"

ABSL_FLAG(std::string, profile, "",
          "Mapping profile (text-format MappingProfile)");
ABSL_FLAG(std::string, input, "", "The CSV export to read");
ABSL_FLAG(std::string, postcode_lookup, "",
          "Postcode to LSOA lookup in the ONS postcode directory layout");
ABSL_FLAG(std::string, rejects, "",
          "Write the rejects report (row, field, rule) to this CSV");
ABSL_FLAG(std::string, linkage_key, "", "Linkage key file (mode 0600)");
ABSL_FLAG(std::string, clk_secret, "",
          "clkhash CLK secret file (mode 0600), for a profile with a clk "
          "section");
ABSL_FLAG(std::string, gateway, "", "Gateway address, host:port");
ABSL_FLAG(std::string, ca, "",
          "CA certificate (PEM) the gateway's certificate must chain to");
ABSL_FLAG(std::string, cert, "",
          "This organisation's client certificate (PEM)");
ABSL_FLAG(std::string, key, "",
          "This organisation's private key (PEM, mode 0600)");
ABSL_FLAG(
    std::string, submission_id, "",
    "Submission id; by default derived from the file so that a re-run resumes");
ABSL_FLAG(std::string, dataset, "", "pull: dataset id to extract");
ABSL_FLAG(std::vector<std::string>, fields, {},
          "pull: record fields wanted, comma separated (default: every field "
          "the agreement allows)");
ABSL_FLAG(std::string, cursor_file, "",
          "pull: file holding the cursor of the previous pull; only changes "
          "since are pulled, and the next cursor is saved to it");
ABSL_FLAG(std::string, request_id, "", "pull: id cited in the audit entry");
ABSL_FLAG(std::string, purpose, "",
          "Purpose id the submission, pull or indicators request is made "
          "under");
ABSL_FLAG(std::vector<std::string>, indicators, {},
          "indicators: indicator ids, comma separated (default: every one "
          "the agreement permits)");
ABSL_FLAG(std::string, from, "", "indicators: first day of the period");
ABSL_FLAG(std::string, to, "", "indicators: last day of the period");
ABSL_FLAG(std::vector<std::string>, breakdowns, {},
          "indicators: the table shows only these breakdowns (e.g. \"IMD "
          "quintile\") beside the whole-ICS rows");
ABSL_FLAG(int, batch_rows, 2000, "CSV rows per batch");
ABSL_FLAG(int, threads, 2, "Pseudonymisation threads");
ABSL_FLAG(std::string, key_id, "", "keygen: id of the new linkage key");
ABSL_FLAG(std::string, out, "",
          "keygen: path of the new key file; register export: output file; "
          "pull: the CSV file; indicators: the output file (default: the "
          "terminal)");

// Governance commands (client/commands/governance_commands.h).
ABSL_FLAG(std::string, file, "",
          "agreements create: agreement file (text or JSON)");
ABSL_FLAG(std::string, id, "", "agreements: agreement id");
// `--version=N` is rewritten to this for `equilink agreements`, because
// absl reserves --version for the binary's own version.
ABSL_FLAG(uint32_t, agreement_version, 0,
          "agreements: agreement version (also accepted as --version); 0: "
          "the newest");
ABSL_FLAG(std::string, reason, "", "agreements and orgs: reason for a change");
ABSL_FLAG(std::string, code, "", "orgs: organisation (ODS) code");
ABSL_FLAG(std::string, name, "", "orgs register: organisation name");
ABSL_FLAG(std::string, roles, "",
          "orgs register: comma-separated roles (submitter, governance, "
          "consumer, auditor, admin)");
ABSL_FLAG(std::string, certificate_sha256, "",
          "orgs register: bind the organisation to one certificate (SHA-256 "
          "of its DER, lowercase hex)");
ABSL_FLAG(std::string, nhs_numbers, "",
          "optout upload: NHS numbers, one per line or a CSV with an "
          "nhs_number column");
ABSL_FLAG(std::string, description, "", "optout upload: list description");
ABSL_FLAG(uint64_t, after, 0, "audit list: entries after this sequence");
ABSL_FLAG(std::string, audit_db, "",
          "audit verify: verify this local copy of the audit database");
ABSL_FLAG(std::string, public_key, "",
          "audit verify: checkpoint public key (PEM) obtained out of band");
ABSL_FLAG(std::string, checkpoints, "",
          "audit verify: published checkpoints (JSON lines)");
ABSL_FLAG(std::string, format, "",
          "register export: csv (default) or json; indicators: table "
          "(default), csv or json");

// `equilink synth` (client/commands/synth_command.h).
ABSL_FLAG(int, people, 20000, "synth: people in the population");
ABSL_FLAG(int, organisations, 4, "synth: VCSE organisations");
ABSL_FLAG(int, vcse_records, 0,
          "synth: VCSE records over all organisations (0: people / 2)");
ABSL_FLAG(uint64_t, seed, 1, "synth: random seed (same seed, same files)");
ABSL_FLAG(std::string, out_dir, "", "synth: output directory");
ABSL_FLAG(double, corruption_scale, 1.0,
          "synth: multiplies every VCSE corruption rate (0: clean)");
ABSL_FLAG(std::string, nhs_missing_by_quintile, "",
          "synth: NHS number missing rate by IMD quintile 1..5, e.g. "
          "0.20,0.17,0.14,0.11,0.08");
ABSL_FLAG(std::string, nhs_missing_group_factor, "",
          "synth: factor on that rate for White,Mixed,Asian,Black,Other, e.g. "
          "1,1.2,1.25,1.5,1.6");

namespace {

equilink::client::ExportOptions ExportOptionsFromFlags() {
  equilink::client::ExportOptions options;
  options.input_path = absl::GetFlag(FLAGS_input);
  options.profile_path = absl::GetFlag(FLAGS_profile);
  options.postcode_lookup_path = absl::GetFlag(FLAGS_postcode_lookup);
  options.rejects_path = absl::GetFlag(FLAGS_rejects);
  options.clk_secret_path = absl::GetFlag(FLAGS_clk_secret);
  options.rows_per_batch = absl::GetFlag(FLAGS_batch_rows);
  options.threads = absl::GetFlag(FLAGS_threads);
  options.show_progress = isatty(STDERR_FILENO) != 0;
  return options;
}

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "equilink: %s\n", status.ToString().c_str());
  return 1;
}

int Validate() {
  absl::StatusOr<equilink::client::RunReport> report =
      equilink::client::RunValidate(ExportOptionsFromFlags());
  if (!report.ok()) return Fail(report.status());
  std::printf(
      "%s",
      equilink::client::FormatReport(*report, /*submitted=*/false).c_str());
  return report->rows_rejected == 0 ? 0 : 3;
}

int Submit() {
  equilink::client::SubmitOptions options;
  options.export_options = ExportOptionsFromFlags();
  options.linkage_key_path = absl::GetFlag(FLAGS_linkage_key);
  options.gateway_address = absl::GetFlag(FLAGS_gateway);
  options.tls.set_ca_file(absl::GetFlag(FLAGS_ca));
  options.tls.set_certificate_file(absl::GetFlag(FLAGS_cert));
  options.tls.set_private_key_file(absl::GetFlag(FLAGS_key));
  options.submission_id = absl::GetFlag(FLAGS_submission_id);
  options.purpose_id = absl::GetFlag(FLAGS_purpose);
  absl::StatusOr<equilink::client::RunReport> report =
      equilink::client::RunSubmit(options);
  if (!report.ok()) return Fail(report.status());
  std::printf(
      "%s",
      equilink::client::FormatReport(*report, /*submitted=*/true).c_str());
  return 0;
}

// --gateway, --ca, --cert and --key, which every call to the gateway takes.
equilink::client::GatewayConnection GatewayFromFlags() {
  equilink::client::GatewayConnection gateway;
  gateway.address = absl::GetFlag(FLAGS_gateway);
  gateway.tls.set_ca_file(absl::GetFlag(FLAGS_ca));
  gateway.tls.set_certificate_file(absl::GetFlag(FLAGS_cert));
  gateway.tls.set_private_key_file(absl::GetFlag(FLAGS_key));
  return gateway;
}

int Pull() {
  equilink::client::PullOptions options;
  options.gateway = GatewayFromFlags();
  // A large extract streams for minutes, not the governance calls' 60 s.
  options.gateway.deadline = absl::Hours(1);
  options.purpose_id = absl::GetFlag(FLAGS_purpose);
  options.dataset_id = absl::GetFlag(FLAGS_dataset);
  options.fields = absl::GetFlag(FLAGS_fields);
  options.cursor_file = absl::GetFlag(FLAGS_cursor_file);
  options.out_path = absl::GetFlag(FLAGS_out);
  options.request_id = absl::GetFlag(FLAGS_request_id);
  absl::StatusOr<equilink::client::PullReport> report =
      equilink::client::RunPull(options);
  if (!report.ok()) return Fail(report.status());
  std::printf("%s pull: %llu rows (%llu linked) written to %s%s\n",
              report->incremental ? "incremental" : "full",
              static_cast<unsigned long long>(report->rows),
              static_cast<unsigned long long>(report->linked_rows),
              options.out_path.c_str(),
              options.cursor_file.empty() ? "" : "; cursor saved");
  return 0;
}

int Indicators() {
  equilink::client::IndicatorsOptions options;
  options.gateway = GatewayFromFlags();
  // The whole catalogue over a large population takes seconds.
  options.gateway.deadline = absl::Minutes(5);
  options.purpose_id = absl::GetFlag(FLAGS_purpose);
  options.indicator_ids = absl::GetFlag(FLAGS_indicators);
  options.period_first_day = absl::GetFlag(FLAGS_from);
  options.period_last_day = absl::GetFlag(FLAGS_to);
  options.request_id = absl::GetFlag(FLAGS_request_id);
  options.category_types = absl::GetFlag(FLAGS_breakdowns);
  absl::StatusOr<equilink::client::IndicatorFormat> format =
      equilink::client::ParseIndicatorFormat(absl::GetFlag(FLAGS_format).empty()
                                                 ? "table"
                                                 : absl::GetFlag(FLAGS_format));
  if (!format.ok()) return Fail(format.status());
  options.format = *format;
  absl::StatusOr<std::string> output = equilink::client::RunIndicators(options);
  if (!output.ok()) return Fail(output.status());
  const std::string& out_path = absl::GetFlag(FLAGS_out);
  if (out_path.empty()) {
    std::fputs(output->c_str(), stdout);
    return 0;
  }
  std::ofstream file(out_path);
  file << *output;
  if (!file.good()) {
    return Fail(
        absl::UnavailableError(absl::StrCat("cannot write ", out_path)));
  }
  std::printf("indicators written to %s\n", out_path.c_str());
  return 0;
}

equilink::client::GovernanceFlags GovernanceFlagsFromFlags() {
  equilink::client::GovernanceFlags flags;
  flags.gateway = GatewayFromFlags();
  flags.file = absl::GetFlag(FLAGS_file);
  flags.id = absl::GetFlag(FLAGS_id);
  flags.version = absl::GetFlag(FLAGS_agreement_version);
  flags.reason = absl::GetFlag(FLAGS_reason);
  flags.code = absl::GetFlag(FLAGS_code);
  flags.name = absl::GetFlag(FLAGS_name);
  flags.roles = absl::GetFlag(FLAGS_roles);
  flags.certificate_sha256 = absl::GetFlag(FLAGS_certificate_sha256);
  flags.nhs_numbers = absl::GetFlag(FLAGS_nhs_numbers);
  flags.linkage_key = absl::GetFlag(FLAGS_linkage_key);
  flags.description = absl::GetFlag(FLAGS_description);
  flags.after = absl::GetFlag(FLAGS_after);
  flags.audit_db = absl::GetFlag(FLAGS_audit_db);
  flags.public_key = absl::GetFlag(FLAGS_public_key);
  flags.checkpoints = absl::GetFlag(FLAGS_checkpoints);
  flags.format =
      absl::GetFlag(FLAGS_format).empty() ? "csv" : absl::GetFlag(FLAGS_format);
  flags.out = absl::GetFlag(FLAGS_out);
  return flags;
}

int Synth() {
  equilink::client::SynthCommandOptions options;
  options.synth.people = absl::GetFlag(FLAGS_people);
  options.synth.organisations = absl::GetFlag(FLAGS_organisations);
  options.synth.vcse_records = absl::GetFlag(FLAGS_vcse_records);
  options.synth.seed = absl::GetFlag(FLAGS_seed);
  options.out_dir = absl::GetFlag(FLAGS_out_dir);
  options.linkage_key_path = absl::GetFlag(FLAGS_linkage_key);
  options.corruption_scale = absl::GetFlag(FLAGS_corruption_scale);
  options.nhs_missing_by_quintile =
      absl::GetFlag(FLAGS_nhs_missing_by_quintile);
  options.nhs_missing_group_factor =
      absl::GetFlag(FLAGS_nhs_missing_group_factor);
  options.threads = absl::GetFlag(FLAGS_threads);
  absl::StatusOr<std::string> summary = equilink::client::RunSynth(options);
  if (!summary.ok()) return Fail(summary.status());
  std::printf("%s", summary->c_str());
  return 0;
}

// `equilink agreements show --version=2` means the agreement's version, not
// the binary's: renames the flag before absl sees it.
std::vector<std::string> RenameVersionFlag(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  if (args.size() < 2 || args[1] != "agreements") return args;
  for (size_t i = 2; i < args.size(); ++i) {
    for (const char* form : {"--version", "-version"}) {
      const size_t n = std::strlen(form);
      if (args[i].compare(0, n, form) == 0 &&
          (args[i].size() == n || args[i][n] == '=')) {
        args[i] = "--agreement_version" + args[i].substr(n);
        break;
      }
    }
  }
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "equilink <keygen|validate|submit|pull|indicators|synth|agreements|orgs|"
      "optout|audit|"
      "register> [flags]\n"
      "Pseudonymises a VCSE organisation's export on this machine and submits "
      "it to the ICS "
      "gateway. Raw identifiers never leave this machine.");
  std::vector<std::string> renamed = RenameVersionFlag(argc, argv);
  std::vector<char*> renamed_argv;
  for (std::string& arg : renamed) renamed_argv.push_back(arg.data());
  std::vector<char*> args = absl::ParseCommandLine(
      static_cast<int>(renamed_argv.size()), renamed_argv.data());
  const std::string command = args.size() > 1 ? args[1] : "";
  if (equilink::client::IsGovernanceCommand(command)) {
    const std::vector<std::string> words(args.begin() + 1, args.end());
    return equilink::client::RunGovernanceCommand(
        words, GovernanceFlagsFromFlags(), std::cout, std::cerr);
  }
  if (command == "validate") return Validate();
  if (command == "submit") return Submit();
  if (command == "pull") return Pull();
  if (command == "indicators") return Indicators();
  if (command == "synth") return Synth();
  if (command == "keygen") {
    absl::Status status = equilink::client::RunKeygen(
        absl::GetFlag(FLAGS_key_id), absl::GetFlag(FLAGS_out));
    if (!status.ok()) return Fail(status);
    std::printf("linkage key %s written to %s (mode 0600)\n",
                absl::GetFlag(FLAGS_key_id).c_str(),
                absl::GetFlag(FLAGS_out).c_str());
    return 0;
  }
  std::fprintf(stderr,
               "usage: equilink "
               "<keygen|validate|submit|pull|indicators|synth|agreements|"
               "orgs|optout|"
               "audit|register> [flags]; --help for flags\n");
  return 2;
}
