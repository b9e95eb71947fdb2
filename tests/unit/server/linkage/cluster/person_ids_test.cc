#include "server/linkage/cluster/person_ids.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace equilink::linkage {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

PersonEvent Created(PersonId id) {
  return PersonEvent{
      .kind = PersonEventKind::kCreated, .person_id = id, .others = {}};
}
PersonEvent Merged(PersonId into, std::vector<PersonId> from) {
  return PersonEvent{
      .kind = PersonEventKind::kMerged, .person_id = into, .others = from};
}
PersonEvent Split(PersonId from, std::vector<PersonId> into) {
  return PersonEvent{
      .kind = PersonEventKind::kSplit, .person_id = from, .others = into};
}
PersonEvent Retired(PersonId id) {
  return PersonEvent{
      .kind = PersonEventKind::kRetired, .person_id = id, .others = {}};
}

class PersonIdsTest : public ::testing::Test {
 protected:
  PersonIdAssignment Assign(const std::vector<PersonId>& previous,
                            const std::vector<Row>& labels) {
    std::vector<Row> rows;
    for (Row r = 0; r < labels.size(); ++r) rows.push_back(r);
    return AssignPersonIds(rows, previous, labels,
                           [this] { return next_id_++; });
  }

  PersonId next_id_ = 100;
};

TEST_F(PersonIdsTest, NewClustersGetFreshIdsInLabelOrder) {
  const PersonIdAssignment result = Assign({0, 0, 0}, {2, 0, 0});
  EXPECT_THAT(result.person_ids, ElementsAre(101, 100, 100));
  EXPECT_THAT(result.events, ElementsAre(Created(100), Created(101)));
}

TEST_F(PersonIdsTest, TheSameClusteringKeepsIdsWithoutEvents) {
  const PersonIdAssignment first = Assign({0, 0, 0, 0}, {0, 1, 0, 1});
  const PersonIdAssignment again = Assign(first.person_ids, {0, 1, 0, 1});
  EXPECT_EQ(again.person_ids, first.person_ids);
  EXPECT_THAT(again.events, IsEmpty());
  EXPECT_EQ(next_id_, 102u);  // nothing allocated the second time
}

TEST_F(PersonIdsTest, NewRecordsJoiningAPersonChangeNothing) {
  const PersonIdAssignment result = Assign({7, 0, 7, 0}, {0, 0, 0, 3});
  EXPECT_THAT(result.person_ids, ElementsAre(7, 7, 7, 100));
  EXPECT_THAT(result.events, ElementsAre(Created(100)));
}

TEST_F(PersonIdsTest, MergeKeepsTheLargerPersonsId) {
  const PersonIdAssignment result = Assign({2, 2, 1, 1, 1}, {0, 0, 0, 0, 0});
  EXPECT_THAT(result.person_ids, ElementsAre(1, 1, 1, 1, 1));
  EXPECT_THAT(result.events, ElementsAre(Merged(1, {2}), Retired(2)));
}

TEST_F(PersonIdsTest, MergeOfEqualSizesKeepsTheSmallerId) {
  const PersonIdAssignment result = Assign({5, 5, 3, 3}, {0, 0, 0, 0});
  EXPECT_THAT(result.person_ids, ElementsAre(3, 3, 3, 3));
  EXPECT_THAT(result.events, ElementsAre(Merged(3, {5}), Retired(5)));
}

TEST_F(PersonIdsTest, SplitKeepsTheIdOnTheLargerPart) {
  const PersonIdAssignment result = Assign({1, 1, 1, 1, 1}, {0, 0, 2, 2, 2});
  EXPECT_THAT(result.person_ids, ElementsAre(100, 100, 1, 1, 1));
  EXPECT_THAT(result.events, ElementsAre(Created(100), Split(1, {100})));
}

TEST_F(PersonIdsTest, AnIdContestedEquallyGoesToTheSmallerLabel) {
  const PersonIdAssignment result = Assign({1, 1, 1, 1}, {3, 3, 0, 0});
  EXPECT_THAT(result.person_ids, ElementsAre(100, 100, 1, 1));
}

TEST_F(PersonIdsTest, LargestOverlapClaimsFirstAndOthersFallBack) {
  // Cluster 0 holds 3 rows of person 1 and 1 of person 2; cluster 4 holds 4
  // rows of person 1. Cluster 4 has the larger overlap with 1 and takes it;
  // cluster 0 keeps 2, which absorbed 3 of 1's rows.
  const PersonIdAssignment result =
      Assign({1, 1, 1, 2, 1, 1, 1, 1}, {0, 0, 0, 0, 4, 4, 4, 4});
  EXPECT_THAT(result.person_ids, ElementsAre(2, 2, 2, 2, 1, 1, 1, 1));
  EXPECT_THAT(result.events, ElementsAre(Merged(2, {1}), Split(1, {2})));
}

TEST_F(PersonIdsTest, ASplitIntoPartsThatEachMergeElsewhereRetiresTheId) {
  // Person 3 (rows 2, 3) is split between persons 1 and 2, each larger.
  const PersonIdAssignment result =
      Assign({1, 1, 3, 3, 2, 2}, {0, 0, 0, 4, 4, 4});
  EXPECT_THAT(result.person_ids, ElementsAre(1, 1, 1, 2, 2, 2));
  EXPECT_THAT(result.events, ElementsAre(Merged(1, {3}), Merged(2, {3}),
                                         Split(3, {1, 2}), Retired(3)));
}

TEST_F(PersonIdsTest, IsDeterministicUnderRowOrder) {
  const std::vector<PersonId> previous = {1, 1, 2, 2, 2, 0, 3};
  const std::vector<Row> labels = {0, 0, 0, 3, 3, 5, 0};
  const PersonIdAssignment forward = Assign(previous, labels);
  std::vector<Row> rows = {6, 5, 4, 3, 2, 1, 0};
  std::vector<PersonId> reversed_previous(previous.rbegin(), previous.rend());
  std::vector<Row> reversed_labels(labels.rbegin(), labels.rend());
  next_id_ = 100;
  const PersonIdAssignment backward = AssignPersonIds(
      rows, reversed_previous, reversed_labels, [this] { return next_id_++; });
  std::vector<PersonId> ids(backward.person_ids.rbegin(),
                            backward.person_ids.rend());
  EXPECT_EQ(ids, forward.person_ids);
  EXPECT_EQ(backward.events, forward.events);
}

}  // namespace
}  // namespace equilink::linkage
