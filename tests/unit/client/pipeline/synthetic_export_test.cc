#include "client/pipeline/synthetic_export.h"

#include <map>
#include <string>

#include "client/csv/csv_reader.h"
#include "client/geo/postcode_lookup.h"
#include "client/mapping/mapping_profile.h"
#include "client/mapping/row_mapper.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink::client {
namespace {

using ::equilink::testing::IsOk;

constexpr char kLookup[] = "deploy/data/postcode_lookup_demo.csv";

struct Counts {
  int rows = 0;
  int rejected = 0;
  std::map<std::string, int> by_rule;
};

Counts MapExport(const std::string& path) {
  Counts counts;
  auto profile = LoadMappingProfile("client/profiles/charitylog.textproto");
  auto lookup = PostcodeLookup::Load(kLookup);
  auto reader = CsvReader::Open(path, ',');
  EXPECT_TRUE(profile.ok() && lookup.ok() && reader.ok());
  if (!profile.ok() || !lookup.ok() || !reader.ok()) return counts;
  CsvRow row;
  EXPECT_TRUE(*(*reader)->Next(&row));
  auto mapper = RowMapper::Create(*profile, row, lookup->get(),
                                  absl::CivilDay(2026, 11, 23));
  EXPECT_THAT(mapper, IsOk());
  if (!mapper.ok()) return counts;
  MappedRow mapped;
  while (*(*reader)->Next(&row)) {
    (*mapper)->Map(row, &mapped);
    ++counts.rows;
    counts.rejected += mapped.rejected;
    for (const RowIssue& issue : mapped.issues) ++counts.by_rule[issue.rule];
  }
  return counts;
}

TEST(SyntheticExportTest, MapsCleanlyWithTheCharitylogProfile) {
  equilink::testing::TempDir dir;
  SyntheticExportOptions options;
  options.rows = 5000;
  options.postcode_lookup_path = kLookup;
  ASSERT_THAT(WriteSyntheticExport(options, dir.File("export.csv")), IsOk());
  const Counts counts = MapExport(dir.File("export.csv"));
  EXPECT_EQ(counts.rows, 5000);
  EXPECT_EQ(counts.rejected, 0);
  EXPECT_TRUE(counts.by_rule.empty());
}

TEST(SyntheticExportTest, BadRowsCarryTheirRules) {
  equilink::testing::TempDir dir;
  SyntheticExportOptions options;
  options.rows = 4000;
  options.postcode_lookup_path = kLookup;
  options.bad_row_rate = 0.05;
  options.invalid_nhs_rate = 0.1;
  ASSERT_THAT(WriteSyntheticExport(options, dir.File("export.csv")), IsOk());
  const Counts counts = MapExport(dir.File("export.csv"));
  EXPECT_EQ(counts.rows, 4000);
  EXPECT_GT(counts.rejected, 100);
  EXPECT_LT(counts.rejected, 300);
  for (const char* rule : {"DATE_FORMAT", "CODESET", "SCORE_RANGE", "REQUIRED",
                           "NHS_NUMBER_CHECKSUM"}) {
    EXPECT_GT(counts.by_rule.count(rule), 0u) << rule;
  }
}

TEST(SyntheticExportTest, SameSeedSameBytes) {
  equilink::testing::TempDir dir;
  SyntheticExportOptions options;
  options.rows = 300;
  options.postcode_lookup_path = kLookup;
  ASSERT_THAT(WriteSyntheticExport(options, dir.File("a.csv")), IsOk());
  ASSERT_THAT(WriteSyntheticExport(options, dir.File("b.csv")), IsOk());
  options.seed = 2;
  ASSERT_THAT(WriteSyntheticExport(options, dir.File("c.csv")), IsOk());
  const std::string a = equilink::testing::ReadFileOrEmpty(dir.File("a.csv"));
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, equilink::testing::ReadFileOrEmpty(dir.File("b.csv")));
  EXPECT_NE(a, equilink::testing::ReadFileOrEmpty(dir.File("c.csv")));
}

TEST(SyntheticExportTest, NeedsALookup) {
  equilink::testing::TempDir dir;
  SyntheticExportOptions options;
  EXPECT_FALSE(WriteSyntheticExport(options, dir.File("x.csv")).ok());
}

}  // namespace
}  // namespace equilink::client
