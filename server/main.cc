// equilink-gateway: the ICS-hosted gateway.
//
//   equilink-gateway --config=/etc/equilink/gateway.textproto
//       serve until SIGTERM
//   equilink-gateway summary --config=...       print what is stored
//   equilink-gateway relink --config=... [--reason=TEXT]
//       re-estimate the linkage model and link the whole population again
//   equilink-gateway link-report --config=... --truth=FILE
//       precision, recall and F1 against a truth file, by IMD quintile and
//       ethnic group
//   equilink-gateway backup --config=... --out=DIR
//       copy and verify every database while the gateway serves
//   equilink-gateway restore --config=... --from=DIR [--force]
//       verify a backup and put it in place (gateway stopped)
//
// Flags are parsed here and nowhere else; everything else is wired by
// api::GatewayServer.

#include <signal.h>
#include <sys/stat.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "common/log/log.h"
#include "server/api/gateway_server.h"
#include "server/backup/gateway_backup.h"
#include "server/config/gateway_config.h"
#include "server/linkage/link_report.h"
#include "server/linkage/linkage_config.h"
#include "server/store/sqlite_store.h"

ABSL_FLAG(std::string, config, "",
          "Path to the gateway configuration (text-format GatewayConfig)");
ABSL_FLAG(std::string, listen, "",
          "Overrides listen_address from the config, e.g. 127.0.0.1:0");
ABSL_FLAG(std::string, port_file, "",
          "Once listening, write the bound port to this file (for scripts "
          "using port 0)");
ABSL_FLAG(std::string, metrics_port_file, "",
          "Once listening, write the metrics endpoint's bound port to this "
          "file (config metrics.listen_address must be set)");
ABSL_FLAG(bool, verbose, false, "Log debug lines");
ABSL_FLAG(std::string, log_format, "text",
          "text: `<time> <severity> <file>:<line>] <message>` lines; json: one "
          "JSON object per line (docs/OPERATIONS.md)");
ABSL_FLAG(std::string, reason, "",
          "relink: why the population is linked again (recorded with the "
          "model)");
ABSL_FLAG(std::string, truth, "",
          "link-report: truth file from `equilink synth --linkage_key`");
ABSL_FLAG(
    std::string, reference_organisation, "",
    "link-report: the organisation holding the reference population "
    "(default: the first of linkage.one_record_per_person_organisations)");
ABSL_FLAG(std::string, out, "",
          "backup: directory to write the backup to (created 0700; must not "
          "hold a backup already)");
ABSL_FLAG(std::string, from, "", "restore: the backup directory");
ABSL_FLAG(bool, force, false,
          "restore: replace database files that exist (stop the gateway "
          "first)");
ABSL_FLAG(int32_t, backup_pages_per_step, 64,
          "backup: database pages copied per step of SQLite's backup API");
ABSL_FLAG(int32_t, backup_step_pause_ms, 0,
          "backup: pause between steps, to leave the disk to the gateway");

namespace {

// Writes `port` and a newline to `path`; false (logged) when it cannot.
bool WritePortFile(const std::string& path, int port) {
  std::FILE* out = std::fopen(path.c_str(), "w");
  if (out == nullptr) {
    EQ_LOG(kError, "cannot write port file %s", path);
    return false;
  }
  std::fprintf(out, "%d\n", port);
  std::fclose(out);
  return true;
}

int Serve(equilink::v1::GatewayConfig config) {
  // Block the stop signals in every thread, then wait for them on this one: a
  // signal handler may not call Shutdown, which takes locks and waits.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  if (!absl::GetFlag(FLAGS_listen).empty())
    config.set_listen_address(absl::GetFlag(FLAGS_listen));
  absl::StatusOr<std::unique_ptr<equilink::api::GatewayServer>> gateway =
      equilink::api::GatewayServer::Start(config);
  if (!gateway.ok()) {
    EQ_LOG(kError, "cannot start: %s", gateway.status().ToString());
    return 1;
  }
  // The metrics port first: a script that waits for the gRPC port file can
  // then read both.
  const std::string metrics_port_file = absl::GetFlag(FLAGS_metrics_port_file);
  if (!metrics_port_file.empty() &&
      !WritePortFile(metrics_port_file, (*gateway)->metrics_port())) {
    return 1;
  }
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty() && !WritePortFile(port_file, (*gateway)->port())) {
    return 1;
  }
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  EQ_LOG(kInfo, "received signal %d", signal_number);
  (*gateway)->Shutdown();
  return 0;
}

int Summary(const equilink::v1::GatewayConfig& config) {
  equilink::store::SqliteOptions options;
  options.path = config.store().sqlite_path();
  absl::StatusOr<std::unique_ptr<equilink::store::SqliteStore>> store =
      equilink::store::SqliteStore::Open(options);
  if (!store.ok()) {
    EQ_LOG(kError, "cannot open store: %s", store.status().ToString());
    return 1;
  }
  absl::StatusOr<std::vector<equilink::store::OrganisationSummary>> summary =
      (*store)->Summarise();
  if (!summary.ok()) {
    EQ_LOG(kError, "cannot summarise store: %s", summary.status().ToString());
    return 1;
  }
  std::printf("%-14s %12s %10s %12s\n", "organisation", "records", "batches",
              "submissions");
  for (const equilink::store::OrganisationSummary& row : *summary) {
    std::printf("%-14s %12llu %10llu %12llu\n", row.organisation_code.c_str(),
                static_cast<unsigned long long>(row.records),
                static_cast<unsigned long long>(row.batches),
                static_cast<unsigned long long>(row.submissions));
  }
  return 0;
}

int Relink(const equilink::v1::GatewayConfig& config) {
  // Opening the store migrates it, so an old store gets the linkage tables.
  {
    equilink::store::SqliteOptions options;
    options.path = config.store().sqlite_path();
    absl::StatusOr<std::unique_ptr<equilink::store::SqliteStore>> store =
        equilink::store::SqliteStore::Open(options);
    if (!store.ok()) {
      EQ_LOG(kError, "cannot open store: %s", store.status().ToString());
      return 1;
    }
  }
  absl::StatusOr<equilink::linkage::LinkageWorkerOptions> options =
      equilink::linkage::LinkageWorkerOptionsFromConfig(config);
  if (!options.ok()) {
    EQ_LOG(kError, "%s", options.status().ToString());
    return 2;
  }
  absl::StatusOr<std::unique_ptr<equilink::linkage::LinkageWorker>> worker =
      equilink::linkage::LinkageWorker::Open(*std::move(options));
  if (!worker.ok()) {
    EQ_LOG(kError, "cannot open linkage: %s", worker.status().ToString());
    return 1;
  }
  const std::string reason = absl::GetFlag(FLAGS_reason).empty()
                                 ? "operator relink"
                                 : absl::GetFlag(FLAGS_reason);
  absl::StatusOr<equilink::linkage::RelinkResult> result =
      (*worker)->Relink(reason);
  if (!result.ok()) {
    EQ_LOG(kError, "relink failed: %s", result.status().ToString());
    return 1;
  }
  std::printf(
      "relinked %llu records into %llu persons with model version %u "
      "(%llu pairs compared)\n"
      "person ids: %llu created, %llu merged, %llu split, %llu retired; "
      "%llu records changed person\n",
      static_cast<unsigned long long>(result->records),
      static_cast<unsigned long long>(result->persons), result->model_version,
      static_cast<unsigned long long>(result->pairs_compared),
      static_cast<unsigned long long>(result->persons_created),
      static_cast<unsigned long long>(result->persons_merged),
      static_cast<unsigned long long>(result->persons_split),
      static_cast<unsigned long long>(result->persons_retired),
      static_cast<unsigned long long>(result->records_moved));
  return 0;
}

int LinkReport(const equilink::v1::GatewayConfig& config) {
  equilink::linkage::LinkReportOptions options;
  options.store_path = config.store().sqlite_path();
  options.truth_path = absl::GetFlag(FLAGS_truth);
  if (options.truth_path.empty()) {
    std::fprintf(stderr, "equilink-gateway link-report: --truth is required\n");
    return 2;
  }
  options.reference_organisation = absl::GetFlag(FLAGS_reference_organisation);
  if (options.reference_organisation.empty() &&
      config.linkage().one_record_per_person_organisations_size() > 0) {
    options.reference_organisation =
        config.linkage().one_record_per_person_organisations(0);
  }
  absl::StatusOr<equilink::linkage::LinkReport> report =
      equilink::linkage::BuildLinkReport(options);
  if (!report.ok()) {
    std::fprintf(stderr, "equilink-gateway link-report: %s\n",
                 std::string(report.status().message()).c_str());
    return 1;
  }
  std::fputs(equilink::linkage::FormatLinkReport(*report).c_str(), stdout);
  return 0;
}

int Backup(const equilink::v1::GatewayConfig& config) {
  equilink::backup::BackupOptions options;
  options.databases = equilink::backup::GatewayDatabases(config);
  options.checkpoint_key_file = config.audit().checkpoint_signing_key_file();
  options.out_dir = absl::GetFlag(FLAGS_out);
  if (options.out_dir.empty()) {
    std::fprintf(stderr, "equilink-gateway backup: --out is required\n");
    return 2;
  }
  options.copy.pages_per_step = absl::GetFlag(FLAGS_backup_pages_per_step);
  options.copy.step_pause =
      absl::Milliseconds(absl::GetFlag(FLAGS_backup_step_pause_ms));
  options.copy.busy_timeout_ms =
      static_cast<int>(config.store().busy_timeout_ms());
  absl::StatusOr<equilink::backup::BackupResult> result =
      equilink::backup::BackupGateway(options);
  if (!result.ok()) {
    std::fprintf(stderr, "equilink-gateway backup: %s\n",
                 std::string(result.status().message()).c_str());
    return 1;
  }
  std::printf("%s\n", equilink::backup::BackupSummary(*result).c_str());
  return 0;
}

int Restore(const equilink::v1::GatewayConfig& config) {
  equilink::backup::RestoreOptions options;
  options.databases = equilink::backup::GatewayDatabases(config);
  options.checkpoint_key_file = config.audit().checkpoint_signing_key_file();
  options.from_dir = absl::GetFlag(FLAGS_from);
  options.force = absl::GetFlag(FLAGS_force);
  if (options.from_dir.empty()) {
    std::fprintf(stderr, "equilink-gateway restore: --from is required\n");
    return 2;
  }
  absl::StatusOr<equilink::backup::RestoreResult> result =
      equilink::backup::RestoreGateway(options);
  if (!result.ok()) {
    std::fprintf(stderr, "equilink-gateway restore: %s\n",
                 std::string(result.status().message()).c_str());
    return 1;
  }
  std::printf("%s\n",
              equilink::backup::RestoreSummary(*result, options).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "equilink-gateway [serve|summary|relink|link-report|backup|restore] "
      "--config=FILE\n"
      "Receives pseudonymised submissions over mutual TLS and stores them "
      "durably.");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_verbose)) {
    equilink::log::SetMinSeverity(equilink::log::Severity::kDebug);
  }
  const std::string log_format = absl::GetFlag(FLAGS_log_format);
  if (log_format == "json") {
    equilink::log::SetFormat(equilink::log::Format::kJson);
  } else if (log_format != "text") {
    std::fprintf(stderr,
                 "equilink-gateway: --log_format must be text or json\n");
    return 2;
  }
  const std::string command = args.size() > 1 ? args[1] : "serve";
  if (absl::GetFlag(FLAGS_config).empty()) {
    std::fprintf(stderr, "equilink-gateway: --config is required\n");
    return 2;
  }
  absl::StatusOr<equilink::v1::GatewayConfig> config =
      equilink::config::LoadGatewayConfig(absl::GetFlag(FLAGS_config));
  if (!config.ok()) {
    std::fprintf(stderr, "equilink-gateway: %s\n",
                 std::string(config.status().message()).c_str());
    return 2;
  }
  if (command == "serve") return Serve(*std::move(config));
  if (command == "summary") return Summary(*config);
  if (command == "relink") return Relink(*config);
  if (command == "link-report") return LinkReport(*config);
  if (command == "backup" || command == "restore") {
    // Backups hold pseudonymised health data: nothing they create may be
    // readable by others, whatever the caller's umask.
    umask(077);
    return command == "backup" ? Backup(*config) : Restore(*config);
  }
  std::fprintf(stderr,
               "equilink-gateway: unknown command '%s' (serve, summary, "
               "relink, link-report, backup, restore)\n",
               command.c_str());
  return 2;
}
