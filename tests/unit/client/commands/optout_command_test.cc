#include "client/commands/optout_command.h"

#include <string>
#include <vector>

#include "common/normalise/nhs_number.h"
#include "common/pseudo/record_pseudonymiser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/unit/common/pseudo/test_key.h"

namespace equilink::client {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::equilink::testing::TempDir;
using ::equilink::testing::TestLinkageKey;
using ::equilink::testing::VectorRecord;
using ::equilink::testing::WriteFileOrDie;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

// The token `equilink submit` puts in a record for this NHS number.
std::string SubmittedToken(const std::string& nhs_number) {
  absl::StatusOr<std::unique_ptr<RecordPseudonymiser>> pseudonymiser =
      RecordPseudonymiser::Create(TestLinkageKey());
  EXPECT_THAT(pseudonymiser.status(), IsOk());
  PersonIdentifiers ids = VectorRecord();
  ids.nhs_number = nhs_number;
  v1::PseudonymisedRecord record;
  EXPECT_THAT((*pseudonymiser)->Pseudonymise(ids, &record), IsOk());
  return record.nhs_number_token();
}

TEST(ReadOptOutTokensTest, OneNumberPerLineGivesTheSubmitPipelinesTokens) {
  TempDir dir;
  WriteFileOrDie(dir.File("list.txt"), "943 476 5919\n4010232137\n");
  absl::StatusOr<std::vector<std::string>> tokens =
      ReadOptOutTokens(dir.File("list.txt"), TestLinkageKey());
  ASSERT_THAT(tokens.status(), IsOk());
  EXPECT_THAT(*tokens, ElementsAre(SubmittedToken("9434765919"),
                                   SubmittedToken("401-023-2137")));
  EXPECT_THAT((*tokens)[0], SizeIs(32));
}

TEST(ReadOptOutTokensTest, CsvWithAnNhsNumberColumnIsRead) {
  TempDir dir;
  WriteFileOrDie(dir.File("list.csv"),
                 "registered,NHS_Number\r\n2026-10-01,943 476 5919\r\n");
  absl::StatusOr<std::vector<std::string>> tokens =
      ReadOptOutTokens(dir.File("list.csv"), TestLinkageKey());
  ASSERT_THAT(tokens.status(), IsOk());
  EXPECT_THAT(*tokens, ElementsAre(SubmittedToken("9434765919")));
}

TEST(ReadOptOutTokensTest, AnotherKeyGivesOtherTokens) {
  TempDir dir;
  WriteFileOrDie(dir.File("list.txt"), "9434765919\n");
  absl::StatusOr<std::vector<std::string>> tokens =
      ReadOptOutTokens(dir.File("list.txt"), TestLinkageKey(/*first_byte=*/7));
  ASSERT_THAT(tokens.status(), IsOk());
  EXPECT_THAT(*tokens, Not(ElementsAre(SubmittedToken("9434765919"))));
}

TEST(ReadOptOutTokensTest, InvalidLinesAreNamedByRowNeverByValue) {
  TempDir dir;
  // Row 2 fails the modulus 11 check, row 4 is not ten digits; rows 1 and 3
  // are valid.
  WriteFileOrDie(dir.File("list.txt"),
                 "9434765919\n9434765918\n4010232137\n12345\n");
  absl::StatusOr<std::vector<std::string>> tokens =
      ReadOptOutTokens(dir.File("list.txt"), TestLinkageKey());
  EXPECT_THAT(
      tokens.status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("row(s) 2, 4"), HasSubstr("modulus 11"),
                     Not(HasSubstr("9434765918")), Not(HasSubstr("12345")))));
}

TEST(ReadOptOutTokensTest, CsvRowsAreNumberedAsASpreadsheetShowsThem) {
  TempDir dir;
  WriteFileOrDie(dir.File("list.csv"), "nhs_number\n9434765919\n\n943476591\n");
  absl::StatusOr<std::vector<std::string>> tokens =
      ReadOptOutTokens(dir.File("list.csv"), TestLinkageKey());
  EXPECT_THAT(tokens.status(), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("row(s) 4")));
}

TEST(ReadOptOutTokensTest, MissingFileIsAnError) {
  EXPECT_THAT(
      ReadOptOutTokens("/nonexistent/list.txt", TestLinkageKey()).status(),
      Not(IsOk()));
}

}  // namespace
}  // namespace equilink::client
