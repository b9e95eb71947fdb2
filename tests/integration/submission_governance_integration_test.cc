// Agreement enforcement on the submission path, end to end: a real gateway
// with mutual TLS, agreements installed through the real registry lifecycle,
// and the audit trail read back from its database. Each refusal is its own
// test: a good batch is stored first, then the bad one is sent, and the test
// checks the answer, the rule id, the audit entry and that nothing stored
// changed.

#include <sqlite3.h>

#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "client/commands/submit_command.h"
#include "equilink/v1/submission.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "server/audit/audit_reader.h"
#include "server/governance/optout_registry.h"
#include "server/store/sqlite_store.h"
#include "tests/integration/gateway_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class SubmissionGovernanceTest : public ::testing::Test {
 protected:
  void SetUp() override { config_ = MakeGatewayConfig(dir_.path()); }

  const std::string& store_path() { return config_.store().sqlite_path(); }

  void Install(const v1::Agreement& agreement) {
    const absl::Status installed =
        InstallActiveAgreement(store_path(), agreement);
    ASSERT_TRUE(installed.ok()) << installed;
  }

  void StartGateway() {
    absl::StatusOr<std::unique_ptr<api::GatewayServer>> gateway =
        api::GatewayServer::Start(config_);
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = *std::move(gateway);
  }

  // Submits the Charitylog sample through the real client (several batches,
  // all inside the example agreement's population) and returns its first
  // batch as sent, for the bad cases to alter.
  v1::SubmissionBatch SubmitGoodSample(
      const std::string& org = kCharitylogOrg) {
    client::SubmitOptions options;
    options.export_options.input_path =
        SourcePath("client/samples/charitylog_export.csv");
    options.export_options.profile_path =
        SourcePath("client/profiles/charitylog.textproto");
    options.export_options.postcode_lookup_path =
        SourcePath("deploy/data/postcode_lookup_demo.csv");
    options.export_options.rejects_path = dir_.File(org + "_rejects.csv");
    options.export_options.rows_per_batch = 7;
    options.linkage_key_path = TestLinkageKeyPath();
    options.gateway_address = absl::StrCat("127.0.0.1:", gateway_->port());
    options.tls = TestPki::Get().ClientFiles(org);
    options.purpose_id = kExamplePurpose;
    std::string first;
    options.wire_observer = [&](const std::string& bytes) {
      if (first.empty()) first = bytes;
    };
    absl::StatusOr<client::RunReport> report = client::RunSubmit(options);
    EXPECT_TRUE(report.ok()) << report.status();
    if (report.ok()) {
      EXPECT_GT(report->records_accepted, 0);
      EXPECT_EQ(report->records_quarantined, 0);
    }
    v1::SubmissionBatch batch;
    EXPECT_TRUE(batch.ParseFromString(first));
    batch.set_submission_id(absl::StrCat("bad-", org));
    return batch;
  }

  grpc::Status Send(const v1::SubmissionBatch& batch, v1::BatchAck* ack,
                    const std::string& org = kCharitylogOrg) {
    return SubmitOneBatch(gateway_->port(), TestPki::Get().ClientFiles(org),
                          batch, ack);
  }

  // What the store holds: compared before and after a refused batch.
  // What is stored, in enough detail that any write shows: row counts, the
  // highest record id ever assigned (AUTOINCREMENT: an append shows even if an
  // index pass later replaced an older row with it) and the stored bytes.
  StoredCounts Snapshot() {
    // Index whatever is appended first, so a background index pass between
    // two snapshots cannot make them differ.
    if (gateway_ != nullptr) {
      EXPECT_TRUE(gateway_->store().Summarise().ok());
    }
    return CountStored(store_path());
  }

  // The newest audit entry about `submission_id` with `action`.
  v1::AuditEntry LastAudit(const std::string& request_id,
                           const std::string& action = "submission.batch") {
    absl::StatusOr<audit::StoredAuditLog> log =
        audit::ReadStoredAuditLog(config_.audit().sqlite_path(), 0, 0);
    EXPECT_TRUE(log.ok()) << log.status();
    v1::AuditEntry found;
    if (!log.ok()) return found;
    for (const v1::AuditEntry& entry : log->entries) {
      if (entry.action() == action && entry.request_id() == request_id)
        found = entry;
    }
    return found;
  }

  void ExpectRefusedWholeBatch(const v1::SubmissionBatch& batch,
                               const std::string& rule) {
    const StoredCounts before = Snapshot();
    v1::BatchAck ack;
    ASSERT_TRUE(Send(batch, &ack).ok());
    EXPECT_EQ(ack.outcome(), v1::BATCH_REJECTED);
    EXPECT_THAT(ack.reason(), StartsWith(rule + ":"));
    EXPECT_EQ(ack.records_accepted(), 0u);
    const v1::AuditEntry entry = LastAudit(batch.submission_id());
    EXPECT_EQ(entry.decision(), v1::AUDIT_DENY);
    EXPECT_EQ(entry.rule_id(), rule);
    EXPECT_EQ(entry.principal().organisation_code(), kCharitylogOrg);
    EXPECT_EQ(Snapshot(), before);
    EXPECT_EQ(CountRows(store_path(),
                        "SELECT count(*) FROM batches WHERE submission_id = '" +
                            batch.submission_id() + "'"),
              0);
  }

  // A batch made by the real client from the Charitylog sample, sent by 8JK34
  // under its own copy of the example agreement: the raw material of the bad
  // cases, which 8HX12 then sends under the agreement the test installs.
  v1::SubmissionBatch Template() {
    v1::SubmissionBatch batch = SubmitGoodSample(kLamplightOrg);
    batch.set_submission_id("template");
    return batch;
  }

  // Stores `batch` from 8HX12 and expects every record accepted, so the
  // refused batch after it has something stored that must not change.
  void SendGood(v1::SubmissionBatch batch) {
    batch.set_submission_id("good");
    v1::BatchAck ack;
    ASSERT_TRUE(Send(batch, &ack).ok());
    ASSERT_EQ(ack.outcome(), v1::BATCH_ACCEPTED) << ack.reason();
    ASSERT_EQ(ack.records_accepted(),
              static_cast<uint32_t>(batch.records_size()));
  }

  // Both organisations under the example agreement, the gateway started, and
  // the template stored once from 8HX12; returns the template for the test
  // to spoil.
  v1::SubmissionBatch StartWithAGoodBatchStored() {
    Install(ExampleSubmissionAgreement(kCharitylogOrg));
    Install(ExampleSubmissionAgreement(kLamplightOrg));
    StartGateway();
    v1::SubmissionBatch batch = Template();
    SendGood(batch);
    return batch;
  }

  // Sends `batch`, whose first record the caller moved outside the
  // agreement's population, and expects that record quarantined (S9): held
  // apart from the linkage feed, counted in the ack and the audit entry; the
  // rest stored; the record's earlier, in-scope version left as it was.
  void ExpectOneQuarantined(const v1::SubmissionBatch& batch,
                            const StoredCounts& before) {
    v1::BatchAck ack;
    ASSERT_TRUE(Send(batch, &ack).ok());
    EXPECT_EQ(ack.outcome(), v1::BATCH_ACCEPTED);
    EXPECT_EQ(ack.records_quarantined(), 1u);
    EXPECT_EQ(ack.records_accepted(),
              static_cast<uint32_t>(batch.records_size() - 1));
    const v1::AuditEntry entry = LastAudit(batch.submission_id());
    EXPECT_EQ(entry.decision(), v1::AUDIT_ALLOW);
    EXPECT_EQ(entry.counts().records_quarantined(), 1u);
    EXPECT_EQ(Snapshot().quarantined, before.quarantined + 1);
    const std::string in_batch =
        "submission_id = '" + batch.submission_id() + "'";
    EXPECT_EQ(CountRows(store_path(),
                        "SELECT count(*) FROM quarantined_records WHERE " +
                            in_batch + " AND rule = 'S9'"),
              1);
    EXPECT_EQ(CountRows(store_path(),
                        "SELECT count(*) FROM records WHERE " + in_batch),
              batch.records_size() - 1);
    EXPECT_EQ(CountRows(store_path(),
                        "SELECT count(*) FROM records WHERE " + in_batch +
                            " AND record_pseudonym IN (SELECT "
                            "record_pseudonym FROM quarantined_records)"),
              0);
  }

  TempDir dir_;
  v1::GatewayConfig config_;
  std::unique_ptr<api::GatewayServer> gateway_;
};

TEST_F(SubmissionGovernanceTest,
       AcceptedBatchIsAuditedWithTheAgreementVersion) {
  Install(ExampleSubmissionAgreement(kCharitylogOrg));
  StartGateway();
  v1::SubmissionBatch batch = SubmitGoodSample();
  batch.set_submission_id("good-again");
  v1::BatchAck ack;
  ASSERT_TRUE(Send(batch, &ack).ok());
  EXPECT_EQ(ack.outcome(), v1::BATCH_ACCEPTED);
  const v1::AuditEntry entry = LastAudit("good-again");
  EXPECT_EQ(entry.decision(), v1::AUDIT_ALLOW);
  EXPECT_EQ(entry.agreement_id(), "ICS-QHL-DSA-2026-0007");
  EXPECT_EQ(entry.agreement_version(), 1u);
  EXPECT_EQ(entry.agreement_version_hash().size(), 32u);
  EXPECT_EQ(entry.counts().records_accepted(),
            static_cast<uint64_t>(batch.records_size()));
  EXPECT_EQ(CountRows(store_path(),
                      "SELECT count(*) FROM batches WHERE agreement_id = "
                      "'ICS-QHL-DSA-2026-0007' AND agreement_version = 1 AND "
                      "submission_id = 'good-again'"),
            1);
}

TEST_F(SubmissionGovernanceTest, NoAgreementRefusesS2) {
  // 8JK34 has an agreement; 8HX12 has none.
  Install(ExampleSubmissionAgreement(kLamplightOrg));
  StartGateway();
  v1::SubmissionBatch batch = SubmitGoodSample(kLamplightOrg);
  batch.set_submission_id("no-agreement");
  ExpectRefusedWholeBatch(batch, "S2");
}

TEST_F(SubmissionGovernanceTest, ExpiredAgreementRefusesS2) {
  Install(ExampleSubmissionAgreement(kLamplightOrg));
  v1::Agreement expired = ExampleSubmissionAgreement(kCharitylogOrg);
  const absl::CivilDay today =
      absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  const std::string start = absl::FormatCivilTime(today - 200);
  const std::string end = absl::FormatCivilTime(today - 2);
  expired.set_effective_from(start);
  expired.set_expires_on(end);
  expired.set_review_due(absl::FormatCivilTime(today - 30));
  expired.mutable_flows(0)->set_start_date(start);
  expired.mutable_flows(0)->set_end_date(end);
  const absl::Status installed = InstallActiveAgreement(
      store_path(), expired, absl::Now() - absl::Hours(24 * 100));
  ASSERT_TRUE(installed.ok()) << installed;
  StartGateway();
  v1::SubmissionBatch batch = SubmitGoodSample(kLamplightOrg);
  batch.set_submission_id("expired");
  ExpectRefusedWholeBatch(batch, "S2");
}

TEST_F(SubmissionGovernanceTest, SuspendedAgreementRefusesTheNextBatch) {
  const v1::Agreement agreement = ExampleSubmissionAgreement(kCharitylogOrg);
  Install(agreement);
  StartGateway();
  v1::SubmissionBatch batch = SubmitGoodSample();
  governance::TransitionRequest suspend;
  suspend.action = v1::AGREEMENT_ACTION_SUSPEND;
  suspend.actor = {.principal = "urn:equilink:person:siro-01",
                   .has_governance_role = true};
  suspend.time = absl::Now();
  suspend.reason = "breach under investigation";
  ASSERT_TRUE(
      gateway_->agreements()
          .Transition(agreement.agreement_id(), agreement.version(), suspend)
          .ok());
  ExpectRefusedWholeBatch(batch, "S2");
}

TEST_F(SubmissionGovernanceTest, SuspendedOrganisationIsRefusedAtStreamStart) {
  Install(ExampleSubmissionAgreement(kCharitylogOrg));
  StartGateway();
  v1::SubmissionBatch batch = SubmitGoodSample();
  const StoredCounts before = Snapshot();
  EQ_ASSERT_OK_AND_ASSIGN(std::optional<store::Organisation> org,
                          gateway_->store().FindOrganisation(kCharitylogOrg));
  org->active = false;
  ASSERT_TRUE(gateway_->store().UpsertOrganisation(*org).ok());
  v1::BatchAck ack;
  const grpc::Status status = Send(batch, &ack);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("suspended"));
  EXPECT_EQ(Snapshot(), before);
  absl::StatusOr<audit::StoredAuditLog> log =
      audit::ReadStoredAuditLog(config_.audit().sqlite_path(), 0, 0);
  ASSERT_TRUE(log.ok());
  ASSERT_FALSE(log->entries.empty());
  EXPECT_EQ(log->entries.back().decision(), v1::AUDIT_DENY);
  EXPECT_EQ(log->entries.back().rule_id(), "AUTHZ-ACTIVE");
}

TEST_F(SubmissionGovernanceTest, SuspendingAnOrganisationStopsItsOpenStream) {
  Install(ExampleSubmissionAgreement(kCharitylogOrg));
  StartGateway();
  v1::SubmissionBatch batch = SubmitGoodSample();
  auto stub = v1::SubmissionService::NewStub(MakeChannel(
      gateway_->port(), TestPki::Get().ClientFiles(kCharitylogOrg)));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(20));
  auto stream = stub->Submit(&context);
  batch.set_submission_id("mid-stream");
  batch.set_sequence(0);
  ASSERT_TRUE(stream->Write(batch));
  // Durability is what is checked here, so wait for the first batch to be
  // stored rather than for its ack.
  const std::string durable_first =
      "SELECT count(*) FROM batches WHERE submission_id = 'mid-stream'";
  for (int i = 0; i < 200 && CountRows(store_path(), durable_first) == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_EQ(CountRows(store_path(), durable_first), 1);
  v1::BatchAck ack;
  const StoredCounts before = Snapshot();

  EQ_ASSERT_OK_AND_ASSIGN(std::optional<store::Organisation> org,
                          gateway_->store().FindOrganisation(kCharitylogOrg));
  org->active = false;
  ASSERT_TRUE(gateway_->store().UpsertOrganisation(*org).ok());
  batch.set_sequence(1);
  stream->Write(batch);
  stream->WritesDone();
  while (stream->Read(&ack)) {
  }
  const grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("suspended"));
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(CountRows(store_path(), durable_first), 1);
  absl::StatusOr<audit::StoredAuditLog> log =
      audit::ReadStoredAuditLog(config_.audit().sqlite_path(), 0, 0);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->entries.back().rule_id(), "AUTHZ-ACTIVE");
}

TEST_F(SubmissionGovernanceTest, FieldOffTheWhitelistRefusesS6) {
  v1::Agreement agreement = ExampleSubmissionAgreement(kCharitylogOrg);
  auto* items = agreement.mutable_data_items();
  for (int i = 0; i < items->size(); ++i) {
    if (items->Get(i).field() == "ethnic_category") {
      items->DeleteSubrange(i, 1);
      break;
    }
  }
  Install(agreement);
  Install(ExampleSubmissionAgreement(kLamplightOrg));
  StartGateway();
  v1::SubmissionBatch batch = Template();
  v1::SubmissionBatch without = batch;
  for (auto& record : *without.mutable_records())
    record.clear_ethnic_category();
  SendGood(without);
  ASSERT_FALSE(batch.records(0).ethnic_category().empty());
  batch.set_submission_id("off-whitelist");
  ExpectRefusedWholeBatch(batch, "S6");
  EXPECT_THAT(LastAudit("off-whitelist").reason(),
              HasSubstr("ethnic_category"));
}

TEST_F(SubmissionGovernanceTest, FieldOfAForbiddenClassRefusesS6) {
  // The validator already refuses a direct identifier in any submission
  // agreement (A7); at ingest the class check is what stops a flow that may
  // only carry aggregates from receiving pseudonymised records.
  v1::Agreement agreement = ExampleSubmissionAgreement(kCharitylogOrg);
  agreement.mutable_flows(0)->set_identifiability(
      v1::IDENTIFIABILITY_AGGREGATE_SDC);
  Install(agreement);
  Install(ExampleSubmissionAgreement(kLamplightOrg));
  StartGateway();
  v1::SubmissionBatch batch = Template();
  batch.set_submission_id("forbidden-class");
  ExpectRefusedWholeBatch(batch, "S6");
  EXPECT_THAT(LastAudit("forbidden-class").reason(), HasSubstr("class"));
}

TEST_F(SubmissionGovernanceTest, BatchOverTheFlowLimitRefusesS11) {
  v1::Agreement agreement = ExampleSubmissionAgreement(kCharitylogOrg);
  agreement.mutable_flows(0)->set_max_records_per_batch(3);
  Install(agreement);
  Install(ExampleSubmissionAgreement(kLamplightOrg));
  StartGateway();
  v1::SubmissionBatch batch = Template();
  ASSERT_GT(batch.records_size(), 3);
  v1::SubmissionBatch small = batch;
  small.mutable_records()->DeleteSubrange(3, small.records_size() - 3);
  SendGood(small);
  batch.set_submission_id("over-limit");
  ExpectRefusedWholeBatch(batch, "S11");
}

TEST_F(SubmissionGovernanceTest, TokensUnderAnotherLinkageKeyRefuseS7) {
  v1::SubmissionBatch batch = StartWithAGoodBatchStored();
  batch.set_key_id("another-domain-2026");
  batch.set_submission_id("foreign-key");
  ExpectRefusedWholeBatch(batch, "S7");
}

TEST_F(SubmissionGovernanceTest,
       RecordWithLsoaOutsideTheAgreementIsQuarantined) {
  v1::SubmissionBatch batch = StartWithAGoodBatchStored();
  const StoredCounts before = Snapshot();
  batch.set_submission_id("lsoa-out-of-scope");
  // City of London: not Birmingham or Solihull.
  batch.mutable_records(0)->set_lsoa_code("E01000001");
  ExpectOneQuarantined(batch, before);
}

TEST_F(SubmissionGovernanceTest,
       RecordWithAgeOutsideTheAgreementIsQuarantined) {
  v1::SubmissionBatch batch = StartWithAGoodBatchStored();
  const StoredCounts before = Snapshot();
  batch.set_submission_id("age-out-of-scope");
  batch.mutable_records(0)->set_age_at_referral(30);  // scope is 0-25
  ExpectOneQuarantined(batch, before);
}

TEST_F(SubmissionGovernanceTest, RateLimitExceededEndsTheStreamWithRetryHint) {
  Install(ExampleSubmissionAgreement(kCharitylogOrg));
  Install(ExampleSubmissionAgreement(kLamplightOrg));
  StartGateway();  // generous for the template run
  v1::SubmissionBatch batch = Template();
  gateway_.reset();
  config_.mutable_governance()->set_rate_limit_records_per_second(1);
  config_.mutable_governance()->set_rate_limit_burst_records(10);
  StartGateway();
  ASSERT_GE(batch.records_size(), 6);
  batch.mutable_records()->DeleteSubrange(6, batch.records_size() - 6);
  SendGood(batch);  // 6 of the 10 tokens
  const StoredCounts before = Snapshot();
  batch.set_submission_id("too-fast");
  v1::BatchAck ack;
  const grpc::Status status = Send(batch, &ack);  // needs 2 s of refill
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("S11"));
  EXPECT_THAT(status.error_message(), HasSubstr("retry after"));
  EXPECT_EQ(Snapshot(), before);
  const v1::AuditEntry entry = LastAudit("too-fast");
  EXPECT_EQ(entry.decision(), v1::AUDIT_DENY);
  EXPECT_EQ(entry.rule_id(), "S11");
}

TEST_F(SubmissionGovernanceTest, OptedOutRecordsAreDroppedAndOnlyCounted) {
  v1::Agreement agreement = ExampleSubmissionAgreement(kCharitylogOrg);
  agreement.mutable_opt_outs()->set_apply_national_data_opt_out(true);
  agreement.mutable_opt_outs()->set_national_data_opt_out_stage(
      v1::OPT_OUT_AT_INGEST);
  Install(agreement);
  Install(ExampleSubmissionAgreement(kLamplightOrg));
  StartGateway();
  v1::SubmissionBatch batch = Template();
  std::string token;
  for (const auto& record : batch.records()) {
    if (!record.nhs_number_token().empty()) {
      token = record.nhs_number_token();
      break;
    }
  }
  ASSERT_EQ(token.size(), 32u);
  // The gateway loads the newest list at start.
  gateway_.reset();
  {
    EQ_ASSERT_OK_AND_ASSIGN(auto optouts,
                            governance::OptOutRegistry::Open(store_path()));
    ASSERT_TRUE(optouts
                    ->Upload(batch.key_id(), "test list", {token},
                             "urn:equilink:person:caldicott-01", absl::Now())
                    .ok());
  }
  StartGateway();
  int opted_out = 0;
  for (const auto& record : batch.records()) {
    if (record.nhs_number_token() == token) ++opted_out;
  }
  const StoredCounts before = Snapshot();
  batch.set_submission_id("opted-out");
  v1::BatchAck ack;
  ASSERT_TRUE(Send(batch, &ack).ok());
  EXPECT_EQ(ack.outcome(), v1::BATCH_ACCEPTED);
  EXPECT_EQ(ack.records_opted_out(), static_cast<uint32_t>(opted_out));
  EXPECT_EQ(ack.records_accepted(),
            static_cast<uint32_t>(batch.records_size() - opted_out));
  EXPECT_EQ(Snapshot().quarantined, before.quarantined);
  EXPECT_EQ(CountRows(store_path(),
                      "SELECT count(*) FROM records WHERE submission_id = "
                      "'opted-out'"),
            batch.records_size() - opted_out);
  const v1::AuditEntry entry = LastAudit("opted-out");
  EXPECT_EQ(entry.decision(), v1::AUDIT_ALLOW);
  EXPECT_EQ(entry.counts().records_opted_out(),
            static_cast<uint64_t>(opted_out));
  // Not the token, in any form, anywhere in the audit database.
  gateway_.reset();
  const std::string audit_bytes =
      ReadFileOrEmpty(config_.audit().sqlite_path());
  ASSERT_FALSE(audit_bytes.empty());
  EXPECT_FALSE(absl::StrContains(audit_bytes, token));
  EXPECT_FALSE(absl::StrContains(audit_bytes, absl::BytesToHexString(token)));
}

}  // namespace
}  // namespace equilink::testing
