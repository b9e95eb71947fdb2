#include "server/framework/area_lookup.h"

#include <algorithm>
#include <fstream>
#include <iterator>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace equilink::framework {
namespace {

using ::equilink::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

// The files the gateway ships; tests run from the repository root.
constexpr char kImdFile[] =
    "deploy/data/imd2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz";
constexpr char kPopulationFile[] =
    "deploy/data/imd2019/File_6_-_IoD2019_Population_Denominators.csv.gz";

TEST(AreaLookupTest, ShippedFilesGiveDecileQuintileDistrictAndChildren) {
  EQ_ASSERT_OK_AND_ASSIGN(auto areas,
                          AreaLookup::Load(kImdFile, kPopulationFile));
  EXPECT_EQ(areas->size(), 32844u);
  EXPECT_EQ(areas->imd_version(), "IMD2019");
  EXPECT_TRUE(areas->has_population());
  // The first row of each file, as published.
  const Area* city = areas->Find("E01000001");
  ASSERT_NE(city, nullptr);
  EXPECT_EQ(city->local_authority_code, "E09000001");
  EXPECT_EQ(city->local_authority_name, "City of London");
  EXPECT_EQ(city->imd_rank, 29199);
  EXPECT_EQ(city->imd_decile, 9);
  EXPECT_EQ(city->imd_quintile, 5);
  EXPECT_EQ(city->population, 1296);
  EXPECT_EQ(city->children_0_15, 175);
  EXPECT_EQ(areas->Find("E01999999"), nullptr);
  EXPECT_EQ(areas->Find("W01000001"), nullptr);

  // Deciles split the LSOAs into tenths by rank (1 most deprived), and
  // every child in England is counted once: 10,405,050 aged 0-15 in mid-2015.
  int per_decile[11] = {};
  int32_t lowest_rank[11];
  int32_t highest_rank[11] = {};
  std::fill(std::begin(lowest_rank), std::end(lowest_rank), 1 << 30);
  int64_t children = 0;
  for (const Area& area : areas->areas()) {
    const int d = area.imd_decile;
    ++per_decile[d];
    lowest_rank[d] = std::min(lowest_rank[d], area.imd_rank);
    highest_rank[d] = std::max(highest_rank[d], area.imd_rank);
    children += area.children_0_15;
    EXPECT_EQ(area.imd_quintile, (d + 1) / 2);
  }
  for (int d = 1; d <= 10; ++d) {
    EXPECT_NEAR(per_decile[d], 3284.4, 1) << d;
    if (d > 1) {
      EXPECT_EQ(lowest_rank[d], highest_rank[d - 1] + 1) << d;
    }
  }
  EXPECT_EQ(children, 10'405'050);
}

TEST(AreaLookupTest, ImdAloneHasNoDenominators) {
  EQ_ASSERT_OK_AND_ASSIGN(auto areas, AreaLookup::LoadImd(kImdFile));
  EXPECT_FALSE(areas->has_population());
  EXPECT_EQ(areas->Find("E01000001")->children_0_15, 0);
}

class AreaLookupFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_.File(name);
    std::ofstream(path) << text;
    return path;
  }
  ::equilink::testing::TempDir dir_;
};

TEST_F(AreaLookupFileTest, BadDecileNamesFileAndLine) {
  const std::string imd = Write("imd.csv",
                                "header\nE01000001,a,E09000001,b,\"29,199\",9\n"
                                "E01000002,a,E09000001,b,\"30,379\",11\n");
  EXPECT_THAT(AreaLookup::LoadImd(imd),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(imd), HasSubstr("line 3"),
                             HasSubstr("IMD decile"))));
}

TEST_F(AreaLookupFileTest, DuplicateLsoaIsRefused) {
  const std::string imd = Write("imd.csv",
                                "header\nE01000001,a,E09000001,b,5,1\n"
                                "E01000001,a,E09000001,b,6,1\n");
  EXPECT_THAT(AreaLookup::LoadImd(imd),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("line 3"), HasSubstr("twice"))));
}

TEST_F(AreaLookupFileTest, PopulationFileMustCoverTheSameLsoas) {
  const std::string imd = Write("imd.csv",
                                "header\nE01000001,a,E09000001,b,5,1\n"
                                "E01000002,a,E09000001,b,6,1\n");
  const std::string stranger =
      Write("stranger.csv", "header\nE01000003,a,E09000001,b,\"1,000\",200\n");
  EXPECT_THAT(AreaLookup::Load(imd, stranger),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(stranger), HasSubstr("line 2"),
                             HasSubstr("not in the IMD file"))));
  const std::string partial =
      Write("partial.csv", "header\nE01000001,a,E09000001,b,\"1,000\",200\n");
  EXPECT_THAT(AreaLookup::Load(imd, partial),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("E01000002 of the IMD file has no "
                                 "population row")));
  const std::string too_many_children =
      Write("children.csv", "header\nE01000001,a,E09000001,b,100,101\n");
  EXPECT_THAT(AreaLookup::Load(imd, too_many_children),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("line 2"), HasSubstr("children"))));
}

TEST_F(AreaLookupFileTest, MissingFileIsNotFound) {
  EXPECT_THAT(AreaLookup::LoadImd(dir_.File("absent.csv.gz")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent")));
}

}  // namespace
}  // namespace equilink::framework
