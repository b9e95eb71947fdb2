#include "server/governance/imd_local_authority_lookup.h"

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink::governance {
namespace {

using ::equilink::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Optional;

// The file the gateway ships; tests run from the repository root.
constexpr char kShippedFile[] =
    "deploy/data/imd2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz";

TEST(ImdLocalAuthorityLookupTest, ShippedFileMapsLsoasToTheirDistricts) {
  EQ_ASSERT_OK_AND_ASSIGN(auto lookup,
                          ImdLocalAuthorityLookup::Load(kShippedFile));
  // Every LSOA in England (2011): 32,844.
  EXPECT_EQ(lookup->size(), 32844u);
  EXPECT_THAT(lookup->LocalAuthorityOf("E01000001"),
              Optional(std::string("E09000001")));
  EXPECT_THAT(lookup->LocalAuthorityOf("E01008881"),
              Optional(std::string("E08000025")));
  EXPECT_THAT(lookup->LocalAuthorityOf("E01010167"),
              Optional(std::string("E08000029")));
  EXPECT_EQ(lookup->LocalAuthorityOf("E01999999"), std::nullopt);
  EXPECT_EQ(lookup->LocalAuthorityOf(""), std::nullopt);
}

TEST(ImdLocalAuthorityLookupTest, QuotedNamesWithCommasAreOneField) {
  ::equilink::testing::TempDir dir;
  const std::string path = dir.File("lookup.csv");
  std::ofstream(path)
      << "\xEF\xBB\xBFLSOA code (2011),LSOA name,LAD code,LAD name\n"
      << "E01014540,\"Bristol, City of 001A\",E06000023,\"Bristol, City "
         "of\",\"1,234\",1\r\n";
  EQ_ASSERT_OK_AND_ASSIGN(auto lookup, ImdLocalAuthorityLookup::Load(path));
  EXPECT_THAT(lookup->LocalAuthorityOf("E01014540"),
              Optional(std::string("E06000023")));
}

TEST(ImdLocalAuthorityLookupTest, MalformedLineNamesTheFileAndLine) {
  ::equilink::testing::TempDir dir;
  const std::string path = dir.File("lookup.csv");
  std::ofstream(path)
      << "header\nE01000001,City of London 001A,E09000001,x,29199,9\n"
      << "E01000002,City of London 001B,not-a-code,x,29199,9\n";
  EXPECT_THAT(ImdLocalAuthorityLookup::Load(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path), HasSubstr("line 3"))));
}

TEST(ImdLocalAuthorityLookupTest, MissingFileIsNotFound) {
  EXPECT_THAT(
      ImdLocalAuthorityLookup::Load("deploy/data/no_such_lookup.csv.gz"),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("no_such_lookup")));
}

}  // namespace
}  // namespace equilink::governance
