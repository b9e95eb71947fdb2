// Fuzz target: bytes -> CsvReader -> RowMapper with the shipped Charitylog
// profile. Checks, beyond not crashing, the two promises the mapper makes:
// an issue names a profile column (never a value), and a row without a reject
// fills only fields the gateway's rules accept.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "absl/time/civil_time.h"
#include "client/csv/csv_reader.h"
#include "client/mapping/mapping_profile.h"
#include "client/mapping/row_mapper.h"
#include "common/status/check.h"
#include "common/validate/record_rules.h"

namespace equilink::client {
namespace {

constexpr absl::string_view kCharitylogHeader =
    "Client ID,Referral ID,NHS Number,First Name,Surname,Date of Birth,Gender,"
    "Ethnicity,Address Line 1,Address Line 2,Town,Postcode,Project,"
    "Referral Date,Referral Source,Start Date,End Date,Sessions Offered,"
    "Sessions Attended,WEMWBS Start,WEMWBS Start Date,WEMWBS End,"
    "WEMWBS End Date,Young Carer,Free School Meals,Notes\n";
const absl::CivilDay kToday(2026, 11, 23);

struct Fixture {
  v1::MappingProfile profile;
  std::unique_ptr<RowMapper> mapper;
  std::set<std::string> columns;
};

// The profile is found from this file's path, so the target runs from any
// working directory (ctest runs replays in the build tree).
const Fixture& GetFixture() {
  static const Fixture* const fixture = [] {
    std::string root = __FILE__;
    root.resize(root.size() -
                std::string("tests/fuzz/csv_mapping_fuzz.cc").size());
    auto profile =
        LoadMappingProfile(root + "client/profiles/charitylog.textproto");
    EQ_CHECK(profile.ok());
    auto header_reader = CsvReader::FromString(std::string(kCharitylogHeader));
    EQ_CHECK(header_reader.ok());
    CsvRow header;
    EQ_CHECK(*(*header_reader)->Next(&header));
    auto mapper = RowMapper::Create(*profile, header, nullptr, kToday);
    EQ_CHECK(mapper.ok());
    auto* f = new Fixture{*profile, *std::move(mapper), {}};
    for (const v1::ColumnMapping& c : f->profile.columns()) {
      f->columns.insert(c.column());
      f->columns.insert(c.outcome_date_column());
    }
    return f;
  }();
  return *fixture;
}

void CheckMapped(const Fixture& fixture, MappedRow& mapped) {
  for (const RowIssue& issue : mapped.issues) {
    EQ_CHECK(issue.field.empty() || fixture.columns.count(issue.field) == 1);
  }
  if (mapped.rejected) return;
  mapped.record.set_record_pseudonym(std::string(32, 'r'));
  mapped.record.set_nhs_number_status(v1::NHS_NUMBER_ABSENT);
  EQ_CHECK(!CheckPseudonymisedRecord(mapped.record).has_value());
}

}  // namespace
}  // namespace equilink::client

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using equilink::client::CsvReader;
  using equilink::client::CsvRow;
  using equilink::client::MappedRow;
  const auto& fixture = equilink::client::GetFixture();
  auto reader = CsvReader::FromString(
      std::string(reinterpret_cast<const char*>(data), size));
  if (!reader.ok()) return 0;
  CsvRow row;
  MappedRow mapped;
  bool first = true;
  while (true) {
    absl::StatusOr<bool> more = (*reader)->Next(&row);
    if (!more.ok() || !*more) break;
    if (first) {
      // The first row doubles as a header, to exercise the header checks.
      first = false;
      (void)equilink::client::RowMapper::Create(fixture.profile, row, nullptr,
                                                equilink::client::kToday);
    }
    fixture.mapper->Map(row, &mapped);
    equilink::client::CheckMapped(fixture, mapped);
  }
  return 0;
}
