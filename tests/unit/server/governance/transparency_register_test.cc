#include "server/governance/transparency_register.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "server/governance/agreement_file.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/server/governance/governance_test_util.h"

namespace equilink::governance {
namespace {

using ::equilink::governance::testing::kExtractExample;
using ::equilink::governance::testing::kInForceDay;
using ::equilink::governance::testing::kSubmissionExample;
using ::equilink::governance::testing::LoadExample;
using ::equilink::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

StoredAgreement Stored(const std::string& path, v1::AgreementStatus status) {
  StoredAgreement stored;
  stored.agreement = LoadExample(path, status);
  stored.version_hash = AgreementVersionHash(stored.agreement);
  stored.status = status;
  return stored;
}

std::vector<StoredAgreement> BothActive() {
  return {Stored(kSubmissionExample, v1::AGREEMENT_ACTIVE),
          Stored(kExtractExample, v1::AGREEMENT_ACTIVE)};
}

// A strict RFC 4180 reader for the checks below: rows of fields, CRLF line
// ends, quoted fields with doubled quotes.
std::vector<std::vector<std::string>> ParseCsv(const std::string& csv) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < csv.size(); ++i) {
    const char c = csv[i];
    if (quoted) {
      if (c == '"' && i + 1 < csv.size() && csv[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && i + 1 < csv.size() && csv[i + 1] == '\n') {
      rows.back().push_back(std::move(field));
      field.clear();
      rows.emplace_back();
      ++i;
    } else {
      field += c;
    }
  }
  if (rows.back().empty() && field.empty()) rows.pop_back();
  return rows;
}

TEST(TransparencyRegisterTest, HoldsOnlyAgreementsActiveToday) {
  StoredAgreement expired = Stored(kSubmissionExample, v1::AGREEMENT_ACTIVE);
  expired.agreement.set_agreement_id("ICS-QHL-DSA-2020-0001");
  expired.agreement.set_expires_on("2026-11-22");  // the day before
  StoredAgreement draft = Stored(kExtractExample, v1::AGREEMENT_DRAFT);
  draft.agreement.set_agreement_id("ICS-QHL-DSA-DRAFT");
  StoredAgreement suspended = Stored(kExtractExample, v1::AGREEMENT_SUSPENDED);
  suspended.agreement.set_agreement_id("ICS-QHL-DSA-SUSPENDED");
  const std::vector<StoredAgreement> all = {
      expired, draft, Stored(kSubmissionExample, v1::AGREEMENT_ACTIVE),
      suspended};

  v1::TransparencyRegister reg = BuildTransparencyRegister(all, kInForceDay);
  EXPECT_EQ(reg.generated_on(), "2026-11-23");
  ASSERT_THAT(reg.entries(), SizeIs(1));
  EXPECT_EQ(reg.entries(0).agreement_id(), "ICS-QHL-DSA-2026-0007");
}

TEST(TransparencyRegisterTest, SubmissionExampleEntryIsThePublicProjection) {
  const StoredAgreement stored =
      Stored(kSubmissionExample, v1::AGREEMENT_ACTIVE);
  const v1::RegisterEntry entry = RegisterEntryOf(stored);
  EXPECT_EQ(entry.agreement_id(), "ICS-QHL-DSA-2026-0007");
  EXPECT_EQ(entry.version(), 1u);
  EXPECT_EQ(entry.version_hash(), stored.version_hash);
  EXPECT_THAT(entry.version_hash(), SizeIs(64));
  EXPECT_THAT(entry.title(), HasSubstr("Brightside Young Carers"));
  EXPECT_THAT(entry.plain_english_summary(),
              HasSubstr("cannot re-identify anyone"));
  EXPECT_THAT(entry.parties(),
              ElementsAre("8HX12 Brightside Young Carers (joint controller, "
                          "submitter)",
                          "QHL Example ICS (integrated care board) "
                          "(controller)"));
  ASSERT_THAT(entry.purposes(), SizeIs(1));
  EXPECT_THAT(entry.purposes(0),
              HasSubstr("cyp-health-equity: Measure reach and outcomes"));
  EXPECT_EQ(entry.lawful_basis(),
            "Art 6(1)(e); Art 9(2)(h); common law: de-identified, not "
            "confidential to the recipient");
  ASSERT_THAT(entry.data_items(), SizeIs(20));
  EXPECT_EQ(entry.data_items(0), "record_pseudonym");
  EXPECT_EQ(entry.data_items(19), "needs");
  EXPECT_THAT(entry.national_data_opt_out(),
              HasSubstr("not applied: The records do not originate"));
  EXPECT_EQ(entry.retention(), "P7Y from last contact, then crypto-shredded");
  EXPECT_EQ(entry.effective_from(), "2026-04-01");
  EXPECT_EQ(entry.expires_on(), "2028-03-31");
  EXPECT_EQ(entry.review_due(), "2027-03-31");
}

TEST(TransparencyRegisterTest, ExtractExampleAppliesTheOptOutAtIngest) {
  const v1::RegisterEntry entry =
      RegisterEntryOf(Stored(kExtractExample, v1::AGREEMENT_ACTIVE));
  // Stage unspecified means at ingest (agreement.proto).
  EXPECT_EQ(entry.national_data_opt_out(), "applied at ingest");
  EXPECT_EQ(entry.retention(), "P2Y from receipt, then deleted and vacuumed");
  EXPECT_THAT(entry.parties(), SizeIs(3));
  EXPECT_THAT(entry.parties(1),
              HasSubstr("QHLPHM Example ICS population health management "
                        "team (recipient)"));
}

TEST(TransparencyRegisterTest, NoContactsOrDsptDetailsAreExported) {
  v1::TransparencyRegister reg =
      BuildTransparencyRegister(BothActive(), kInForceDay);
  absl::StatusOr<std::string> json = RenderRegisterJson(reg);
  ASSERT_THAT(json.status(), IsOk());
  for (const std::string& rendered : {RenderRegisterCsv(reg), *json}) {
    EXPECT_THAT(rendered, Not(HasSubstr("dpo@")));
    EXPECT_THAT(rendered, Not(HasSubstr("ZB000001")));       // ICO number
    EXPECT_THAT(rendered, Not(HasSubstr("Standards Met")));  // DSPT status
    EXPECT_THAT(rendered, Not(HasSubstr("justification")));
    EXPECT_THAT(rendered, Not(HasSubstr("ics-ig-officer")));  // the author
  }
}

TEST(TransparencyRegisterTest, CsvHasOneRowPerAgreementAndRoundTrips) {
  v1::TransparencyRegister reg =
      BuildTransparencyRegister(BothActive(), kInForceDay);
  const std::string csv = RenderRegisterCsv(reg);
  EXPECT_TRUE(absl::EndsWith(csv, "\r\n"));
  const std::vector<std::vector<std::string>> rows = ParseCsv(csv);
  ASSERT_THAT(rows, SizeIs(3));
  ASSERT_THAT(rows[0], SizeIs(14));
  EXPECT_EQ(rows[0][0], "agreement_id");
  EXPECT_EQ(rows[0][13], "review_due");
  for (int i = 0; i < 2; ++i) {
    const v1::RegisterEntry& entry = reg.entries(i);
    const std::vector<std::string>& row = rows[i + 1];
    ASSERT_THAT(row, SizeIs(14));
    EXPECT_EQ(row[0], entry.agreement_id());
    EXPECT_EQ(row[1], "1");
    EXPECT_EQ(row[2], entry.version_hash());
    EXPECT_EQ(row[4], entry.plain_english_summary());  // has commas: quoted
    EXPECT_EQ(row[5], absl::StrJoin(entry.parties(), "; "));
    EXPECT_EQ(row[8], absl::StrJoin(entry.data_items(), "; "));
  }
  EXPECT_THAT(rows[1][8], HasSubstr("record_pseudonym; client_pseudonym"));
}

TEST(TransparencyRegisterTest, CsvQuotesQuotesAndLineBreaks) {
  StoredAgreement stored = Stored(kSubmissionExample, v1::AGREEMENT_ACTIVE);
  stored.agreement.set_title("The \"Brightside\" agreement");
  stored.agreement.set_plain_english_summary("line one\r\nline two");
  v1::TransparencyRegister reg =
      BuildTransparencyRegister({stored}, kInForceDay);
  const std::string csv = RenderRegisterCsv(reg);
  EXPECT_THAT(csv, HasSubstr(",\"The \"\"Brightside\"\" agreement\","));
  const std::vector<std::vector<std::string>> rows = ParseCsv(csv);
  ASSERT_THAT(rows, SizeIs(2));
  EXPECT_EQ(rows[1][3], "The \"Brightside\" agreement");
  EXPECT_EQ(rows[1][4], "line one\r\nline two");
}

TEST(TransparencyRegisterTest, JsonUsesFieldNamesAndRoundTrips) {
  v1::TransparencyRegister reg =
      BuildTransparencyRegister(BothActive(), kInForceDay);
  absl::StatusOr<std::string> json = RenderRegisterJson(reg);
  ASSERT_THAT(json.status(), IsOk());
  EXPECT_THAT(*json, HasSubstr("\"generated_on\": \"2026-11-23\""));
  EXPECT_THAT(*json, HasSubstr("\"national_data_opt_out\""));
  v1::TransparencyRegister parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(*json, &parsed).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed, reg));
}

TEST(TransparencyRegisterTest, EmptyRegisterIsJustTheHeader) {
  v1::TransparencyRegister reg = BuildTransparencyRegister({}, kInForceDay);
  EXPECT_THAT(reg.entries(), SizeIs(0));
  EXPECT_THAT(ParseCsv(RenderRegisterCsv(reg)), SizeIs(1));
}

}  // namespace
}  // namespace equilink::governance
