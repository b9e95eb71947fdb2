// The FEBRL benchmark profiles (client/profiles/febrl*.textproto) map the
// FEBRL files in tests/data/febrl/ through the real mapper and pseudonymiser:
// every row is kept, soc_sec_id becomes an unchecked national-id token, the
// 4-digit Australian postcode and the suburb are encoded, and the records pass
// the gateway's record rules.

#include <memory>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "client/csv/csv_reader.h"
#include "client/mapping/mapping_profile.h"
#include "client/mapping/row_mapper.h"
#include "common/pseudo/bloom_spec.h"
#include "common/pseudo/record_pseudonymiser.h"
#include "common/validate/record_rules.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/common/pseudo/test_key.h"

namespace equilink::client {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::TestLinkageKey;

constexpr char kProfile[] = "client/profiles/febrl.textproto";
constexpr char kNoSsnProfile[] = "client/profiles/febrl_no_ssn.textproto";
constexpr char kDataset3[] = "tests/data/febrl/dataset3.csv";
constexpr char kDataset4a[] = "tests/data/febrl/dataset4a.csv";
constexpr char kDataset4b[] = "tests/data/febrl/dataset4b.csv";
const absl::CivilDay kToday(2026, 1, 1);

struct MappedFile {
  std::vector<MappedRow> rows;
  int rejected = 0;
};

MappedFile MapFile(const std::string& profile_path, const std::string& path) {
  MappedFile result;
  auto profile = LoadMappingProfile(profile_path);
  EXPECT_THAT(profile, IsOk());
  if (!profile.ok()) return result;
  auto reader = CsvReader::Open(path, ProfileDelimiter(*profile));
  EXPECT_THAT(reader, IsOk());
  if (!reader.ok()) return result;
  CsvRow header;
  EXPECT_TRUE(*(*reader)->Next(&header));
  auto mapper = RowMapper::Create(*profile, header, nullptr, kToday);
  EXPECT_THAT(mapper, IsOk());
  if (!mapper.ok()) return result;
  CsvRow row;
  while (*(*reader)->Next(&row)) {
    MappedRow& mapped = result.rows.emplace_back();
    (*mapper)->Map(row, &mapped);
    if (mapped.rejected) ++result.rejected;
  }
  return result;
}

bool HasBloom(const v1::PseudonymisedRecord& r, v1::BloomField field) {
  for (const v1::BloomEncoding& b : r.bloom()) {
    if (b.field() == field) return true;
  }
  return false;
}

TEST(FebrlProfileTest, ProfilesLoad) {
  auto profile = LoadMappingProfile(kProfile);
  ASSERT_THAT(profile, IsOk());
  EXPECT_EQ(profile->postcode_format(), v1::POSTCODE_FORMAT_FREE_TEXT);
  EXPECT_EQ(profile->national_id_check(), v1::NATIONAL_ID_CHECK_NONE);
  auto no_ssn = LoadMappingProfile(kNoSsnProfile);
  ASSERT_THAT(no_ssn, IsOk());
  EXPECT_EQ(no_ssn->postcode_format(), v1::POSTCODE_FORMAT_FREE_TEXT);
  for (const v1::ColumnMapping& column : no_ssn->columns()) {
    EXPECT_NE(column.field(), v1::FIELD_NHS_NUMBER) << column.column();
  }
}

TEST(FebrlProfileTest, Dataset4aMapsAndPseudonymisesEveryRow) {
  const MappedFile file = MapFile(kProfile, kDataset4a);
  ASSERT_EQ(file.rows.size(), 5000u);
  EXPECT_EQ(file.rejected, 0);
  EQ_ASSERT_OK_AND_ASSIGN(auto pseudonymiser,
                          RecordPseudonymiser::Create(TestLinkageKey()));
  int unchecked = 0, postcode = 0, locality = 0, address = 0, dob = 0;
  v1::PseudonymisedRecord record;
  for (const MappedRow& row : file.rows) {
    // Values come trimmed of the space FEBRL puts after each comma.
    ASSERT_EQ(row.ids.local_record_id.rfind("rec-", 0), 0u);
    EXPECT_NE(row.ids.local_record_id.back(), ' ');
    record = row.record;
    ASSERT_THAT(pseudonymiser->Pseudonymise(row.ids, &record), IsOk());
    const std::optional<RecordViolation> violation =
        CheckPseudonymisedRecord(record);
    EXPECT_FALSE(violation.has_value())
        << row.row_number << ": " << violation->field;
    EXPECT_TRUE(record.lsoa_code().empty());  // no UK lookup for free text
    if (record.nhs_number_status() == v1::NATIONAL_ID_UNCHECKED) {
      EXPECT_EQ(record.nhs_number_token().size(), kTokenBytes);
      ++unchecked;
    } else {
      // soc_sec_id is never malformed in FEBRL, only sometimes empty.
      EXPECT_EQ(record.nhs_number_status(), v1::NHS_NUMBER_ABSENT);
    }
    postcode += HasBloom(record, v1::BLOOM_POSTCODE);
    locality += HasBloom(record, v1::BLOOM_LOCALITY);
    address += HasBloom(record, v1::BLOOM_ADDRESS);
    dob += HasBloom(record, v1::BLOOM_DATE_OF_BIRTH);
  }
  // FEBRL4's originals leave a field empty now and then (94 dates of birth,
  // for example); all but a few per cent of every field are present.
  EXPECT_GT(unchecked, 4800);
  EXPECT_GT(postcode, 4800);
  EXPECT_GT(locality, 4800);
  EXPECT_GT(address, 4800);
  EXPECT_EQ(dob, 5000 - 94);
}

TEST(FebrlProfileTest, CorruptedFilesKeepEveryRow) {
  // The duplicates carry impossible dates of birth (19450493): with
  // invalid_as_missing the date is dropped with a warning and the row kept.
  for (const char* path : {kDataset4b, kDataset3}) {
    const MappedFile file = MapFile(kProfile, path);
    EXPECT_EQ(file.rows.size(), 5000u) << path;
    EXPECT_EQ(file.rejected, 0) << path;
    int date_warnings = 0;
    for (const MappedRow& row : file.rows) {
      for (const RowIssue& issue : row.issues) {
        EXPECT_EQ(issue.severity, Severity::kWarning);
        if (issue.rule == rules::kDateFormat) {
          EXPECT_EQ(issue.field, "date_of_birth");
          EXPECT_FALSE(row.ids.date_of_birth.has_value());
          ++date_warnings;
        }
      }
    }
    EXPECT_GT(date_warnings, 0) << path;
  }
}

TEST(FebrlProfileTest, NoSsnProfileLeavesTheNationalIdAbsent) {
  const MappedFile file = MapFile(kNoSsnProfile, kDataset4a);
  ASSERT_EQ(file.rows.size(), 5000u);
  EXPECT_EQ(file.rejected, 0);
  EQ_ASSERT_OK_AND_ASSIGN(auto pseudonymiser,
                          RecordPseudonymiser::Create(TestLinkageKey()));
  v1::PseudonymisedRecord record;
  for (size_t i = 0; i < file.rows.size(); i += 97) {
    EXPECT_TRUE(file.rows[i].ids.nhs_number.empty());
    ASSERT_THAT(pseudonymiser->Pseudonymise(file.rows[i].ids, &record), IsOk());
    EXPECT_EQ(record.nhs_number_status(), v1::NHS_NUMBER_ABSENT);
  }
}

TEST(FebrlProfileTest, TrueDuplicatesShareTheUncheckedToken) {
  // rec-1070-org in 4a and rec-1070-dup-0 in 4b: equal soc_sec_id gives equal
  // tokens across the two files.
  const MappedFile a = MapFile(kProfile, kDataset4a);
  const MappedFile b = MapFile(kProfile, kDataset4b);
  ASSERT_FALSE(a.rows.empty());
  ASSERT_FALSE(b.rows.empty());
  EQ_ASSERT_OK_AND_ASSIGN(auto pseudonymiser,
                          RecordPseudonymiser::Create(TestLinkageKey()));
  const MappedRow& original = a.rows[0];
  ASSERT_EQ(original.ids.local_record_id, "rec-1070-org");
  const MappedRow* duplicate = nullptr;
  for (const MappedRow& row : b.rows) {
    if (row.ids.local_record_id == "rec-1070-dup-0") duplicate = &row;
  }
  ASSERT_NE(duplicate, nullptr);
  v1::PseudonymisedRecord ra, rb;
  ASSERT_THAT(pseudonymiser->Pseudonymise(original.ids, &ra), IsOk());
  ASSERT_THAT(pseudonymiser->Pseudonymise(duplicate->ids, &rb), IsOk());
  // The duplicate's surname was replaced and its suburb mistyped, but its
  // soc_sec_id is the original's.
  ASSERT_EQ(original.ids.nhs_number, duplicate->ids.nhs_number);
  EXPECT_EQ(ra.nhs_number_status(), v1::NATIONAL_ID_UNCHECKED);
  EXPECT_EQ(ra.nhs_number_token(), rb.nhs_number_token());
  EXPECT_NE(ra.record_pseudonym(), rb.record_pseudonym());
}

}  // namespace
}  // namespace equilink::client
