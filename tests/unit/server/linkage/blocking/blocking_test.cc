#include "server/linkage/blocking.h"

#include <cstdint>
#include <string>
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

// A population with crowded blocks (few names, dates and postcodes), some
// checked NHS numbers, and blocks past the size cap.
std::vector<Person> CrowdedPeople(int count) {
  const char* forenames[] = {"amelia", "oliver", "grace", "zara", "jack"};
  const char* surnames[] = {"khan", "jones", "okafor", "smith"};
  const char* postcodes[] = {"B11 1AA", "LS6 2AB", "M14 5TQ"};
  const char* nhs_numbers[] = {"9990000018", "9990000026", ""};
  std::vector<Person> people;
  for (int i = 0; i < count; ++i) {
    people.push_back({.record_id = std::to_string(i),
                      .forename = forenames[i % 5],
                      .surname = surnames[(i / 5) % 4],
                      .year = 2010 + i % 3,
                      .month = 1 + (i / 7) % 2,
                      .day = 1 + (i / 11) % 2,
                      .postcode = postcodes[i % 3],
                      .address = std::to_string(i % 17) + " stanley street",
                      .nhs_number = nhs_numbers[(i / 3) % 3]});
  }
  return people;
}

// The index is kept in segments that merge as rows arrive; a row's
// candidates must not depend on how the rows were batched (the same as
// linking a file in ten batches or in one), with block caps applied to the
// members before the row.
TEST(BlockIndexTest, CandidatesDoNotDependOnBatching) {
  const std::vector<Person> people = CrowdedPeople(240);
  FeatureTable table;
  for (size_t i = 0; i < people.size(); ++i) {
    ASSERT_TRUE(
        table.Add(MakeRecord(people[i]), static_cast<int64_t>(i), "org").ok());
  }
  BlockingOptions options;
  options.max_block_size = 30;
  options.max_lsh_block_size = 20;
  auto candidates_when_added_in = [&](const std::vector<size_t>& batches) {
    BlockIndex index{options};
    std::vector<uint64_t> keys(static_cast<size_t>(index.KeysPerRow()));
    Row row = 0;
    for (size_t batch_rows : batches) {
      BlockIndex::Batch batch = index.StartBatch();
      for (size_t i = 0; i < batch_rows; ++i, ++row) {
        index.KeysOf(table, row, keys.data());
        batch.Add(table, row, keys.data());
      }
      index.Commit(std::move(batch));
    }
    EXPECT_EQ(index.size(), table.size());
    std::vector<std::vector<Row>> all(table.size());
    BlockingStats stats;
    for (Row r = 0; r < table.size(); ++r) {
      index.Candidates(table, r, &all[r], &stats);
    }
    return all;
  };
  const std::vector<std::vector<Row>> at_once = candidates_when_added_in({240});
  // Some rows must have been cut by the caps and some not, or the test
  // shows nothing.
  size_t empty = 0;
  size_t large = 0;
  for (const auto& c : at_once) {
    empty += c.empty();
    large += c.size() >= 25;
  }
  EXPECT_GT(large, 10u);
  EXPECT_LT(empty, 10u);
  EXPECT_EQ(candidates_when_added_in(std::vector<size_t>(240, 1)), at_once);
  EXPECT_EQ(candidates_when_added_in({100, 7, 7, 50, 1, 75}), at_once);
  EXPECT_EQ(candidates_when_added_in({3, 200, 37}), at_once);
}

}  // namespace
}  // namespace equilink::linkage
