// The shipped profiles map the shipped sample exports as documented: the
// Charitylog file is clean apart from NHS checksum warnings, the Lamplight
// file has exactly its five deliberately bad rows. Also checks the rejects
// report built from them never holds a value from the export.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/time/civil_time.h"
#include "client/csv/csv_reader.h"
#include "client/geo/postcode_lookup.h"
#include "client/mapping/mapping_profile.h"
#include "client/mapping/rejects_report.h"
#include "client/mapping/row_mapper.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace equilink::client {
namespace {

using ::equilink::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kLookup[] = "deploy/data/postcode_lookup_demo.csv";
// After the newest date in the samples, so the tests do not age.
const absl::CivilDay kToday(2026, 11, 23);

struct MappedFile {
  std::vector<std::string> header;
  std::vector<CsvRow> rows;
  std::vector<MappedRow> mapped;
};

MappedFile MapFile(const std::string& profile_path, const std::string& path,
                   const PostcodeLookup* lookup) {
  MappedFile result;
  auto profile = LoadMappingProfile(profile_path);
  EXPECT_THAT(profile, IsOk());
  if (!profile.ok()) return result;
  auto reader = CsvReader::Open(path, ProfileDelimiter(*profile));
  EXPECT_THAT(reader, IsOk());
  if (!reader.ok()) return result;
  CsvRow header;
  EXPECT_TRUE(*(*reader)->Next(&header));
  result.header = header.fields;
  auto mapper = RowMapper::Create(*profile, header, lookup, kToday);
  EXPECT_THAT(mapper, IsOk());
  if (!mapper.ok()) return result;
  CsvRow row;
  while (*(*reader)->Next(&row)) {
    result.rows.push_back(row);
    (*mapper)->Map(row, &result.mapped.emplace_back());
  }
  return result;
}

class ShippedSamplesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto lookup = PostcodeLookup::Load(kLookup);
    ASSERT_THAT(lookup, IsOk());
    lookup_ = *std::move(lookup);
  }
  std::unique_ptr<PostcodeLookup> lookup_;
};

std::vector<std::string> Describe(const std::vector<MappedRow>& rows,
                                  Severity severity) {
  std::vector<std::string> out;
  for (const MappedRow& row : rows) {
    for (const RowIssue& issue : row.issues) {
      if (issue.severity != severity) continue;
      out.push_back(std::to_string(issue.row_number) + ":" + issue.field + ":" +
                    issue.rule);
    }
  }
  return out;
}

TEST_F(ShippedSamplesTest, CharitylogIsCleanApartFromNhsChecksums) {
  MappedFile file =
      MapFile("client/profiles/charitylog.textproto",
              "client/samples/charitylog_export.csv", lookup_.get());
  ASSERT_EQ(file.mapped.size(), 40u);
  EXPECT_EQ(file.header[0], "Client ID");  // BOM gone
  EXPECT_THAT(Describe(file.mapped, Severity::kReject), ::testing::IsEmpty());
  EXPECT_THAT(Describe(file.mapped, Severity::kWarning),
              ElementsAre("13:NHS Number:NHS_NUMBER_CHECKSUM",
                          "29:NHS Number:NHS_NUMBER_CHECKSUM"));
  int with_lsoa = 0, with_outcomes = 0;
  for (const MappedRow& row : file.mapped) {
    with_lsoa += !row.record.lsoa_code().empty();
    with_outcomes += row.record.outcomes_size() > 0;
    MappedRow copy = row;
    copy.record.set_record_pseudonym(std::string(32, 'r'));
    copy.record.set_nhs_number_status(v1::NHS_NUMBER_ABSENT);
    EXPECT_FALSE(CheckPseudonymisedRecord(copy.record).has_value())
        << "row " << row.row_number;
  }
  EXPECT_EQ(with_lsoa, 40);
  EXPECT_EQ(with_outcomes, 40);
  // The quoted note with an embedded newline is one record: row numbers
  // count records.
  EXPECT_EQ(file.mapped.back().row_number, 41);
}

TEST_F(ShippedSamplesTest, LamplightHasItsFiveBadRows) {
  MappedFile file =
      MapFile("client/profiles/lamplight.textproto",
              "client/samples/lamplight_export.csv", lookup_.get());
  ASSERT_EQ(file.mapped.size(), 40u);
  EXPECT_THAT(
      Describe(file.mapped, Severity::kReject),
      ElementsAre("14:Date referred:DATE_FORMAT", "19:Ethnic group:CODESET",
                  "23:SWEMWBS baseline:SCORE_RANGE", "28:Referral Ref:REQUIRED",
                  "32::RAGGED_ROW"));
  EXPECT_THAT(Describe(file.mapped, Severity::kWarning), ::testing::IsEmpty());
  int rejected = 0;
  for (const MappedRow& row : file.mapped) rejected += row.rejected;
  EXPECT_EQ(rejected, 5);
}

TEST_F(ShippedSamplesTest, RejectsReportHoldsNoValueFromTheExport) {
  MappedFile file =
      MapFile("client/profiles/lamplight.textproto",
              "client/samples/lamplight_export.csv", lookup_.get());
  std::unique_ptr<RejectsReport> report = RejectsReport::InMemory();
  for (const MappedRow& row : file.mapped) report->AddAll(row.issues);
  const std::string& text = report->contents();
  EXPECT_THAT(text, HasSubstr("14,Date referred,DATE_FORMAT,reject\n"));
  EXPECT_THAT(text, HasSubstr("32,,RAGGED_ROW,reject\n"));
  EXPECT_EQ(report->total_rejects(), 5);
  EXPECT_EQ(report->counts_by_rule().at("CODESET").rejects, 1);
  // Every cell of every row that has an issue, except bare numbers (which
  // the row numbers might equal) and column-name-like flags.
  for (size_t i = 0; i < file.mapped.size(); ++i) {
    if (file.mapped[i].issues.empty()) continue;
    for (const std::string& cell : file.rows[i].fields) {
      if (cell.size() < 3 ||
          cell.find_first_not_of("0123456789") == std::string::npos) {
        continue;
      }
      if (cell == "yes" || cell == "no") continue;
      EXPECT_THAT(text, Not(HasSubstr(cell))) << "row " << i + 2;
    }
  }
}

TEST_F(ShippedSamplesTest, SomeChildrenAppearInBothFiles) {
  MappedFile charitylog =
      MapFile("client/profiles/charitylog.textproto",
              "client/samples/charitylog_export.csv", lookup_.get());
  MappedFile lamplight =
      MapFile("client/profiles/lamplight.textproto",
              "client/samples/lamplight_export.csv", lookup_.get());
  std::map<std::string, int> by_surname_dob;
  for (const MappedRow& row : charitylog.mapped) {
    if (!row.ids.date_of_birth) continue;
    ++by_surname_dob[absl::AsciiStrToUpper(row.ids.surname) +
                     absl::FormatCivilTime(*row.ids.date_of_birth)];
  }
  int shared = 0;
  for (const MappedRow& row : lamplight.mapped) {
    if (!row.ids.date_of_birth) continue;
    shared +=
        by_surname_dob.count(absl::AsciiStrToUpper(row.ids.surname) +
                             absl::FormatCivilTime(*row.ids.date_of_birth));
  }
  EXPECT_GE(shared, 6);
}

}  // namespace
}  // namespace equilink::client
