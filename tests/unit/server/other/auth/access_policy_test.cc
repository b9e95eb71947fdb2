#include "server/auth/access_policy.h"

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/audit/audit_reader.h"
#include "server/audit/checkpoint_signer.h"
#include "server/auth/authenticate.h"
#include "server/auth/principal.h"
#include "server/store/sqlite_store.h"
#include "tests/testing/dev_pki.h"
#include "tests/testing/equilink_services.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/unit/server/other/auth/fake_auth_context.h"
#include "tests/unit/server/store/store_test_util.h"

namespace equilink::auth {
namespace {

using ::equilink::store::testing::RawConnection;
using ::equilink::testing::FakeAuthContext;
using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kPull[] = "/equilink.v1.ExtractService/Pull";
constexpr char kCreateAgreement[] =
    "/equilink.v1.GovernanceService/CreateAgreement";

// The table and the protos agree both ways: a rule for a method that does not
// exist is a typo that leaves the real method unguarded (refused to all, but
// silently), and a method without a rule is refused to everyone.
TEST(MethodRulesTest, EveryRuleNamesADeclaredMethod) {
  std::set<std::string> declared;
  for (const auto* method : testing::EquilinkMethods()) {
    declared.insert(testing::FullMethodName(*method));
  }
  ASSERT_FALSE(declared.empty());
  std::set<std::string> ruled;
  for (const MethodRule& rule : MethodRules()) {
    EXPECT_TRUE(declared.contains(std::string(rule.method)))
        << rule.method << " has a rule but no proto declares it";
    EXPECT_TRUE(ruled.insert(std::string(rule.method)).second)
        << rule.method << " has two rules";
  }
}

TEST(MethodRulesTest, EveryDeclaredMethodHasARuleWithKnownRoles) {
  const std::set<absl::string_view> roles = {
      kRoleSubmitter, kRoleGovernance, kRoleConsumer, kRoleAuditor, kRoleAdmin};
  const auto methods = testing::EquilinkMethods();
  // Submission, governance and extract at least.
  EXPECT_GE(methods.size(), 16u);
  for (const auto* method : methods) {
    const std::string name = testing::FullMethodName(*method);
    const MethodRule* rule = FindMethodRule(name);
    ASSERT_NE(rule, nullptr) << name << " has no rule in access_policy.cc";
    EXPECT_FALSE(rule->roles.empty()) << name;
    for (absl::string_view role : rule->roles) {
      EXPECT_TRUE(roles.contains(role)) << name << ": unknown role " << role;
    }
  }
}

TEST(AuditActionOfTest, KeepsServiceAndMethod) {
  EXPECT_EQ(AuditActionOf(kCreateAgreement),
            "GovernanceService.CreateAgreement");
  EXPECT_EQ(AuditActionOf("nonsense"), "unknown-method");
}

// CallAuthoriser over a real SqliteStore and a real AuditLog, with real
// certificates in the fake AuthContext (for the certificate pin).
class CallAuthoriserTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_dir_ = new equilink::testing::TempDir();
    ASSERT_THAT(equilink::testing::MakeDevPki(
                    pki_dir_->File("pki"),
                    {"org:PHM1", "org:SUB1", "person:PHM1:caldicott-01"}),
                IsOk());
  }
  static void TearDownTestSuite() { delete pki_dir_; }

  void SetUp() override {
    store::SqliteOptions options;
    options.path = dir_.File("gateway.db");
    EQ_ASSERT_OK_AND_ASSIGN(store_, store::SqliteStore::Open(options));
    ASSERT_THAT(audit::CheckpointSigner::GenerateKeyFile(dir_.File("k.pem")),
                IsOk());
    EQ_ASSERT_OK_AND_ASSIGN(
        auto signer, audit::CheckpointSigner::LoadFromFile(dir_.File("k.pem")));
    audit::AuditLog::Options audit_options;
    audit_options.path = dir_.File("audit.db");
    audit_options.busy_timeout_ms = 50;
    EQ_ASSERT_OK_AND_ASSIGN(
        audit_, audit::AuditLog::Open(audit_options, std::move(signer)));
    authoriser_ = std::make_unique<CallAuthoriser>(store_.get(), audit_.get());

    Register("PHM1", {"consumer"});
    Register("SUB1", {"submitter"});
  }

  void Register(const std::string& code, std::vector<std::string> roles,
                bool active = true, std::string certificate_sha256 = "") {
    store::Organisation organisation;
    organisation.code = code;
    organisation.name = "Test " + code;
    organisation.roles = std::move(roles);
    organisation.active = active;
    organisation.certificate_sha256 = std::move(certificate_sha256);
    ASSERT_THAT(store_->UpsertOrganisation(organisation), IsOk());
  }

  // What gRPC's TLS layer reports for the certificate <pki>/<base>.pem.
  static std::unique_ptr<FakeAuthContext> ContextOf(
      const std::string& base, std::vector<std::string> uris) {
    auto context = std::make_unique<FakeAuthContext>(true);
    for (const std::string& uri : uris) context->AddUriSan(uri);
    context->AddProperty("x509_pem_cert",
                         equilink::testing::ReadFileOrEmpty(absl::StrCat(
                             pki_dir_->File("pki"), "/", base, ".pem")));
    return context;
  }
  static std::unique_ptr<FakeAuthContext> OrgContext(const std::string& code) {
    return ContextOf("orgs/" + code, {"urn:equilink:org:" + code});
  }

  std::vector<v1::AuditEntry> AuditEntries() {
    absl::StatusOr<audit::StoredAuditLog> log =
        audit::ReadStoredAuditLog(audit_->path(), 0, 0);
    EXPECT_THAT(log, IsOk());
    return log.ok() ? log->entries : std::vector<v1::AuditEntry>();
  }

  // Asserts that exactly one entry was appended, a deny by `rule`, and
  // returns it.
  v1::AuditEntry ExpectOneDeny(const std::string& rule) {
    const std::vector<v1::AuditEntry> entries = AuditEntries();
    EXPECT_EQ(entries.size(), 1u);
    if (entries.empty()) return {};
    EXPECT_EQ(entries[0].decision(), v1::AUDIT_DENY);
    EXPECT_EQ(entries[0].rule_id(), rule);
    return entries[0];
  }

  static equilink::testing::TempDir* pki_dir_;
  equilink::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<CallAuthoriser> authoriser_;
};

equilink::testing::TempDir* CallAuthoriserTest::pki_dir_ = nullptr;

TEST_F(CallAuthoriserTest, AllowsTheRightRoleAndAuditsNothing) {
  EQ_ASSERT_OK_AND_ASSIGN(const Principal principal,
                          authoriser_->Authorise(*OrgContext("PHM1"), kPull));
  EXPECT_EQ(principal.organisation_code, "PHM1");
  EXPECT_TRUE(principal.HasRole(kRoleConsumer));
  EXPECT_EQ(principal.person, "");
  // Allows are the handler's to audit, with what it decided.
  EXPECT_TRUE(AuditEntries().empty());
}

TEST_F(CallAuthoriserTest, UnauthenticatedCallerIsRefusedAndAudited) {
  FakeAuthContext anonymous(false);
  EXPECT_THAT(authoriser_->Authorise(anonymous, kPull),
              StatusIs(absl::StatusCode::kUnauthenticated));
  const v1::AuditEntry entry = ExpectOneDeny("AUTHN");
  EXPECT_EQ(entry.principal().organisation_code(), "unauthenticated");
  EXPECT_EQ(entry.action(), "ExtractService.Pull");
}

TEST_F(CallAuthoriserTest, UnregisteredOrganisationIsRefused) {
  auto context = ContextOf("orgs/SUB1", {"urn:equilink:org:NEW9"});
  EXPECT_THAT(authoriser_->Authorise(*context, kPull),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("not registered")));
  EXPECT_EQ(ExpectOneDeny("AUTHZ-REGISTERED").principal().organisation_code(),
            "NEW9");
}

TEST_F(CallAuthoriserTest, SuspendedOrganisationIsRefused) {
  Register("PHM1", {"consumer"}, /*active=*/false);
  EXPECT_THAT(
      authoriser_->Authorise(*OrgContext("PHM1"), kPull),
      StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("suspended")));
  ExpectOneDeny("AUTHZ-ACTIVE");
}

TEST_F(CallAuthoriserTest, CertificateOtherThanThePinnedOneIsRefused) {
  // Pin PHM1 to its real certificate: allowed.
  auto context = OrgContext("PHM1");
  EQ_ASSERT_OK_AND_ASSIGN(const std::string fingerprint,
                          CertificateSha256FromAuthContext(*context));
  Register("PHM1", {"consumer"}, true, fingerprint);
  EXPECT_THAT(authoriser_->Authorise(*context, kPull), IsOk());

  // A different certificate naming PHM1 (here SUB1's, relabelled): refused.
  auto other = ContextOf("orgs/SUB1", {"urn:equilink:org:PHM1"});
  EXPECT_THAT(authoriser_->Authorise(*other, kPull),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("not the one bound")));
  ExpectOneDeny("AUTHZ-CERTIFICATE");
}

TEST_F(CallAuthoriserTest, WrongRoleIsRefusedNamingTheRoles) {
  EXPECT_THAT(authoriser_->Authorise(*OrgContext("SUB1"), kPull),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("role consumer required")));
  const v1::AuditEntry entry = ExpectOneDeny("AUTHZ-ROLE");
  EXPECT_EQ(entry.principal().organisation_code(), "SUB1");
  EXPECT_EQ(entry.reason(), "role consumer required");
}

TEST_F(CallAuthoriserTest, UnknownMethodIsRefused) {
  EXPECT_THAT(
      authoriser_->Authorise(*OrgContext("PHM1"),
                             "/equilink.v1.ExtractService/PullEverything"),
      StatusIs(absl::StatusCode::kPermissionDenied,
               HasSubstr("no access rule")));
  EXPECT_EQ(ExpectOneDeny("AUTHZ-METHOD").action(),
            "ExtractService.PullEverything");
}

TEST_F(CallAuthoriserTest, RefusalOfAPersonNamesThePersonInTheAudit) {
  auto context =
      ContextOf("people/caldicott-01",
                {"urn:equilink:org:PHM1", "urn:equilink:person:caldicott-01"});
  EXPECT_THAT(authoriser_->Authorise(*context, kCreateAgreement),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(ExpectOneDeny("AUTHZ-ROLE").principal().person(),
            "urn:equilink:person:caldicott-01");
}

TEST_F(CallAuthoriserTest, PersonIsCarriedIntoThePrincipal) {
  Register("PHM1", {"consumer", "governance"});
  auto context =
      ContextOf("people/caldicott-01",
                {"urn:equilink:org:PHM1", "urn:equilink:person:caldicott-01"});
  EQ_ASSERT_OK_AND_ASSIGN(const Principal principal,
                          authoriser_->Authorise(*context, kCreateAgreement));
  EXPECT_EQ(principal.person, "urn:equilink:person:caldicott-01");
  EXPECT_EQ(principal.Id(), "urn:equilink:person:caldicott-01");
}

TEST_F(CallAuthoriserTest, RefusalThatCannotBeAuditedIsUnavailable) {
  RawConnection raw(audit_->path());
  ASSERT_EQ(raw.Exec("CREATE TRIGGER fail BEFORE INSERT ON audit_entry "
                     "BEGIN SELECT RAISE(ABORT, 'disk gone'); END"),
            SQLITE_OK);
  EXPECT_THAT(authoriser_->Authorise(*OrgContext("SUB1"), kPull),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("audit")));
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM audit_entry"), 0);
}

}  // namespace
}  // namespace equilink::auth
