// Every method of every equilink.v1 service, found in the generated
// descriptors, called on a real gateway over mutual TLS with real certificates
// three ways: with no client certificate, as an organisation holding none of
// the method's roles, and as a suspended organisation holding one of them.
// Each must be refused, and each refusal that reached the gateway audited.
//
// How this catches a method added without a check (issue 3): the method is
// found from the protos, so nobody has to list it here.
//  - No rule in server/auth/access_policy.cc: FindMethodRule fails the test,
//    and the gateway answers "method has no access rule", not "role".
//  - No handler (service not registered, or the method not overridden): the
//    call comes back UNIMPLEMENTED, which fails every case below.
//  - A handler that does not call CallAuthoriser first: the wrong-role and
//    suspended calls are not PERMISSION_DENIED, and no AUDIT_DENY entry names
//    them.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/slice.h"
#include "gtest/gtest.h"
#include "server/audit/audit_reader.h"
#include "server/auth/access_policy.h"
#include "tests/integration/gateway_harness.h"
#include "tests/testing/equilink_services.h"
#include "tests/testing/status_matchers.h"

namespace equilink::testing {
namespace {

using google::protobuf::MethodDescriptor;
using ::testing::HasSubstr;

// One organisation per role, each holding only that role (MakeGatewayConfig),
// except kIcsOrg, which holds governance and auditor.
struct RoleHolder {
  const char* role;
  const char* organisation;
};
constexpr RoleHolder kSingleRoleOrganisations[] = {
    {"submitter", kCharitylogOrg}, {"consumer", kConsumerOrg},
    {"auditor", kAuditorOrg},      {"admin", kAdminOrg},
    {"governance", kIcsOrg},
};

bool RuleAllows(const auth::MethodRule& rule, absl::string_view role) {
  for (absl::string_view allowed : rule.roles) {
    if (allowed == role) return true;
  }
  return false;
}

// An organisation none of whose roles the rule names.
std::optional<std::string> WrongRoleOrganisation(const auth::MethodRule& rule) {
  for (const RoleHolder& holder : kSingleRoleOrganisations) {
    if (holder.organisation == std::string(kIcsOrg)) {
      // QHL holds governance and auditor.
      if (RuleAllows(rule, "governance") || RuleAllows(rule, "auditor")) {
        continue;
      }
    } else if (RuleAllows(rule, holder.role)) {
      continue;
    }
    return holder.organisation;
  }
  return std::nullopt;
}

// An organisation holding one of the rule's roles.
std::string RightRoleOrganisation(const auth::MethodRule& rule) {
  for (const RoleHolder& holder : kSingleRoleOrganisations) {
    if (RuleAllows(rule, holder.role)) return holder.organisation;
  }
  return "";
}

// Calls `method` once through the generic stub: an empty request message,
// half-close, read whatever comes, and return the final status. The same
// sequence suits unary, client-, server- and bidi-streaming methods.
grpc::Status CallGeneric(const std::shared_ptr<grpc::Channel>& channel,
                         const MethodDescriptor& method) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue queue;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(&context, FullMethodName(method), &queue);
  void* tag = nullptr;
  bool ok = false;
  auto await = [&](int expected) {
    EXPECT_TRUE(queue.Next(&tag, &ok));
    EXPECT_EQ(tag, reinterpret_cast<void*>(expected));
    return ok;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  if (await(1)) {
    const std::string bytes =
        google::protobuf::MessageFactory::generated_factory()
            ->GetPrototype(method.input_type())
            ->SerializeAsString();
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    call->Write(request, reinterpret_cast<void*>(2));
    if (await(2)) {
      call->WritesDone(reinterpret_cast<void*>(3));
      if (await(3)) {
        grpc::ByteBuffer response;
        do {
          call->Read(&response, reinterpret_cast<void*>(4));
        } while (await(4));
      }
    }
  }
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  await(5);
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  return status;
}

class AuthorisationIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = MakeGatewayConfig(dir_.path());
    absl::StatusOr<std::unique_ptr<api::GatewayServer>> gateway =
        api::GatewayServer::Start(config_);
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = *std::move(gateway);
    methods_ = EquilinkMethods();
    ASSERT_FALSE(methods_.empty());
  }

  std::shared_ptr<grpc::Channel> ChannelAs(const std::string& organisation) {
    return MakeChannel(gateway_->port(),
                       TestPki::Get().ClientFiles(organisation));
  }

  // AUDIT_DENY entries for `method` by `rule` from `organisation`.
  int DenialsAudited(const MethodDescriptor& method, const std::string& rule,
                     const std::string& organisation) {
    absl::StatusOr<audit::StoredAuditLog> log =
        audit::ReadStoredAuditLog(config_.audit().sqlite_path(), 0, 0);
    EXPECT_TRUE(log.ok()) << log.status();
    if (!log.ok()) return 0;
    const std::string action = auth::AuditActionOf(FullMethodName(method));
    int found = 0;
    for (const v1::AuditEntry& entry : log->entries) {
      if (entry.decision() == v1::AUDIT_DENY && entry.action() == action &&
          entry.rule_id() == rule &&
          entry.principal().organisation_code() == organisation) {
        ++found;
      }
    }
    return found;
  }

  TempDir dir_;
  v1::GatewayConfig config_;
  std::unique_ptr<api::GatewayServer> gateway_;
  std::vector<const MethodDescriptor*> methods_;
};

TEST_F(AuthorisationIntegrationTest,
       EveryMethodRefusesACallerWithNoCertificate) {
  v1::TlsFiles anonymous;
  anonymous.set_ca_file(TestPki::Get().ServerFiles().ca_file());
  const std::shared_ptr<grpc::Channel> channel =
      MakeChannel(gateway_->port(), anonymous);
  for (const MethodDescriptor* method : methods_) {
    const grpc::Status status = CallGeneric(channel, *method);
    // The gateway requires a client certificate: the handshake fails, and
    // the call never reaches a handler (so there is nothing to audit).
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << FullMethodName(*method) << ": " << status.error_message();
  }
}

TEST_F(AuthorisationIntegrationTest, EveryMethodRefusesAWrongRole) {
  for (const MethodDescriptor* method : methods_) {
    const std::string name = FullMethodName(*method);
    const auth::MethodRule* rule = auth::FindMethodRule(name);
    ASSERT_NE(rule, nullptr) << name << " has no rule in access_policy.cc";
    const std::optional<std::string> caller = WrongRoleOrganisation(*rule);
    ASSERT_TRUE(caller.has_value())
        << name << " is open to every test role; add a test organisation";
    const grpc::Status status = CallGeneric(ChannelAs(*caller), *method);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << name << " as " << *caller << ": " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr("role")) << name;
    EXPECT_EQ(DenialsAudited(*method, "AUTHZ-ROLE", *caller), 1)
        << name << " as " << *caller;
  }
}

TEST_F(AuthorisationIntegrationTest,
       EveryMethodRefusesASuspendedOrganisationThatHoldsTheRole) {
  EQ_ASSERT_OK_AND_ASSIGN(std::vector<store::Organisation> organisations,
                          gateway_->store().ListOrganisations());
  for (store::Organisation& organisation : organisations) {
    organisation.active = false;
    ASSERT_TRUE(gateway_->store().UpsertOrganisation(organisation).ok());
  }
  for (const MethodDescriptor* method : methods_) {
    const std::string name = FullMethodName(*method);
    const auth::MethodRule* rule = auth::FindMethodRule(name);
    ASSERT_NE(rule, nullptr) << name << " has no rule in access_policy.cc";
    const std::string caller = RightRoleOrganisation(*rule);
    ASSERT_FALSE(caller.empty()) << name;
    const grpc::Status status = CallGeneric(ChannelAs(caller), *method);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << name << " as " << caller << ": " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr("suspended")) << name;
    EXPECT_EQ(DenialsAudited(*method, "AUTHZ-ACTIVE", caller), 1)
        << name << " as " << caller;
  }
}

}  // namespace
}  // namespace equilink::testing
