#include "server/framework/disclosure/profile.h"

#include <optional>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace equilink::framework::disclosure {
namespace {

using ::equilink::testing::StatusIs;
using ::testing::HasSubstr;

TEST(DisclosureProfileTest, FindsEachProfileByName) {
  for (const char* name : {"NHSD_2018", "SMALL10", "DSR10"}) {
    EQ_ASSERT_OK_AND_ASSIGN(const Profile* profile, FindProfile(name));
    EXPECT_EQ(profile->name, name);
    EXPECT_EQ(profile->version, 1);
  }
  EQ_ASSERT_OK_AND_ASSIGN(const Profile* exact, FindProfile("SMALL10", 1));
  EXPECT_EQ(exact->name, "SMALL10");
}

TEST(DisclosureProfileTest, UnknownProfileIsNamedInTheError) {
  EXPECT_THAT(FindProfile("NHSD_2019"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("NHSD_2019")));
  EXPECT_THAT(FindProfile("NHSD_2018", 2),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("version 2")));
}

TEST(DisclosureProfileTest, Nhsd2018StarsOneToSevenAndRoundsTheRestToFive) {
  EQ_ASSERT_OK_AND_ASSIGN(const Profile* nhsd, FindProfile("NHSD_2018"));
  EXPECT_EQ(nhsd->ShowCount(0), 0);  // not in 1-7; rounds to 0
  EXPECT_EQ(nhsd->ShowCount(1), std::nullopt);
  EXPECT_EQ(nhsd->ShowCount(7), std::nullopt);
  EXPECT_EQ(nhsd->ShowCount(8), 10);
  EXPECT_EQ(nhsd->ShowCount(12), 10);
  EXPECT_EQ(nhsd->ShowCount(13), 15);
  EXPECT_EQ(nhsd->ShowCount(1003), 1005);
  EXPECT_TRUE(nhsd->rounds());
}

TEST(DisclosureProfileTest, Small10SuppressesBelowTenIncludingZero) {
  EQ_ASSERT_OK_AND_ASSIGN(const Profile* small10, FindProfile("SMALL10"));
  for (int64_t count : {0, 1, 7, 8, 9}) {
    EXPECT_EQ(small10->ShowCount(count), std::nullopt) << count;
  }
  EXPECT_EQ(small10->ShowCount(10), 10);
  EXPECT_EQ(small10->ShowCount(11), 11);  // exact: no rounding
  EXPECT_FALSE(small10->rounds());
}

TEST(DisclosureProfileTest, Dsr10LeavesCountsAlone) {
  EQ_ASSERT_OK_AND_ASSIGN(const Profile* dsr10, FindProfile("DSR10"));
  for (int64_t count : {0, 1, 7, 8, 9, 10, 1003}) {
    EXPECT_EQ(dsr10->ShowCount(count), count);
  }
  EXPECT_EQ(dsr10->min_numerator_for_value, 10);
}

}  // namespace
}  // namespace equilink::framework::disclosure
