#include "server/linkage/blocking.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/linkage/record_features.h"
#include "tests/unit/server/linkage/engine/linkage_test_records.h"

namespace equilink::linkage {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::MakeRecord;
using testing::Person;

std::vector<Row> CandidatesOf(const std::vector<Person>& people, Row row,
                              BlockingOptions options = {}) {
  FeatureTable table;
  BlockIndex index{options};
  for (size_t i = 0; i < people.size(); ++i) {
    const Row added =
        *table.Add(MakeRecord(people[i]), static_cast<int64_t>(i), "org");
    index.Add(table, added);
  }
  std::vector<Row> candidates;
  BlockingStats stats;
  index.Candidates(table, row, &candidates, &stats);
  return candidates;
}

// The FEBRL4 pairs blocking used to miss: both names corrupted beyond the
// name bands and a different date of birth (so no date or birth-year key),
// with only the address and postcode left to find them.
TEST(BlockIndexTest, SameAddressAndPostcodeFindsPairWithEveryNameCorrupted) {
  const std::vector<Person> people = {
      {.record_id = "1",
       .forename = "michaela",
       .surname = "neumann",
       .year = 1995,
       .month = 11,
       .day = 11,
       .postcode = "LS6 2AB",
       .address = "8 stanley street miami"},
      {.record_id = "2",
       .forename = "kayla",
       .surname = "broun",
       .year = 1959,
       .month = 3,
       .day = 2,
       .postcode = "LS6 2AB",
       .address = "8 stanley street miami"},
  };
  EXPECT_THAT(CandidatesOf(people, 1), ElementsAre(0));
}

// Two records with checked NHS numbers that differ can never link, so
// blocking does not propose them through any key; a record without a number
// still meets both, and two with the same number meet through it.
TEST(BlockIndexTest, CheckedNhsNumbersMeetOnlyThroughTheNationalId) {
  Person twin{.record_id = "1",
              .forename = "amelia",
              .surname = "khan",
              .postcode = "B11 1AA",
              .address = "8 stanley street"};
  std::vector<Person> people(4, twin);
  people[0].nhs_number = "9990000018";
  people[1].nhs_number = "9990000026";  // every other field the same
  people[2].nhs_number = "";            // no number
  people[3].nhs_number = "9990000018";  // the first record's number
  people[3].forename = "zara";
  people[3].postcode = "LS6 2AB";
  people[3].address = "1 other road";
  EXPECT_THAT(CandidatesOf(people, 1), IsEmpty());
  EXPECT_THAT(CandidatesOf(people, 2), ElementsAre(0, 1));
  EXPECT_THAT(CandidatesOf(people, 3), ElementsAre(0, 2));
}

// With corroborate_above set, a member of a large block is a candidate only
// when a second key proposes it.
TEST(BlockIndexTest, LargeBlockMembersNeedASecondKey) {
  // Three children born on one day, otherwise unrelated, and a fourth who
  // also shares the first one's surname (a second key: surname + year).
  std::vector<Person> people = {
      {.record_id = "1", .forename = "amelia", .surname = "khan"},
      {.record_id = "2", .forename = "oliver", .surname = "jones"},
      {.record_id = "3", .forename = "grace", .surname = "okafor"},
      {.record_id = "4", .forename = "zara", .surname = "khan"},
  };
  EXPECT_THAT(CandidatesOf(people, 3), ElementsAre(0, 1, 2));
  BlockingOptions corroborated;
  corroborated.corroborate_above = 2;
  EXPECT_THAT(CandidatesOf(people, 3, corroborated), ElementsAre(0));
}

TEST(BlockIndexTest, AddressTypoWithinOnePostcodeStillFindsPair) {
  const std::vector<Person> people = {
      {.record_id = "1",
       .forename = "michaela",
       .surname = "neumann",
       .year = 1995,
       .month = 11,
       .day = 11,
       .postcode = "LS6 2AB",
       .address = "8 stanley street miami"},
      {.record_id = "2",
       .forename = "kayla",
       .surname = "broun",
       .year = 1959,
       .month = 3,
       .day = 2,
       .postcode = "LS6 2AB",
       .address = "8 stanley setreet miami"},
  };
  EXPECT_THAT(CandidatesOf(people, 1), ElementsAre(0));
}

// Address bands are keyed by postcode: the same street in another postcode
// with nothing else in common is not proposed.
TEST(BlockIndexTest, SimilarAddressInAnotherPostcodeIsNotACandidate) {
  const std::vector<Person> people = {
      {.record_id = "1",
       .forename = "michaela",
       .surname = "neumann",
       .year = 1995,
       .month = 11,
       .day = 11,
       .postcode = "LS6 2AB",
       .address = "8 stanley street miami"},
      {.record_id = "2",
       .forename = "kayla",
       .surname = "broun",
       .year = 1959,
       .month = 3,
       .day = 2,
       .postcode = "YO1 7HH",
       .address = "8 stanley setreet miami"},
  };
  EXPECT_THAT(CandidatesOf(people, 1), IsEmpty());
}

// A row is compared only with earlier rows.
TEST(BlockIndexTest, FirstRowHasNoCandidates) {
  const std::vector<Person> people = {
      {.record_id = "1",
       .forename = "michaela",
       .surname = "neumann",
       .postcode = "LS6 2AB",
       .address = "8 stanley street miami"},
      {.record_id = "2",
       .forename = "michaela",
       .surname = "neumann",
       .postcode = "LS6 2AB",
       .address = "8 stanley street miami"},
  };
  EXPECT_THAT(CandidatesOf(people, 0), IsEmpty());
  EXPECT_THAT(CandidatesOf(people, 1), ElementsAre(0));
}

}  // namespace
}  // namespace equilink::linkage
