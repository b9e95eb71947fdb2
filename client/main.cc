// equilink: the VCSE organisation's client.
//
//   equilink keygen   --key_id=ID --out=FILE
//   equilink validate --profile=P --input=CSV [--postcode_lookup=F]
//   [--rejects=OUT] equilink submit   --profile=P --input=CSV --linkage_key=K
//   --gateway=HOST:PORT
//                     --ca=CA --cert=CERT --key=KEY [--postcode_lookup=F]
//                     [--rejects=OUT]
//
// Flags are parsed here and nowhere else; the commands live in
// client/commands/.

#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "client/commands/keygen_command.h"
#include "client/commands/submit_command.h"

ABSL_FLAG(std::string, profile, "",
          "Mapping profile (text-format MappingProfile)");
ABSL_FLAG(std::string, input, "", "The CSV export to read");
ABSL_FLAG(std::string, postcode_lookup, "",
          "Postcode to LSOA lookup in the ONS postcode directory layout");
ABSL_FLAG(std::string, rejects, "",
          "Write the rejects report (row, field, rule) to this CSV");
ABSL_FLAG(std::string, linkage_key, "", "Linkage key file (mode 0600)");
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
ABSL_FLAG(std::string, purpose, "", "Purpose id the submission is made under");
ABSL_FLAG(int, batch_rows, 2000, "CSV rows per batch");
ABSL_FLAG(int, threads, 2, "Pseudonymisation threads");
ABSL_FLAG(std::string, key_id, "", "keygen: id of the new linkage key");
ABSL_FLAG(std::string, out, "", "keygen: path of the new key file");

namespace {

equilink::client::ExportOptions ExportOptionsFromFlags() {
  equilink::client::ExportOptions options;
  options.input_path = absl::GetFlag(FLAGS_input);
  options.profile_path = absl::GetFlag(FLAGS_profile);
  options.postcode_lookup_path = absl::GetFlag(FLAGS_postcode_lookup);
  options.rejects_path = absl::GetFlag(FLAGS_rejects);
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

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "equilink <keygen|validate|submit> [flags]\n"
      "Pseudonymises a VCSE organisation's export on this machine and submits "
      "it to the ICS "
      "gateway. Raw identifiers never leave this machine.");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  const std::string command = args.size() > 1 ? args[1] : "";
  if (command == "validate") return Validate();
  if (command == "submit") return Submit();
  if (command == "keygen") {
    absl::Status status = equilink::client::RunKeygen(
        absl::GetFlag(FLAGS_key_id), absl::GetFlag(FLAGS_out));
    if (!status.ok()) return Fail(status);
    std::printf("linkage key %s written to %s (mode 0600)\n",
                absl::GetFlag(FLAGS_key_id).c_str(),
                absl::GetFlag(FLAGS_out).c_str());
    return 0;
  }
  std::fprintf(
      stderr,
      "usage: equilink <keygen|validate|submit> [flags]; --help for flags\n");
  return 2;
}
