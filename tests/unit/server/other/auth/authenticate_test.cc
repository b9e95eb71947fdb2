#include "server/auth/authenticate.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace equilink::auth {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

// grpc::AuthPropertyIterator's constructors are protected; the fake never
// iterates, so an end iterator made through a subclass is enough.
class EmptyIterator : public grpc::AuthPropertyIterator {};

// An AuthContext with chosen properties, standing in for what gRPC's TLS
// layer builds from a peer certificate (mtls_test.cc checks the real thing).
class FakeAuthContext : public grpc::AuthContext {
 public:
  explicit FakeAuthContext(bool authenticated)
      : authenticated_(authenticated) {}

  bool IsPeerAuthenticated() const override { return authenticated_; }
  std::vector<grpc::string_ref> GetPeerIdentity() const override {
    return FindPropertyValues("x509_subject_alternative_name");
  }
  std::string GetPeerIdentityPropertyName() const override {
    return "x509_subject_alternative_name";
  }
  std::vector<grpc::string_ref> FindPropertyValues(
      const std::string& name) const override {
    std::vector<grpc::string_ref> values;
    auto [begin, end] = properties_.equal_range(name);
    for (auto it = begin; it != end; ++it) values.emplace_back(it->second);
    return values;
  }
  grpc::AuthPropertyIterator begin() const override { return EmptyIterator(); }
  grpc::AuthPropertyIterator end() const override { return EmptyIterator(); }
  void AddProperty(const std::string& key,
                   const grpc::string_ref& value) override {
    properties_.emplace(key, std::string(value.data(), value.size()));
  }
  bool SetPeerIdentityPropertyName(const std::string&) override { return true; }

  // A URI SAN as gRPC 1.51 reports it: under both properties.
  void AddUriSan(const std::string& uri) {
    AddProperty("peer_uri", uri);
    AddProperty("x509_subject_alternative_name", uri);
  }

 private:
  bool authenticated_;
  std::multimap<std::string, std::string> properties_;
};

TEST(IsValidOrganisationCodeTest, TwoToSixteenUpperAlnum) {
  EXPECT_TRUE(IsValidOrganisationCode("AB"));
  EXPECT_TRUE(IsValidOrganisationCode("RXK01"));
  EXPECT_TRUE(IsValidOrganisationCode("ABCDEFGHIJKLMNOP"));
  EXPECT_FALSE(IsValidOrganisationCode("A"));
  EXPECT_FALSE(IsValidOrganisationCode("ABCDEFGHIJKLMNOPQ"));
  EXPECT_FALSE(IsValidOrganisationCode("rxk01"));
  EXPECT_FALSE(IsValidOrganisationCode("RX-01"));
  EXPECT_FALSE(IsValidOrganisationCode("RX 01"));
  EXPECT_FALSE(IsValidOrganisationCode(""));
}

TEST(OrganisationFromAuthContextTest, ExtractsTheCode) {
  FakeAuthContext context(true);
  context.AddUriSan("urn:equilink:org:RXK01");
  EXPECT_THAT(OrganisationFromAuthContext(context),
              ::testing::Eq(absl::StatusOr<std::string>("RXK01")));
}

TEST(OrganisationFromAuthContextTest, IgnoresOtherUrisAndSanTypes) {
  FakeAuthContext context(true);
  context.AddUriSan("spiffe://ics.example/gateway-client");
  context.AddProperty("x509_subject_alternative_name", "client.example.org");
  context.AddProperty("x509_common_name", "ZZ99");
  context.AddUriSan("urn:equilink:org:AB12");
  absl::StatusOr<std::string> code = OrganisationFromAuthContext(context);
  ASSERT_THAT(code, IsOk());
  EXPECT_EQ(*code, "AB12");
}

TEST(OrganisationFromAuthContextTest, RequiresAnAuthenticatedPeer) {
  FakeAuthContext context(false);
  context.AddUriSan("urn:equilink:org:RXK01");
  EXPECT_THAT(OrganisationFromAuthContext(context),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("client certificate")));
}

TEST(OrganisationFromAuthContextTest, RequiresTheUri) {
  FakeAuthContext context(true);
  context.AddProperty("x509_common_name", "RXK01");
  EXPECT_THAT(OrganisationFromAuthContext(context),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("no urn:equilink:org:<CODE> URI")));
}

// A DNS SAN spelled like the URN is not a URI SAN: only peer_uri counts.
TEST(OrganisationFromAuthContextTest, IgnoresUrnInNonUriSan) {
  FakeAuthContext context(true);
  context.AddProperty("x509_subject_alternative_name",
                      "urn:equilink:org:RXK01");
  context.AddProperty("peer_dns", "urn:equilink:org:RXK01");
  EXPECT_THAT(OrganisationFromAuthContext(context),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(OrganisationFromAuthContextTest, RefusesTwoOrganisations) {
  FakeAuthContext context(true);
  context.AddUriSan("urn:equilink:org:RXK01");
  context.AddUriSan("urn:equilink:org:RXK02");
  EXPECT_THAT(
      OrganisationFromAuthContext(context),
      StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("more than one")));
}

TEST(OrganisationFromAuthContextTest, RefusesMalformedCodeWithoutQuotingIt) {
  for (const std::string& bad : std::vector<std::string>{
           "rxk01", "R", "RXK-01", "RXK01/../ADMIN", "ABCDEFGHIJKLMNOPQRS", "",
           std::string("RX\0K1", 5)}) {
    FakeAuthContext context(true);
    context.AddUriSan("urn:equilink:org:" + bad);
    const absl::StatusOr<std::string> code =
        OrganisationFromAuthContext(context);
    EXPECT_THAT(code, StatusIs(absl::StatusCode::kUnauthenticated,
                               HasSubstr("2-16 characters A-Z 0-9")))
        << bad;
    if (bad.size() > 2) {
      EXPECT_THAT(std::string(code.status().message()), Not(HasSubstr(bad)));
    }
  }
}

}  // namespace
}  // namespace equilink::auth
