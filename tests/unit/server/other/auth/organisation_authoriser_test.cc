#include "server/auth/organisation_authoriser.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_store.h"
#include "tests/testing/status_matchers.h"

namespace equilink::auth {
namespace {

using ::equilink::testing::FakeStore;
using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::testing::ElementsAre;

store::Organisation Org(const std::string& code, std::vector<std::string> roles,
                        bool active = true) {
  store::Organisation organisation;
  organisation.code = code;
  organisation.name = "Test organisation " + code;
  organisation.roles = std::move(roles);
  organisation.active = active;
  return organisation;
}

class RegistryAuthoriserTest : public ::testing::Test {
 protected:
  FakeStore store_;
  RegistryAuthoriser authoriser_{&store_};
};

TEST_F(RegistryAuthoriserTest, ActiveSubmitterGetsPrincipalWithRoles) {
  ASSERT_THAT(
      store_.UpsertOrganisation(Org("RXK01", {"submitter", "consumer"})),
      IsOk());
  absl::StatusOr<Principal> principal = authoriser_.AuthoriseSubmitter("RXK01");
  ASSERT_THAT(principal, IsOk());
  EXPECT_EQ(principal->organisation_code, "RXK01");
  EXPECT_THAT(principal->roles, ElementsAre("submitter", "consumer"));
  EXPECT_TRUE(principal->HasRole(kRoleSubmitter));
  EXPECT_FALSE(principal->HasRole(kRoleAdmin));
}

TEST_F(RegistryAuthoriserTest, UnregisteredIsDenied) {
  EXPECT_THAT(authoriser_.AuthoriseSubmitter("ZZ99"),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "organisation is not registered"));
}

TEST_F(RegistryAuthoriserTest, SuspendedIsDenied) {
  ASSERT_THAT(store_.UpsertOrganisation(Org("RXK01", {"submitter"}, false)),
              IsOk());
  EXPECT_THAT(authoriser_.AuthoriseSubmitter("RXK01"),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "organisation is suspended"));
}

TEST_F(RegistryAuthoriserTest, WithoutSubmitterRoleIsDenied) {
  ASSERT_THAT(store_.UpsertOrganisation(Org("RXK01", {"consumer", "auditor"})),
              IsOk());
  EXPECT_THAT(
      authoriser_.AuthoriseSubmitter("RXK01"),
      StatusIs(absl::StatusCode::kPermissionDenied, "role submitter required"));
}

// Roles are compared exactly: "Submitter" or "submitter " is no role at all.
TEST_F(RegistryAuthoriserTest, RoleMatchIsExact) {
  ASSERT_THAT(
      store_.UpsertOrganisation(Org("RXK01", {"Submitter", "submitter "})),
      IsOk());
  EXPECT_THAT(authoriser_.AuthoriseSubmitter("RXK01"),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(RegistryAuthoriserTest, StoreErrorsPassThrough) {
  store_.set_error(absl::UnavailableError("store is busy"));
  EXPECT_THAT(authoriser_.AuthoriseSubmitter("RXK01"),
              StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace equilink::auth
