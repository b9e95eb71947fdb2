#include "server/auth/authenticate.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/server/other/auth/fake_auth_context.h"

namespace equilink::auth {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

using ::equilink::testing::FakeAuthContext;

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

TEST(PersonFromAuthContextTest, OrganisationCertificateHasNoPerson) {
  FakeAuthContext context(true);
  context.AddUriSan("urn:equilink:org:RXK01");
  EXPECT_THAT(PersonFromAuthContext(context),
              ::testing::Eq(absl::StatusOr<std::string>("")));
}

TEST(PersonFromAuthContextTest, ReturnsThePersonUrn) {
  FakeAuthContext context(true);
  context.AddUriSan("urn:equilink:org:RXK01");
  context.AddUriSan("urn:equilink:person:caldicott-01");
  EXPECT_THAT(PersonFromAuthContext(context),
              ::testing::Eq(absl::StatusOr<std::string>(
                  "urn:equilink:person:caldicott-01")));
}

TEST(PersonFromAuthContextTest, IgnoresPersonUrnInNonUriSan) {
  FakeAuthContext context(true);
  context.AddProperty("x509_subject_alternative_name",
                      "urn:equilink:person:siro-01");
  context.AddProperty("peer_dns", "urn:equilink:person:siro-01");
  EXPECT_THAT(PersonFromAuthContext(context),
              ::testing::Eq(absl::StatusOr<std::string>("")));
}

TEST(PersonFromAuthContextTest, RefusesTwoPersons) {
  FakeAuthContext context(true);
  context.AddUriSan("urn:equilink:person:siro-01");
  context.AddUriSan("urn:equilink:person:caldicott-01");
  EXPECT_THAT(
      PersonFromAuthContext(context),
      StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("more than one")));
}

TEST(PersonFromAuthContextTest, RefusesMalformedIdWithoutQuotingIt) {
  for (const std::string& bad : std::vector<std::string>{
           "", "Jane.Doe", "jane doe", "jane/../admin", std::string(65, 'a'),
           std::string("ja\0ne", 5)}) {
    FakeAuthContext context(true);
    context.AddUriSan("urn:equilink:person:" + bad);
    const absl::StatusOr<std::string> person = PersonFromAuthContext(context);
    EXPECT_THAT(person, StatusIs(absl::StatusCode::kUnauthenticated,
                                 HasSubstr("1-64 characters")))
        << bad;
    if (bad.size() > 2) {
      EXPECT_THAT(std::string(person.status().message()), Not(HasSubstr(bad)));
    }
  }
  FakeAuthContext longest(true);
  longest.AddUriSan("urn:equilink:person:" + std::string(64, 'a'));
  EXPECT_THAT(PersonFromAuthContext(longest), IsOk());
}

TEST(CertificateSha256FromAuthContextTest, NeedsAParseablePeerCertificate) {
  FakeAuthContext none(true);
  EXPECT_THAT(CertificateSha256FromAuthContext(none),
              StatusIs(absl::StatusCode::kUnauthenticated));
  FakeAuthContext garbage(true);
  garbage.AddProperty("x509_pem_cert", "-----BEGIN CERTIFICATE-----\nnot\n");
  EXPECT_THAT(CertificateSha256FromAuthContext(garbage),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

}  // namespace
}  // namespace equilink::auth
