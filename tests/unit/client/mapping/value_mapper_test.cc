#include "client/mapping/value_mapper.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace equilink::client {
namespace {

using ::equilink::testing::StatusIs;

v1::ValueMap EthnicityMap(bool pass_through) {
  v1::ValueMap map;
  map.set_field(v1::FIELD_ETHNICITY);
  map.set_pass_through_valid_codes(pass_through);
  auto* entry = map.add_entries();
  entry->set_local("White - British");
  entry->set_code("A");
  entry = map.add_entries();
  entry->set_local("Mixed: White and Black Caribbean");
  entry->set_code("D");
  return map;
}

TEST(ValueMapperTest, MatchesIgnoringCaseAndSpaces) {
  const v1::ValueMap map = EthnicityMap(false);
  auto mapper = ValueMapper::Create(v1::FIELD_ETHNICITY, &map);
  ASSERT_TRUE(mapper.ok());
  std::string code;
  EXPECT_TRUE(mapper->Map("  white - BRITISH ", &code));
  EXPECT_EQ(code, "A");
  EXPECT_TRUE(mapper->Map("MIXED: white and black caribbean", &code));
  EXPECT_EQ(code, "D");
  code = "unchanged";
  EXPECT_FALSE(mapper->Map("White British", &code));
  EXPECT_EQ(code, "unchanged");
  EXPECT_FALSE(mapper->Map("A", &code));  // no pass-through
  EXPECT_FALSE(mapper->Map(std::string(500, 'x'), &code));
}

TEST(ValueMapperTest, PassThroughKeepsValidCodesOnly) {
  const v1::ValueMap map = EthnicityMap(true);
  auto mapper = ValueMapper::Create(v1::FIELD_ETHNICITY, &map);
  ASSERT_TRUE(mapper.ok());
  std::string code;
  EXPECT_TRUE(mapper->Map("a", &code));
  EXPECT_EQ(code, "A");
  EXPECT_TRUE(mapper->Map("99", &code));
  EXPECT_EQ(code, "99");
  EXPECT_FALSE(mapper->Map("Q", &code));
}

TEST(ValueMapperTest, NoMapPassesValidCodes) {
  auto mapper = ValueMapper::Create(v1::FIELD_SERVICE_TYPE, nullptr);
  ASSERT_TRUE(mapper.ok());
  std::string code;
  EXPECT_TRUE(mapper->Map("mh_wellbeing", &code));
  EXPECT_EQ(code, "MH_WELLBEING");
  EXPECT_FALSE(mapper->Map("Wellbeing", &code));
}

TEST(ValueMapperTest, RejectsBadMaps) {
  v1::ValueMap map = EthnicityMap(false);
  map.mutable_entries(1)->set_code("T");
  EXPECT_THAT(ValueMapper::Create(v1::FIELD_ETHNICITY, &map),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("VALUE_MAP_BAD_CODE")));
  map = EthnicityMap(false);
  map.mutable_entries(1)->set_local("WHITE - british ");
  EXPECT_THAT(ValueMapper::Create(v1::FIELD_ETHNICITY, &map),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("VALUE_MAP_DUPLICATE_LOCAL")));
  EXPECT_THAT(ValueMapper::Create(v1::FIELD_POSTCODE, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace equilink::client
