#include "client/geo/postcode_lookup.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace equilink::client {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::testing::HasSubstr;

// The real ONSPD's column order differs from this; columns are found by name.
constexpr char kOnspd[] =
    "\"pcd\",\"pcd2\",\"pcds\",\"dointr\",\"doterm\",\"oslaua\",\"lsoa11\","
    "\"lsoa21\"\n"
    "\"B1  1AA\",\"B1   1AA\",\"B1 1AA\",\"198001\",\"\",\"E08000025\","
    "\"E01033620\",\"E01033620\"\n"
    "\"B15 2TT\",\"B15  2TT\",\"B15 2TT\",\"198001\",\"\",\"E08000025\","
    "\"E01009109\",\"E01009110\"\n"
    "\"B90 1ZZ\",\"B90  1ZZ\",\"B90 1ZZ\",\"198001\",\"201802\",\"E08000029\","
    "\"E01010100\",\"\"\n"
    "\"EH1 1AA\",\"EH1  1AA\",\"EH1 1AA\",\"198001\",\"\",\"S12000036\","
    "\"S01008677\",\"\"\n"
    "\"XX\",\"\",\"XX\",\"198001\",\"\",\"\",\"E01009109\",\"\"\n";

TEST(PostcodeLookupTest, FindsLiveEnglishPostcodes) {
  auto lookup = PostcodeLookup::FromString(kOnspd);
  ASSERT_THAT(lookup, IsOk());
  EXPECT_EQ((*lookup)->FindLsoa("B15 2TT"), "E01009109");
  EXPECT_EQ((*lookup)->FindLsoa("B1 1AA"), "E01033620");
  EXPECT_FALSE((*lookup)->FindLsoa("B90 1ZZ").has_value());  // terminated
  EXPECT_FALSE((*lookup)->FindLsoa("EH1 1AA").has_value());  // Scottish zone
  EXPECT_FALSE((*lookup)->FindLsoa("b15 2tt").has_value());  // not canonical
  EXPECT_EQ((*lookup)->size(), 2u);
  const PostcodeLookupStats& stats = (*lookup)->stats();
  EXPECT_EQ(stats.loaded, 2u);
  EXPECT_EQ(stats.terminated, 1u);
  EXPECT_EQ(stats.no_lsoa, 1u);
  EXPECT_EQ(stats.bad_postcode, 1u);
  EXPECT_THAT((*lookup)->Postcodes(),
              ::testing::ElementsAre("B1 1AA", "B15 2TT"));
}

TEST(PostcodeLookupTest, ChoosesTheLsoaColumn) {
  PostcodeLookupOptions options;
  options.lsoa_column = "lsoa21";
  auto lookup = PostcodeLookup::FromString(kOnspd, options);
  ASSERT_THAT(lookup, IsOk());
  EXPECT_EQ((*lookup)->FindLsoa("B15 2TT"), "E01009110");
}

TEST(PostcodeLookupTest, MissingColumnsAreNamed) {
  EXPECT_THAT(PostcodeLookup::FromString("pcd,lsoa11\nB1 1AA,E01033620\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("pcds, doterm and lsoa11")));
  EXPECT_THAT(PostcodeLookup::FromString(""),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PostcodeLookupTest, ShippedDemoLookupLoads) {
  auto lookup = PostcodeLookup::Load("deploy/data/postcode_lookup_demo.csv");
  ASSERT_THAT(lookup, IsOk());
  EXPECT_EQ((*lookup)->size(), 300u);
  EXPECT_EQ((*lookup)->stats().terminated, 8u);
  for (const std::string& postcode : (*lookup)->Postcodes()) {
    auto lsoa = (*lookup)->FindLsoa(postcode);
    ASSERT_TRUE(lsoa.has_value());
    EXPECT_TRUE(lsoa->substr(0, 3) == "E01") << postcode;
  }
}

}  // namespace
}  // namespace equilink::client
