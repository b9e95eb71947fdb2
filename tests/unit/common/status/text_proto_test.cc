#include "common/status/text_proto.h"

#include <string>

#include "equilink/v1/agreement.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace equilink {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(TextProtoTest, ParsesValidText) {
  v1::Agreement agreement;
  EXPECT_THAT(
      ParseTextProto("agreement_id: \"caf\\303\\251\" version: 2", &agreement),
      IsOk());
  EXPECT_EQ(agreement.agreement_id(), "caf\xc3\xa9");
  EXPECT_EQ(agreement.version(), 2u);
}

TEST(TextProtoTest, SyntaxErrorNamesLineAndColumn) {
  v1::Agreement agreement;
  EXPECT_THAT(ParseTextProto("version: 1\ntitel: \"x\"", &agreement),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseTextProto("version: 1\ntitel: \"x\"", &agreement).message(),
              HasSubstr("line 2"));
}

// Found by agreement_fuzz: text format took "\377" into a string field, and
// the agreement's canonical bytes then failed to parse back (protobuf's binary
// parser checks UTF-8), so a stored version could never be read again.
TEST(TextProtoTest, RefusesInvalidUtf8InANestedStringField) {
  v1::Agreement agreement;
  const absl::Status status = ParseTextProto(
      "agreement_id: \"A\" linkage { pseudonym_domain: \"d\\377x\" }",
      &agreement);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(status.message(), HasSubstr("pseudonym_domain"));
  EXPECT_THAT(status.message(), Not(HasSubstr("\xff")));
}

TEST(TextProtoTest, RefusesOverlongAndSurrogateForms) {
  v1::Agreement agreement;
  // An overlong '/', and U+D800 encoded as if it were a character.
  EXPECT_THAT(ParseTextProto("title: \"\\300\\257\"", &agreement),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseTextProto("title: \"\\355\\240\\200\"", &agreement),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Four-byte forms are fine: U+1F600.
  EXPECT_THAT(ParseTextProto("title: \"\\360\\237\\230\\200\"", &agreement),
              IsOk());
}

TEST(TextProtoTest, ChecksEveryElementOfARepeatedField) {
  v1::Agreement agreement;
  EXPECT_THAT(ParseTextProto("purposes { permitted_indicator_ids: \"ACC-01\" "
                             "permitted_indicator_ids: \"\\377\" }",
                             &agreement),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace equilink
