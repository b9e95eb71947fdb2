// The governance service end to end: a real gateway on loopback with mutual
// TLS, people's certificates from the dev PKI (the IG officer, the Caldicott
// Guardian and the SIRO of the ICS), agreements through their whole life, the
// organisation registry, the opt-out list, the transparency register and the
// audit trail, each bad case checked for its status, its rule, its audit
// entry and for leaving everything stored as it was.

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "client/commands/governance_commands.h"
#include "equilink/v1/governance.grpc.pb.h"
#include "equilink/v1/submission.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "server/api/gateway_server.h"
#include "server/audit/audit_reader.h"
#include "server/audit/checkpoint_signer.h"
#include "server/governance/agreement_file.h"
#include "server/governance/agreement_registry.h"
#include "server/governance/optout_registry.h"
#include "server/store/sqlite/database.h"
#include "tests/integration/gateway_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink::testing {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kExampleFile[] =
    "deploy/agreements/8hx12_youth_wellbeing_submission.textproto";
constexpr char kExampleId[] = "ICS-QHL-DSA-2026-0007";

std::string PersonUrn(const std::string& person) {
  return absl::StrCat("urn:equilink:person:", person);
}

v1::Agreement ExampleAgreement() {
  absl::StatusOr<v1::Agreement> agreement =
      governance::LoadAgreementFile(SourcePath(kExampleFile));
  EXPECT_THAT(agreement.status(), IsOk());
  return agreement.ok() ? *agreement : v1::Agreement();
}

class GovernanceIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = MakeGatewayConfig(dir_.path());
    EQ_ASSERT_OK_AND_ASSIGN(gateway_, api::GatewayServer::Start(config_));
  }

  std::unique_ptr<v1::GovernanceService::Stub> StubFor(
      const v1::TlsFiles& files) {
    return v1::GovernanceService::NewStub(MakeChannel(gateway_->port(), files));
  }
  std::unique_ptr<v1::GovernanceService::Stub> Person(const char* person) {
    return StubFor(TestPki::Get().PersonClientFiles(person));
  }
  std::unique_ptr<v1::GovernanceService::Stub> Organisation(const char* code) {
    return StubFor(TestPki::Get().ClientFiles(code));
  }

  grpc::Status Create(v1::GovernanceService::Stub& stub,
                      const v1::Agreement& agreement,
                      v1::AgreementView* view = nullptr) {
    grpc::ClientContext context;
    v1::CreateAgreementRequest request;
    *request.mutable_agreement() = agreement;
    v1::AgreementView ignored;
    return stub.CreateAgreement(&context, request,
                                view != nullptr ? view : &ignored);
  }

  grpc::Status Transition(v1::GovernanceService::Stub& stub,
                          v1::AgreementAction action,
                          v1::AgreementEvent* event = nullptr) {
    grpc::ClientContext context;
    v1::TransitionAgreementRequest request;
    request.set_agreement_id(kExampleId);
    request.set_version(1);
    request.set_action(action);
    request.set_reason("integration test");
    v1::AgreementEvent ignored;
    return stub.TransitionAgreement(&context, request,
                                    event != nullptr ? event : &ignored);
  }

  // Everything the governance service can change, read behind its back from
  // the files: every agreement version with its history, every organisation,
  // the newest opt-out list.
  std::string StoredState() {
    std::string state;
    absl::StatusOr<std::unique_ptr<governance::AgreementRegistry>> registry =
        governance::AgreementRegistry::Open(config_.store().sqlite_path());
    EXPECT_THAT(registry.status(), IsOk());
    if (!registry.ok()) return "";
    absl::StatusOr<std::vector<governance::StoredAgreement>> all =
        (*registry)->List();
    EXPECT_THAT(all.status(), IsOk());
    for (const governance::StoredAgreement& stored : *all) {
      absl::StrAppend(&state, stored.agreement.ShortDebugString(), "|",
                      stored.version_hash, "|");
      for (const v1::AgreementEvent& event : stored.history) {
        absl::StrAppend(&state, event.ShortDebugString(), "|");
      }
    }
    absl::StatusOr<std::vector<store::Organisation>> organisations =
        gateway_->store().ListOrganisations();
    EXPECT_THAT(organisations.status(), IsOk());
    for (const store::Organisation& o : *organisations) {
      absl::StrAppend(&state, o.code, ",", o.name, ",", o.active, ",",
                      o.certificate_sha256, ",");
      for (const std::string& role : o.roles) absl::StrAppend(&state, role);
      state += "|";
    }
    absl::StatusOr<std::unique_ptr<governance::OptOutRegistry>> optouts =
        governance::OptOutRegistry::Open(config_.store().sqlite_path());
    EXPECT_THAT(optouts.status(), IsOk());
    if (optouts.ok()) {
      absl::StatusOr<v1::OptOutListInfo> info = (*optouts)->Info();
      EXPECT_THAT(info.status(), IsOk());
      absl::StrAppend(&state, info->ShortDebugString(), "|",
                      (*optouts)->Current()->tokens.size());
    }
    return state;
  }

  std::vector<v1::AuditEntry> AuditEntries() {
    absl::StatusOr<audit::StoredAuditLog> log =
        audit::ReadStoredAuditLog(config_.audit().sqlite_path(), 0, 0);
    EXPECT_THAT(log.status(), IsOk());
    return log.ok() ? log->entries : std::vector<v1::AuditEntry>();
  }

  v1::AuditEntry LastAuditEntry() {
    std::vector<v1::AuditEntry> entries = AuditEntries();
    EXPECT_THAT(entries, Not(::testing::IsEmpty()));
    return entries.empty() ? v1::AuditEntry() : entries.back();
  }

  // Created by the IG officer, approved by the Caldicott Guardian and the
  // SIRO: APPROVED, ready to activate.
  void CreateAndApprove(v1::AgreementView* view) {
    ASSERT_TRUE(
        Create(*Person(kIgOfficerPerson), ExampleAgreement(), view).ok());
    ASSERT_TRUE(
        Transition(*Person(kCaldicottPerson), v1::AGREEMENT_ACTION_APPROVE)
            .ok());
    ASSERT_TRUE(
        Transition(*Person(kSiroPerson), v1::AGREEMENT_ACTION_APPROVE).ok());
  }

  TempDir dir_;
  v1::GatewayConfig config_;
  std::unique_ptr<api::GatewayServer> gateway_;
};

TEST_F(GovernanceIntegrationTest, AgreementLifecycleHappyPath) {
  v1::AgreementView created;
  CreateAndApprove(&created);
  EXPECT_EQ(created.agreement().status(), v1::AGREEMENT_DRAFT);
  EXPECT_EQ(created.agreement().author(), PersonUrn(kIgOfficerPerson));
  ASSERT_THAT(created.version_hash(), SizeIs(64));

  v1::AgreementEvent activated;
  grpc::Status status = Transition(*Person(kIgOfficerPerson),
                                   v1::AGREEMENT_ACTION_ACTIVATE, &activated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(activated.from_status(), v1::AGREEMENT_APPROVED);
  EXPECT_EQ(activated.to_status(), v1::AGREEMENT_ACTIVE);
  EXPECT_EQ(activated.principal(), PersonUrn(kIgOfficerPerson));

  {
    grpc::ClientContext context;
    v1::ListAgreementsResponse list;
    ASSERT_TRUE(
        Person(kSiroPerson)
            ->ListAgreements(&context, v1::ListAgreementsRequest(), &list)
            .ok());
    ASSERT_THAT(list.agreements(), SizeIs(1));
    EXPECT_EQ(list.agreements(0).agreement().status(), v1::AGREEMENT_ACTIVE);
  }
  {
    grpc::ClientContext context;
    v1::GetAgreementRequest request;
    request.set_agreement_id(kExampleId);  // version 0: the newest
    v1::AgreementView shown;
    ASSERT_TRUE(Organisation(kAuditorOrg)
                    ->GetAgreement(&context, request, &shown)
                    .ok());
    EXPECT_EQ(shown.version_hash(), created.version_hash());
    ASSERT_THAT(shown.history(), SizeIs(4));  // created, 2 approvals, active
    EXPECT_EQ(shown.history(1).principal(), PersonUrn(kCaldicottPerson));
    EXPECT_EQ(shown.history(2).principal(), PersonUrn(kSiroPerson));
  }
  {
    grpc::ClientContext context;
    v1::TransparencyRegister reg;
    ASSERT_TRUE(
        Organisation(kAuditorOrg)
            ->ExportRegister(&context, v1::ExportRegisterRequest(), &reg)
            .ok());
    ASSERT_THAT(reg.entries(), SizeIs(1));
    EXPECT_EQ(reg.entries(0).agreement_id(), kExampleId);
    EXPECT_EQ(reg.entries(0).version_hash(), created.version_hash());
  }
  // The same register through the CLI's entry point, as CSV.
  client::GovernanceFlags flags;
  flags.gateway.address = absl::StrCat("127.0.0.1:", gateway_->port());
  flags.gateway.tls = TestPki::Get().ClientFiles(kAuditorOrg);
  flags.format = "csv";
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(
      client::RunGovernanceCommand({"register", "export"}, flags, out, err), 0)
      << err.str();
  EXPECT_THAT(out.str(), HasSubstr(absl::StrCat(kExampleId, ",1,",
                                                created.version_hash())));

  // Every step was audited as an allow by the person who took it, with the
  // agreement version's hash.
  const std::string raw_hash = absl::HexStringToBytes(created.version_hash());
  int transitions = 0;
  for (const v1::AuditEntry& entry : AuditEntries()) {
    if (entry.action() == "GovernanceService.CreateAgreement") {
      EXPECT_EQ(entry.decision(), v1::AUDIT_ALLOW);
      EXPECT_EQ(entry.principal().organisation_code(), kIcsOrg);
      EXPECT_EQ(entry.principal().role(), "governance");
      EXPECT_EQ(entry.principal().person(), PersonUrn(kIgOfficerPerson));
      EXPECT_EQ(entry.agreement_version_hash(), raw_hash);
    }
    if (entry.action() == "GovernanceService.TransitionAgreement") {
      ++transitions;
      EXPECT_EQ(entry.decision(), v1::AUDIT_ALLOW);
      EXPECT_EQ(entry.agreement_id(), kExampleId);
      EXPECT_EQ(entry.agreement_version(), 1u);
      EXPECT_EQ(entry.agreement_version_hash(), raw_hash);
    }
  }
  EXPECT_EQ(transitions, 3);
}

TEST_F(GovernanceIntegrationTest, SecondApprovalBySamePersonIsRefused) {
  v1::AgreementView created;
  ASSERT_TRUE(
      Create(*Person(kIgOfficerPerson), ExampleAgreement(), &created).ok());
  ASSERT_TRUE(
      Transition(*Person(kCaldicottPerson), v1::AGREEMENT_ACTION_APPROVE).ok());
  const std::string before = StoredState();

  grpc::Status status =
      Transition(*Person(kCaldicottPerson), v1::AGREEMENT_ACTION_APPROVE);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(),
              HasSubstr("four-eyes: second approval by the same principal"));

  const v1::AuditEntry entry = LastAuditEntry();
  EXPECT_EQ(entry.action(), "GovernanceService.TransitionAgreement");
  EXPECT_EQ(entry.decision(), v1::AUDIT_DENY);
  EXPECT_EQ(entry.rule_id(), "FOUR-EYES");
  EXPECT_THAT(entry.reason(), HasSubstr("same principal"));
  EXPECT_EQ(entry.principal().person(), PersonUrn(kCaldicottPerson));
  EXPECT_EQ(entry.agreement_id(), kExampleId);
  EXPECT_EQ(entry.agreement_version_hash(),
            absl::HexStringToBytes(created.version_hash()));
  EXPECT_EQ(StoredState(), before);
}

TEST_F(GovernanceIntegrationTest, ApprovalByTheAuthorIsRefused) {
  ASSERT_TRUE(Create(*Person(kIgOfficerPerson), ExampleAgreement()).ok());
  const std::string before = StoredState();

  grpc::Status status =
      Transition(*Person(kIgOfficerPerson), v1::AGREEMENT_ACTION_APPROVE);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(),
              HasSubstr("four-eyes: approver is the author"));

  const v1::AuditEntry entry = LastAuditEntry();
  EXPECT_EQ(entry.decision(), v1::AUDIT_DENY);
  EXPECT_EQ(entry.rule_id(), "FOUR-EYES");
  EXPECT_THAT(entry.reason(), HasSubstr("approver is the author"));
  EXPECT_EQ(entry.principal().person(), PersonUrn(kIgOfficerPerson));
  EXPECT_EQ(entry.agreement_id(), kExampleId);
  EXPECT_EQ(StoredState(), before);
}

TEST_F(GovernanceIntegrationTest, AuthorNamingSomeoneElseIsRefused) {
  const std::string before = StoredState();
  v1::Agreement agreement = ExampleAgreement();
  agreement.set_author(PersonUrn(kCaldicottPerson));

  grpc::Status status = Create(*Person(kIgOfficerPerson), agreement);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(),
              HasSubstr("four-eyes: the author must be the caller's own"));

  const v1::AuditEntry entry = LastAuditEntry();
  EXPECT_EQ(entry.action(), "GovernanceService.CreateAgreement");
  EXPECT_EQ(entry.decision(), v1::AUDIT_DENY);
  EXPECT_EQ(entry.rule_id(), "FOUR-EYES");
  EXPECT_EQ(entry.principal().person(), PersonUrn(kIgOfficerPerson));
  EXPECT_EQ(entry.agreement_id(), kExampleId);
  EXPECT_EQ(StoredState(), before);
}

TEST_F(GovernanceIntegrationTest, CreateBySubmitterOrganisationIsRefused) {
  const std::string before = StoredState();
  v1::Agreement agreement = ExampleAgreement();
  agreement.clear_author();

  grpc::Status status = Create(*Organisation(kCharitylogOrg), agreement);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("role governance required"));

  const v1::AuditEntry entry = LastAuditEntry();
  EXPECT_EQ(entry.action(), "GovernanceService.CreateAgreement");
  EXPECT_EQ(entry.decision(), v1::AUDIT_DENY);
  EXPECT_EQ(entry.rule_id(), "AUTHZ-ROLE");
  EXPECT_EQ(entry.principal().organisation_code(), kCharitylogOrg);
  EXPECT_EQ(StoredState(), before);
}

TEST_F(GovernanceIntegrationTest,
       SuspendedOrganisationIsRefusedUntilReactivated) {
  auto auditor = Organisation(kAuditorOrg);
  auto read_key = [&auditor]() {
    grpc::ClientContext context;
    v1::AuditKey key;
    return auditor->GetAuditKey(&context, v1::GetAuditKeyRequest(), &key);
  };
  ASSERT_TRUE(read_key().ok());

  auto set_status = [this](v1::OrganisationStatus status) {
    grpc::ClientContext context;
    v1::SetOrganisationStatusRequest request;
    request.set_code(kAuditorOrg);
    request.set_status(status);
    request.set_reason("certificate reported lost");
    v1::Organisation changed;
    return Person(kSiroPerson)
        ->SetOrganisationStatus(&context, request, &changed);
  };
  ASSERT_TRUE(set_status(v1::ORGANISATION_SUSPENDED).ok());
  const v1::AuditEntry suspension = LastAuditEntry();
  EXPECT_EQ(suspension.action(), "GovernanceService.SetOrganisationStatus");
  EXPECT_EQ(suspension.decision(), v1::AUDIT_ALLOW);
  EXPECT_THAT(suspension.reason(),
              HasSubstr("AUD1 suspended: certificate reported lost"));

  // The very next call, on a channel opened before the suspension, with no
  // restart.
  const std::string before = StoredState();
  grpc::Status refused = read_key();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(refused.error_message(), HasSubstr("organisation is suspended"));
  const v1::AuditEntry entry = LastAuditEntry();
  EXPECT_EQ(entry.action(), "GovernanceService.GetAuditKey");
  EXPECT_EQ(entry.decision(), v1::AUDIT_DENY);
  EXPECT_EQ(entry.rule_id(), "AUTHZ-ACTIVE");
  EXPECT_EQ(entry.principal().organisation_code(), kAuditorOrg);
  EXPECT_EQ(StoredState(), before);

  ASSERT_TRUE(set_status(v1::ORGANISATION_ACTIVE).ok());
  EXPECT_TRUE(read_key().ok());
}

TEST_F(GovernanceIntegrationTest, GovernanceCannotSuspendItsOwnOrganisation) {
  const std::string before = StoredState();
  grpc::ClientContext context;
  v1::SetOrganisationStatusRequest request;
  request.set_code(kIcsOrg);
  request.set_status(v1::ORGANISATION_SUSPENDED);
  request.set_reason("mistake");
  v1::Organisation changed;
  grpc::Status status =
      Person(kSiroPerson)->SetOrganisationStatus(&context, request, &changed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("organisation rule O6"));
  const v1::AuditEntry entry = LastAuditEntry();
  EXPECT_EQ(entry.decision(), v1::AUDIT_DENY);
  EXPECT_EQ(entry.rule_id(), "O6");
  EXPECT_EQ(StoredState(), before);
}

TEST_F(GovernanceIntegrationTest, RegisteringAnExistingCodeIsRefused) {
  const std::string before = StoredState();
  grpc::ClientContext context;
  v1::RegisterOrganisationRequest request;
  request.mutable_organisation()->set_code(kCharitylogOrg);
  request.mutable_organisation()->set_name("Someone else entirely");
  request.mutable_organisation()->add_roles("consumer");
  v1::Organisation registered;
  grpc::Status status =
      Person(kSiroPerson)->RegisterOrganisation(&context, request, &registered);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("organisation rule O4"));

  const v1::AuditEntry entry = LastAuditEntry();
  EXPECT_EQ(entry.action(), "GovernanceService.RegisterOrganisation");
  EXPECT_EQ(entry.decision(), v1::AUDIT_DENY);
  EXPECT_EQ(entry.rule_id(), "O4");
  EXPECT_EQ(entry.principal().person(), PersonUrn(kSiroPerson));
  EXPECT_EQ(StoredState(), before);
}

TEST_F(GovernanceIntegrationTest, RegisteredOrganisationCanCallAtOnce) {
  grpc::ClientContext context;
  v1::RegisterOrganisationRequest request;
  request.mutable_organisation()->set_code(kUnregisteredOrg);
  request.mutable_organisation()->set_name("New charity");
  request.mutable_organisation()->add_roles("auditor");
  v1::Organisation registered;
  ASSERT_TRUE(Person(kSiroPerson)
                  ->RegisterOrganisation(&context, request, &registered)
                  .ok());
  EXPECT_EQ(registered.status(), v1::ORGANISATION_ACTIVE);
  EXPECT_EQ(registered.certificate_uri(), "urn:equilink:org:9ZZ99");
  EXPECT_EQ(LastAuditEntry().decision(), v1::AUDIT_ALLOW);

  grpc::ClientContext key_context;
  v1::AuditKey key;
  EXPECT_TRUE(Organisation(kUnregisteredOrg)
                  ->GetAuditKey(&key_context, v1::GetAuditKeyRequest(), &key)
                  .ok());
  EXPECT_THAT(key.ed25519_public_key(), SizeIs(32));
}

TEST_F(GovernanceIntegrationTest, OptOutUploadWithMalformedTokenIsRefused) {
  auto upload = [this](const std::vector<std::string>& tokens,
                       v1::OptOutListInfo* info) {
    grpc::ClientContext context;
    auto writer = Person(kSiroPerson)->UploadOptOutList(&context, info);
    v1::OptOutListChunk first;
    first.set_key_id("bsol-cyp-2026");
    first.set_description("NDOP list");
    EXPECT_TRUE(writer->Write(first));
    for (const std::string& token : tokens) {
      v1::OptOutListChunk chunk;
      chunk.add_nhs_number_tokens(token);
      writer->Write(chunk);
    }
    writer->WritesDone();
    return writer->Finish();
  };
  v1::OptOutListInfo info;
  ASSERT_TRUE(upload({std::string(32, 'a'), std::string(32, 'b')}, &info).ok());
  EXPECT_EQ(info.version(), 1u);
  EXPECT_EQ(info.token_count(), 2u);
  EXPECT_EQ(info.uploaded_by(), PersonUrn(kSiroPerson));
  const v1::AuditEntry stored = LastAuditEntry();
  EXPECT_EQ(stored.decision(), v1::AUDIT_ALLOW);
  EXPECT_EQ(stored.reason(), "opt-out list version 1 stored with 2 tokens");

  const std::string before = StoredState();
  const std::string malformed = "MALFORMED-TOKEN-31-BYTES-LONG!!";
  ASSERT_THAT(malformed, SizeIs(31));
  grpc::Status status =
      upload({std::string(32, 'c'), malformed, std::string(32, 'd')}, &info);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              AllOf(HasSubstr("opt-out rule NDOO1"), HasSubstr("position 1"),
                    Not(HasSubstr(malformed))));

  const v1::AuditEntry entry = LastAuditEntry();
  EXPECT_EQ(entry.action(), "GovernanceService.UploadOptOutList");
  EXPECT_EQ(entry.decision(), v1::AUDIT_DENY);
  EXPECT_EQ(entry.rule_id(), "NDOO1");
  EXPECT_THAT(entry.reason(), Not(HasSubstr(malformed)));
  EXPECT_EQ(StoredState(), before);

  grpc::ClientContext context;
  v1::OptOutListInfo current;
  ASSERT_TRUE(
      Organisation(kAuditorOrg)
          ->GetOptOutList(&context, v1::GetOptOutListRequest(), &current)
          .ok());
  EXPECT_EQ(current.version(), 1u);
  EXPECT_EQ(current.token_count(), 2u);
}

// Fail closed: when the audit log cannot be written, the caller gets
// UNAVAILABLE and nothing it asked for happened.
TEST_F(GovernanceIntegrationTest, AuditFailureRefusesAndStoresNothing) {
  ASSERT_TRUE(Create(*Person(kIgOfficerPerson), ExampleAgreement()).ok());
  store::sqlite::Database::Options options;
  options.path = config_.audit().sqlite_path();
  EQ_ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::sqlite::Database> db,
                          store::sqlite::Database::Open(options));
  // Every append now fails, as on a full disk.
  ASSERT_THAT(db->Execute("CREATE TRIGGER test_audit_down BEFORE INSERT ON "
                          "audit_entry BEGIN SELECT RAISE(ABORT, 'disk "
                          "full'); END;"),
              IsOk());
  const std::string before = StoredState();
  const size_t entries_before = AuditEntries().size();

  grpc::Status approve =
      Transition(*Person(kCaldicottPerson), v1::AGREEMENT_ACTION_APPROVE);
  EXPECT_EQ(approve.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(approve.error_message(), HasSubstr("audit log"));

  v1::Agreement next = ExampleAgreement();
  next.set_agreement_id("ICS-QHL-DSA-2026-0099");
  EXPECT_EQ(Create(*Person(kIgOfficerPerson), next).error_code(),
            grpc::StatusCode::UNAVAILABLE);

  grpc::ClientContext context;
  v1::RegisterOrganisationRequest request;
  request.mutable_organisation()->set_code(kUnregisteredOrg);
  request.mutable_organisation()->set_name("New charity");
  request.mutable_organisation()->add_roles("submitter");
  v1::Organisation registered;
  EXPECT_EQ(Person(kSiroPerson)
                ->RegisterOrganisation(&context, request, &registered)
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);

  EXPECT_EQ(StoredState(), before);
  EXPECT_THAT(AuditEntries(), SizeIs(entries_before));

  // Once the log can be written again, the same approval goes through.
  ASSERT_THAT(db->Execute("DROP TRIGGER test_audit_down"), IsOk());
  EXPECT_TRUE(
      Transition(*Person(kCaldicottPerson), v1::AGREEMENT_ACTION_APPROVE).ok());
}

TEST_F(GovernanceIntegrationTest, PurgeDryRunIsAuditedAndRemovesNothing) {
  const std::string before = StoredState();
  grpc::ClientContext context;
  v1::PurgeExpiredRecordsRequest request;
  request.set_dry_run(true);
  v1::PurgeReport report;
  grpc::Status status =
      Organisation(kAdminOrg)->PurgeExpiredRecords(&context, request, &report);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(report.records_removed(), 0u);
  const v1::AuditEntry entry = LastAuditEntry();
  EXPECT_EQ(entry.decision(), v1::AUDIT_ALLOW);
  EXPECT_EQ(entry.principal().organisation_code(), kAdminOrg);
  EXPECT_EQ(entry.principal().role(), "admin");
  EXPECT_THAT(entry.reason(), HasSubstr("dry run"));
  EXPECT_EQ(StoredState(), before);
}

TEST_F(GovernanceIntegrationTest, AuditVerifyNamesAnEntryEditedInTheTable) {
  // A few decisions to verify: an allow and a refusal.
  ASSERT_TRUE(Create(*Person(kIgOfficerPerson), ExampleAgreement()).ok());
  ASSERT_FALSE(
      Transition(*Person(kIgOfficerPerson), v1::AGREEMENT_ACTION_APPROVE).ok());

  client::GovernanceFlags flags;
  flags.gateway.address = absl::StrCat("127.0.0.1:", gateway_->port());
  flags.gateway.tls = TestPki::Get().ClientFiles(kAuditorOrg);
  {
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(
        client::RunGovernanceCommand({"audit", "verify"}, flags, out, err), 0)
        << err.str();
    EXPECT_THAT(out.str(), HasSubstr("audit log verified"));
    // Without --public_key the key comes from the party being audited.
    EXPECT_THAT(err.str(), HasSubstr("proves less"));
  }

  // The refused approval's entry, rewritten by someone with the file.
  uint64_t edited = 0;
  for (const v1::AuditEntry& entry : AuditEntries()) {
    if (entry.action() == "GovernanceService.TransitionAgreement") {
      edited = entry.sequence();
    }
  }
  ASSERT_NE(edited, 0u);
  {
    store::sqlite::Database::Options options;
    options.path = config_.audit().sqlite_path();
    EQ_ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::sqlite::Database> db,
                            store::sqlite::Database::Open(options));
    ASSERT_THAT(db->Execute("DROP TRIGGER audit_entry_no_update"), IsOk());
    ASSERT_THAT(db->Execute(absl::StrCat("UPDATE audit_entry SET decision = 1, "
                                         "rule_id = '', reason = 'approved' "
                                         "WHERE sequence = ",
                                         edited)
                                .c_str()),
                IsOk());
  }

  // The key obtained out of band this time: the signing key's public half.
  EQ_ASSERT_OK_AND_ASSIGN(std::unique_ptr<audit::CheckpointSigner> signer,
                          audit::CheckpointSigner::LoadFromFile(
                              config_.audit().checkpoint_signing_key_file()));
  EQ_ASSERT_OK_AND_ASSIGN(const std::string pem, signer->PublicKeyPem());
  flags.public_key = dir_.File("audit-public.pem");
  WriteFileOrDie(flags.public_key, pem);

  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(client::RunGovernanceCommand({"audit", "verify"}, flags, out, err),
            4)
      << err.str();
  EXPECT_THAT(
      out.str(),
      AllOf(HasSubstr("TAMPERED"),
            HasSubstr(absl::StrCat("entry ", edited, ": ENTRY_ALTERED"))));
  EXPECT_THAT(err.str(), Not(HasSubstr("proves less")));

  // A copy of the file verified locally names the same entry.
  flags.audit_db = config_.audit().sqlite_path();
  std::ostringstream local_out;
  EXPECT_EQ(
      client::RunGovernanceCommand({"audit", "verify"}, flags, local_out, err),
      4);
  EXPECT_THAT(local_out.str(), HasSubstr(absl::StrCat("entry ", edited, ":")));
}

TEST_F(GovernanceIntegrationTest, AuditListShowsEntriesAsATable) {
  ASSERT_TRUE(Create(*Person(kIgOfficerPerson), ExampleAgreement()).ok());
  client::GovernanceFlags flags;
  flags.gateway.address = absl::StrCat("127.0.0.1:", gateway_->port());
  flags.gateway.tls = TestPki::Get().ClientFiles(kAuditorOrg);
  std::ostringstream out;
  std::ostringstream err;
  ASSERT_EQ(client::RunGovernanceCommand({"audit", "list"}, flags, out, err), 0)
      << err.str();
  EXPECT_THAT(out.str(), HasSubstr("SEQ"));
  EXPECT_THAT(out.str(), HasSubstr("GovernanceService.CreateAgreement"));
  EXPECT_THAT(out.str(), HasSubstr(PersonUrn(kIgOfficerPerson)));
}

}  // namespace
}  // namespace equilink::testing
