#include "server/governance/agreement_file.h"

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/unit/server/governance/governance_test_util.h"

namespace equilink::governance {
namespace {

using ::equilink::governance::testing::kExtractExample;
using ::equilink::governance::testing::kSubmissionExample;
using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

std::string ToJson(const v1::Agreement& agreement) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  EXPECT_TRUE(
      google::protobuf::util::MessageToJsonString(agreement, &json, options)
          .ok());
  return json;
}

TEST(AgreementFileTest, ExamplesLoad) {
  EXPECT_THAT(LoadAgreementFile(kSubmissionExample), IsOk());
  EXPECT_THAT(LoadAgreementFile(kExtractExample), IsOk());
}

TEST(AgreementFileTest, HashIsLowercaseHexSha256) {
  EQ_ASSERT_OK_AND_ASSIGN(const v1::Agreement agreement,
                          LoadAgreementFile(kSubmissionExample));
  EXPECT_THAT(AgreementVersionHash(agreement), MatchesRegex("[0-9a-f]{64}"));
}

TEST(AgreementFileTest, TextAndJsonOfTheSameContentHashTheSame) {
  EQ_ASSERT_OK_AND_ASSIGN(const v1::Agreement from_text,
                          LoadAgreementFile(kSubmissionExample));
  EQ_ASSERT_OK_AND_ASSIGN(const v1::Agreement from_json,
                          ParseAgreementJson(ToJson(from_text)));
  EXPECT_EQ(CanonicalAgreementBytes(from_json),
            CanonicalAgreementBytes(from_text));
  EXPECT_EQ(AgreementVersionHash(from_json), AgreementVersionHash(from_text));
}

TEST(AgreementFileTest, HashIsStableAcrossReserialisation) {
  EQ_ASSERT_OK_AND_ASSIGN(const v1::Agreement agreement,
                          LoadAgreementFile(kExtractExample));
  v1::Agreement reparsed;
  ASSERT_TRUE(reparsed.ParseFromString(agreement.SerializeAsString()));
  EXPECT_EQ(AgreementVersionHash(reparsed), AgreementVersionHash(agreement));
}

TEST(AgreementFileTest, ChangedFieldChangesHash) {
  EQ_ASSERT_OK_AND_ASSIGN(const v1::Agreement original,
                          LoadAgreementFile(kSubmissionExample));
  v1::Agreement changed = original;
  changed.mutable_flows(0)->set_max_records_per_batch(5001);
  EXPECT_NE(AgreementVersionHash(changed), AgreementVersionHash(original));
}

TEST(AgreementFileTest, StatusIsNotPartOfTheHash) {
  EQ_ASSERT_OK_AND_ASSIGN(const v1::Agreement draft,
                          LoadAgreementFile(kSubmissionExample));
  v1::Agreement suspended = draft;
  suspended.set_status(v1::AGREEMENT_SUSPENDED);
  EXPECT_EQ(AgreementVersionHash(suspended), AgreementVersionHash(draft));
}

TEST(AgreementFileTest, UnknownTextFieldIsRejectedWithPosition) {
  EXPECT_THAT(
      ParseAgreementText("agreement_id: \"X\"\nexpires: \"2027\"\n"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 2")));
}

TEST(AgreementFileTest, UnknownJsonFieldIsRejected) {
  EXPECT_THAT(ParseAgreementJson(R"({"agreementId": "X", "expires": "2027"})"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Found by agreement_fuzz: an escape such as "\377" put invalid UTF-8 into a
// string field, and the canonical bytes the registry stores and hashes then
// failed to parse back.
TEST(AgreementFileTest, InvalidUtf8IsRejectedNamingTheField) {
  EXPECT_THAT(
      ParseAgreementText("agreement_id: \"X\"\ntitle: \"Youth \\377\"\n"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("title")));
}

TEST(AgreementFileTest, MissingFileIsNotFound) {
  EXPECT_THAT(LoadAgreementFile("deploy/agreements/no_such_file.textproto"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(AgreementFileTest, JsonFileLoadsToTheSameVersionHash) {
  EQ_ASSERT_OK_AND_ASSIGN(const v1::Agreement from_text,
                          LoadAgreementFile(kExtractExample));
  const ::equilink::testing::TempDir dir;
  const std::string path = dir.File("agreement.json");
  ::equilink::testing::WriteFileOrDie(path, ToJson(from_text));
  EQ_ASSERT_OK_AND_ASSIGN(const v1::Agreement from_json,
                          LoadAgreementFile(path));
  EXPECT_EQ(AgreementVersionHash(from_json), AgreementVersionHash(from_text));
}

}  // namespace
}  // namespace equilink::governance
