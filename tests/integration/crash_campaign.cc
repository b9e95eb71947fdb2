#include "tests/integration/crash_campaign.h"

#include <signal.h>

#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <thread>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client/commands/submit_command.h"
#include "common/fault/crash_point.h"
#include "common/status/check.h"
#include "common/status/status_macros.h"
#include "server/audit/audit_verifier.h"
#include "server/audit/checkpoint_signer.h"
#include "server/store/sqlite/database.h"
#include "server/store/sqlite/statement.h"
#include "tests/integration/gateway_harness.h"
#include "tests/testing/subprocess.h"

namespace equilink::testing {
namespace {

using store::sqlite::Database;

// What a client saw acknowledged: the batch must be in the store after any
// kill.
struct AckedBatch {
  std::string organisation;
  std::string submission_id;
  uint64_t sequence = 0;
  uint32_t records_accepted = 0;
  bool already_stored = false;
};

// One client: an organisation submitting one synthetic export after another.
// Every export of an organisation numbers its records the same way, so each
// new export re-submits (replaces) the organisation's records: the store
// indexes replacements and the linkage worker relinks them, under the kills.
struct Client {
  std::string organisation;
  int index = 0;
  int exports_done = 0;  // complete runs
  std::string current_export;
};

// Starts the gateway and waits for its port, or for it to die first (an
// armed point can be reached while it starts: the linkage worker resumes).
struct Started {
  Subprocess process;
  int port = 0;  // 0: it died before listening
};

absl::StatusOr<Started> StartGateway(const std::string& config_path,
                                     const std::string& dir,
                                     const std::vector<std::string>& env) {
  const std::string port_file = dir + "/port";
  std::filesystem::remove(port_file);
  EQ_ASSIGN_OR_RETURN(
      Subprocess process,
      Subprocess::Start(
          {EQUILINK_GATEWAY_BINARY, absl::StrCat("--config=", config_path),
           absl::StrCat("--port_file=", port_file)},
          dir + "/gateway.log", env));
  Started started;
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline) {
    absl::StatusOr<int> port =
        WaitForPortFile(port_file, absl::Milliseconds(20));
    if (port.ok()) {
      started.port = *port;
      started.process = std::move(process);
      return started;
    }
    absl::StatusOr<ExitInfo> ended = process.Wait(absl::Milliseconds(5));
    if (ended.ok()) {
      if (ended->signal != SIGKILL) {
        return absl::InternalError(absl::StrCat(
            "the gateway exited while starting (code ", ended->exit_code,
            ", signal ", ended->signal, "); see ", dir, "/gateway.log"));
      }
      return started;  // killed by its armed point: process already reaped
    }
  }
  return absl::DeadlineExceededError("the gateway did not start in 60 s");
}

class Campaign {
 public:
  explicit Campaign(const CrashCampaignOptions& options)
      : options_(options), rng_(options.seed) {}

  absl::StatusOr<CrashCampaignReport> Run();

 private:
  absl::Status SetUp();
  std::string ExportFor(const Client& client);
  // Runs every client against the gateway on `port` until the gateway dies
  // (or, when `keep_going` is false, until each client's current export is
  // complete).
  void RunClients(int port, bool keep_going, std::atomic<bool>* gateway_dead);
  std::vector<std::string> CheckStoredState(bool final);
  absl::Status WaitForLinkage(absl::Duration timeout);

  const CrashCampaignOptions options_;
  std::mt19937_64 rng_;
  std::string config_path_;
  std::string store_path_;
  std::string audit_path_;
  std::unique_ptr<audit::CheckpointVerifier> verifier_;
  std::vector<Client> clients_;
  absl::Mutex mu_;
  std::vector<AckedBatch> acked_ ABSL_GUARDED_BY(mu_);
  // Every export's submission id and batch count, for the final check.
  std::map<std::string, std::pair<std::string, int>> submissions_
      ABSL_GUARDED_BY(mu_);
};

absl::Status Campaign::SetUp() {
  std::filesystem::create_directories(options_.dir);
  v1::GatewayConfig config = MakeGatewayConfig(options_.dir);
  // Small checkpoint interval: kills land between entries and checkpoints.
  config.mutable_audit()->set_checkpoint_interval(50);
  store_path_ = config.store().sqlite_path();
  audit_path_ = config.audit().sqlite_path();
  for (const char* organisation : {kCharitylogOrg, kLamplightOrg}) {
    EQ_RETURN_IF_ERROR(InstallActiveAgreement(
        store_path_, ExampleSubmissionAgreement(organisation)));
  }
  config_path_ =
      WriteGatewayConfig(config, options_.dir + "/gateway.textproto");
  // The gateway makes its checkpoint key on first start; the verifier needs
  // its public half.
  EQ_ASSIGN_OR_RETURN(Started first, StartGateway(config_path_, options_.dir,
                                                  /*env=*/{}));
  first.process.Signal(SIGTERM);
  EQ_RETURN_IF_ERROR(first.process.Wait(absl::Seconds(30)).status());
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<audit::CheckpointSigner> signer,
                      audit::CheckpointSigner::LoadFromFile(
                          config.audit().checkpoint_signing_key_file()));
  EQ_ASSIGN_OR_RETURN(const std::string pem, signer->PublicKeyPem());
  EQ_ASSIGN_OR_RETURN(verifier_,
                      audit::CheckpointVerifier::FromPublicKeyPem(pem));

  for (int i = 0; i < options_.clients; ++i) {
    Client client;
    client.organisation = i % 2 == 0 ? kCharitylogOrg : kLamplightOrg;
    client.index = i;
    clients_.push_back(std::move(client));
  }
  return absl::OkStatus();
}

std::string Campaign::ExportFor(const Client& client) {
  const std::string path = absl::StrCat(options_.dir, "/export-", client.index,
                                        "-", client.exports_done, ".csv");
  if (!std::filesystem::exists(path)) {
    // A different file for every client and round: a new submission id.
    WriteSyntheticCharitylogExport(
        path, options_.rows_per_export,
        options_.seed * 1000003 + client.index * 7919 +
            static_cast<uint64_t>(client.exports_done) * 104729);
  }
  return path;
}

void Campaign::RunClients(int port, bool keep_going,
                          std::atomic<bool>* gateway_dead) {
  std::vector<std::thread> threads;
  for (Client& client : clients_) {
    threads.emplace_back([&, port] {
      while (!gateway_dead->load()) {
        client.current_export = ExportFor(client);
        client::SubmitOptions submit;
        submit.export_options.input_path = client.current_export;
        submit.export_options.profile_path =
            SourcePath("client/profiles/charitylog.textproto");
        submit.export_options.postcode_lookup_path =
            SourcePath("deploy/data/postcode_lookup_demo.csv");
        submit.export_options.rows_per_batch = options_.rows_per_batch;
        submit.export_options.rejects_path =
            absl::StrCat(options_.dir, "/rejects-", client.index, ".csv");
        submit.linkage_key_path = TestLinkageKeyPath();
        submit.gateway_address = absl::StrCat("127.0.0.1:", port);
        submit.tls = TestPki::Get().ClientFiles(client.organisation);
        submit.purpose_id = kExamplePurpose;
        submit.ack_observer = [&](const v1::BatchAck& ack) {
          if (ack.outcome() != v1::BATCH_ACCEPTED &&
              ack.outcome() != v1::BATCH_PARTIALLY_ACCEPTED) {
            return;
          }
          absl::MutexLock lock(&mu_);
          acked_.push_back({client.organisation, ack.submission_id(),
                            ack.sequence(), ack.records_accepted(),
                            ack.already_stored()});
        };
        absl::StatusOr<client::RunReport> report = client::RunSubmit(submit);
        if (!report.ok()) return;  // the gateway died; re-run after restart
        {
          absl::MutexLock lock(&mu_);
          submissions_[client.current_export] = {
              report->submission_id,
              static_cast<int>(
                  (report->rows_read + options_.rows_per_batch - 1) /
                  options_.rows_per_batch)};
        }
        if (!keep_going) return;
        ++client.exports_done;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
}

std::vector<std::string> Campaign::CheckStoredState(bool final) {
  std::vector<std::string> failures;
  auto fail = [&](std::string what) { failures.push_back(std::move(what)); };
  Database::Options db_options;
  db_options.path = store_path_;
  db_options.query_only = true;
  absl::StatusOr<std::unique_ptr<Database>> opened = Database::Open(db_options);
  if (!opened.ok())
    return {absl::StrCat("store: ", opened.status().ToString())};
  Database& db = **opened;
  auto query = [&](const std::string& sql) -> int64_t {
    absl::StatusOr<int64_t> value = db.QueryInt64(sql);
    if (!value.ok()) {
      fail(absl::StrCat(sql, ": ", value.status().ToString()));
      return -1;
    }
    return *value;
  };

  absl::StatusOr<std::string> integrity =
      db.QueryText("PRAGMA integrity_check");
  if (!integrity.ok() || *integrity != "ok") fail("store integrity_check");

  // Every acknowledged batch is there, with what its acknowledgement counted.
  std::vector<AckedBatch> acked;
  {
    absl::MutexLock lock(&mu_);
    acked = acked_;
  }
  absl::StatusOr<std::unique_ptr<store::sqlite::Statement>> batch =
      db.GetUniqueStatement(
          "SELECT record_count FROM batches WHERE org_code = ?1 AND "
          "submission_id = ?2 AND sequence = ?3");
  if (!batch.ok()) return {batch.status().ToString()};
  int64_t lost = 0;
  int64_t miscounted = 0;
  for (const AckedBatch& ack : acked) {
    (*batch)->Reset();
    if (!(*batch)->BindText(0, ack.organisation).ok() ||
        !(*batch)->BindText(1, ack.submission_id).ok() ||
        !(*batch)->BindInt64(2, static_cast<int64_t>(ack.sequence)).ok()) {
      fail("bind");
      break;
    }
    absl::StatusOr<bool> found = (*batch)->Step();
    if (!found.ok() || !*found) {
      ++lost;
    } else if (!ack.already_stored &&
               (*batch)->ColumnInt64(0) != ack.records_accepted) {
      ++miscounted;
    }
  }
  if (lost > 0) fail(absl::StrCat(lost, " acknowledged batches lost"));
  if (miscounted > 0) {
    fail(absl::StrCat(miscounted, " acknowledged batches hold other counts"));
  }

  // Nothing twice: one indexed row per record key, and the live counts are
  // the rows.
  const int64_t watermark = query(
      "SELECT value FROM store_state WHERE name = 'keys_indexed_through'");
  const int64_t duplicated = query(absl::StrCat(
      "SELECT count(*) FROM (SELECT 1 FROM records WHERE record_id <= ",
      watermark, " GROUP BY org_code, record_pseudonym HAVING count(*) > 1)"));
  if (duplicated != 0)
    fail(absl::StrCat(duplicated, " record keys stored twice"));
  // An index pass commits in slices and moves the watermark with its last
  // (server/store/record_index.h): every row at or below the watermark is the
  // one its key points at, and every key points at a stored row. Keys that
  // point past the watermark are a pass cut short between slices, redone on
  // the next start; at the end every row is indexed.
  if (query(absl::StrCat(
          "SELECT count(*) FROM records r WHERE r.record_id <= ", watermark,
          " AND NOT EXISTS (SELECT 1 FROM record_keys k WHERE k.org_code = "
          "r.org_code AND k.record_pseudonym = r.record_pseudonym AND "
          "k.record_id = r.record_id)")) != 0) {
    fail("a record at or below the index watermark is not indexed");
  }
  if (query("SELECT count(*) FROM record_keys k WHERE NOT EXISTS (SELECT 1 "
            "FROM records r WHERE r.record_id = k.record_id AND r.org_code = "
            "k.org_code AND r.record_pseudonym = k.record_pseudonym)") != 0) {
    fail("a record key points at no stored record");
  }
  if (final && query("SELECT count(*) FROM record_keys") !=
                   query("SELECT count(*) FROM records")) {
    fail("record_keys and the records stored differ after recovery");
  }
  if (query("SELECT coalesce(sum(live_records), 0) FROM batches") !=
      query("SELECT count(*) FROM records")) {
    fail("batches' live counts differ from the records stored");
  }

  // Linkage: what the worker says it has linked is linked. Only each key's
  // newest row counts: an earlier version not yet deleted by an index pass
  // loses its link once the worker has linked the newer one.
  const int64_t linked_through =
      query("SELECT value FROM linkage_state WHERE name = 'linked_through'");
  const int64_t unlinked = query(absl::StrCat(
      "SELECT count(*) FROM (SELECT max(record_id) AS id FROM records GROUP BY "
      "org_code, record_pseudonym) c WHERE c.id <= ",
      linked_through,
      " AND NOT EXISTS (SELECT 1 FROM record_links l WHERE l.record_id = "
      "c.id)"));
  if (unlinked != 0) {
    fail(absl::StrCat(unlinked, " records behind the linkage cursor unlinked"));
  }
  if (final) {
    if (linked_through <
        query("SELECT coalesce(max(record_id), 0) FROM records")) {
      fail("linkage did not catch up");
    }
    const int64_t orphans = query(
        "SELECT count(*) FROM record_links l WHERE NOT EXISTS (SELECT 1 FROM "
        "records r WHERE r.record_id = l.record_id)");
    if (orphans != 0) fail(absl::StrCat(orphans, " links to removed records"));
    for (const char* organisation : {kCharitylogOrg, kLamplightOrg}) {
      const int64_t held = query(
          absl::StrCat("SELECT count(*) FROM record_keys WHERE org_code = '",
                       organisation, "'"));
      if (held != options_.rows_per_export) {
        fail(absl::StrCat(organisation, " holds ", held, " records, not ",
                          options_.rows_per_export));
      }
    }
    std::map<std::string, std::pair<std::string, int>> submissions;
    {
      absl::MutexLock lock(&mu_);
      submissions = submissions_;
    }
    for (const auto& [path, submission] : submissions) {
      const int64_t durable = query(
          absl::StrCat("SELECT count(*) FROM batches WHERE submission_id = '",
                       submission.first, "'"));
      if (durable != submission.second) {
        fail(absl::StrCat("a completed submission holds ", durable,
                          " batches, not ", submission.second));
      }
    }
  }

  absl::StatusOr<v1::AuditVerifyReport> verified =
      audit::VerifyAuditLog(audit_path_, *verifier_);
  if (!verified.ok()) {
    fail(absl::StrCat("audit: ", verified.status().ToString()));
  } else if (!verified->ok()) {
    fail(absl::StrCat("audit chain: ", verified->detail(), " at entry ",
                      verified->problem_sequence()));
  }
  return failures;
}

absl::Status Campaign::WaitForLinkage(absl::Duration timeout) {
  Database::Options db_options;
  db_options.path = store_path_;
  db_options.query_only = true;
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(db_options));
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    EQ_ASSIGN_OR_RETURN(
        const int64_t behind,
        db->QueryInt64(
            "SELECT (SELECT coalesce(max(record_id), 0) FROM records) - "
            "(SELECT value FROM linkage_state WHERE name = 'linked_through')"));
    EQ_ASSIGN_OR_RETURN(
        const int64_t orphans,
        db->QueryInt64("SELECT count(*) FROM record_links l WHERE NOT EXISTS "
                       "(SELECT 1 FROM records r WHERE r.record_id = "
                       "l.record_id)"));
    if (behind <= 0 && orphans == 0) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::DeadlineExceededError("linkage did not catch up");
}

absl::StatusOr<CrashCampaignReport> Campaign::Run() {
  const absl::Time start = absl::Now();
  EQ_RETURN_IF_ERROR(SetUp());
  CrashCampaignReport report;
  const std::vector<std::string>& points = fault::KnownCrashPoints();
  for (int k = 0; k < options_.kill_points; ++k) {
    KillPointOutcome outcome;
    std::vector<std::string> env;
    const bool timed = std::uniform_real_distribution<double>(0, 1)(rng_) <
                       options_.timed_kill_share;
    if (timed) {
      outcome.point = "timer";
      outcome.at = std::uniform_int_distribution<int64_t>(50, 1500)(rng_);
    } else {
      outcome.point = points[rng_() % points.size()];
      // Group commits and audit entries come many to a run; index passes
      // and linkage writes a few.
      const bool frequent = outcome.point.starts_with("store.commit") ||
                            outcome.point.starts_with("audit");
      outcome.at =
          std::uniform_int_distribution<int64_t>(1, frequent ? 40 : 4)(rng_);
      env.push_back(
          absl::StrCat("EQUILINK_CRASH_AT=", outcome.point, ":", outcome.at));
    }
    EQ_ASSIGN_OR_RETURN(Started gateway,
                        StartGateway(config_path_, options_.dir, env));
    if (gateway.port == 0) {
      outcome.killed = true;  // reached while starting
      outcome.reached = !timed;
    } else {
      std::atomic<bool> dead{false};
      std::thread killer([&] {
        const absl::Time deadline =
            absl::Now() +
            (timed ? absl::Milliseconds(outcome.at) : absl::Seconds(20));
        while (absl::Now() < deadline) {
          if (gateway.process.Wait(absl::Milliseconds(10)).ok()) {
            outcome.reached = !timed;
            dead = true;
            return;
          }
        }
        // The timer's kill, or a point not reached in 20 s: killed now.
        if (!timed) outcome.point += " (not reached; killed)";
        gateway.process.Signal(SIGKILL);
        (void)gateway.process.Wait(absl::Seconds(10));
        dead = true;
      });
      RunClients(gateway.port, /*keep_going=*/true, &dead);
      killer.join();
      outcome.killed = true;
    }
    outcome.failures = CheckStoredState(/*final=*/false);
    if (outcome.killed && outcome.failures.empty()) ++report.kill_points_passed;
    if (outcome.reached) ++report.named_points_reached;
    if (options_.progress) {
      options_.progress(absl::StrCat(
          "kill ", k + 1, "/", options_.kill_points, ": ", outcome.point, " @",
          outcome.at, outcome.failures.empty() ? " ok" : " FAILED"));
    }
    report.kill_points.push_back(std::move(outcome));
  }

  // Nothing armed: every client finishes the export it was on.
  EQ_ASSIGN_OR_RETURN(Started gateway,
                      StartGateway(config_path_, options_.dir, /*env=*/{}));
  std::atomic<bool> never{false};
  RunClients(gateway.port, /*keep_going=*/false, &never);
  for (const Client& client : clients_) {
    absl::MutexLock lock(&mu_);
    if (!submissions_.contains(client.current_export)) {
      report.final_failures.push_back("a client's last run did not complete");
    }
  }
  if (absl::Status caught_up = WaitForLinkage(absl::Seconds(120));
      !caught_up.ok()) {
    report.final_failures.push_back(std::string(caught_up.message()));
  }
  gateway.process.Signal(SIGTERM);
  EQ_RETURN_IF_ERROR(gateway.process.Wait(absl::Seconds(60)).status());
  for (std::string& failure : CheckStoredState(/*final=*/true)) {
    report.final_failures.push_back(std::move(failure));
  }
  {
    absl::MutexLock lock(&mu_);
    report.batches_acknowledged = static_cast<int64_t>(acked_.size());
  }
  Database::Options db_options;
  db_options.path = store_path_;
  db_options.query_only = true;
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(db_options));
  EQ_ASSIGN_OR_RETURN(report.records_stored,
                      db->QueryInt64("SELECT count(*) FROM records"));
  report.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return report;
}

}  // namespace

absl::StatusOr<CrashCampaignReport> RunCrashCampaign(
    const CrashCampaignOptions& options) {
  Campaign campaign(options);
  return campaign.Run();
}

}  // namespace equilink::testing
