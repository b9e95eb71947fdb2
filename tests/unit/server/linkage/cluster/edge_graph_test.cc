#include "server/linkage/cluster/edge_graph.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace equilink::linkage {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

ScoredEdge Edge(Row a, Row b, float probability, uint8_t stage = 0) {
  return ScoredEdge{.a = a, .b = b, .probability = probability, .stage = stage};
}

MATCHER_P4(IsEdge, a, b, probability, stage, "") {
  return arg.a == static_cast<Row>(a) && arg.b == static_cast<Row>(b) &&
         arg.probability == probability && arg.stage == stage;
}

TEST(EdgeGraphTest, KeepsEdgesAtOrAboveTheThreshold) {
  EdgeGraph graph(0.5);
  const std::vector<ScoredEdge> edges = {Edge(0, 1, 0.5f), Edge(1, 2, 0.49f),
                                         Edge(3, 3, 0.9f)};
  graph.AddEdges(edges);
  EXPECT_EQ(graph.edge_count(), 1u);
  EXPECT_EQ(graph.linked_row_count(), 2u);
  const std::vector<Row> rows = {0, 1, 2, 3};
  EXPECT_THAT(graph.EdgesWithin(rows), ElementsAre(IsEdge(0, 1, 0.5f, 0)));
}

TEST(EdgeGraphTest, KeepsTheStrongestEdgeOfAPairWhateverTheOrder) {
  const std::vector<ScoredEdge> weaker_first = {
      Edge(2, 1, 0.7f, 0), Edge(1, 2, 0.9f, 3), Edge(1, 2, 0.9f, 1)};
  const std::vector<ScoredEdge> stronger_first = {
      Edge(1, 2, 0.9f, 1), Edge(2, 1, 0.9f, 3), Edge(1, 2, 0.7f, 0)};
  for (const auto& edges : {weaker_first, stronger_first}) {
    EdgeGraph graph(0.5);
    graph.AddEdges(edges);
    EXPECT_EQ(graph.edge_count(), 1u);
    const std::vector<Row> rows = {2, 1};
    EXPECT_THAT(graph.EdgesWithin(rows), ElementsAre(IsEdge(1, 2, 0.9f, 1)));
  }
}

TEST(EdgeGraphTest, ComponentOfFollowsEdgesTransitively) {
  EdgeGraph graph(0.5);
  const std::vector<ScoredEdge> edges = {Edge(0, 1, 0.9f), Edge(1, 5, 0.9f),
                                         Edge(5, 6, 0.9f), Edge(2, 3, 0.9f)};
  graph.AddEdges(edges);
  const std::vector<Row> seed = {6};
  EXPECT_THAT(graph.ComponentOf(seed), ElementsAre(0, 1, 5, 6));
  const std::vector<Row> seeds = {3, 9, 0};
  EXPECT_THAT(graph.ComponentOf(seeds), ElementsAre(0, 1, 2, 3, 5, 6, 9));
  const std::vector<Row> part = {0, 1, 6};
  EXPECT_THAT(graph.EdgesWithin(part), ElementsAre(IsEdge(0, 1, 0.9f, 0)));
}

TEST(EdgeGraphTest, RemoveRowDropsItsEdgesAndReturnsItsNeighbours) {
  EdgeGraph graph(0.5);
  const std::vector<ScoredEdge> edges = {Edge(0, 1, 0.9f), Edge(1, 2, 0.9f),
                                         Edge(4, 1, 0.9f), Edge(2, 3, 0.9f)};
  graph.AddEdges(edges);
  EXPECT_THAT(graph.RemoveRow(1), ElementsAre(0, 2, 4));
  EXPECT_EQ(graph.edge_count(), 1u);
  EXPECT_EQ(graph.linked_row_count(), 2u);  // rows 0 and 4 have none left
  const std::vector<Row> seed = {0};
  EXPECT_THAT(graph.ComponentOf(seed), ElementsAre(0));
  EXPECT_THAT(graph.RemoveRow(1), IsEmpty());
}

TEST(EdgeGraphTest, ReclusterAroundGrowsLabelsForNewRows) {
  EdgeGraph graph(0.5);
  std::vector<Row> labels = {0, 1};
  const std::vector<ScoredEdge> edges = {Edge(1, 4, 0.9f)};
  graph.AddEdges(edges);
  const std::vector<Row> touched = {4};
  EXPECT_THAT(ReclusterAround(graph, touched, ClusterGuards(), &labels),
              ElementsAre(1, 4));
  EXPECT_THAT(labels, ElementsAre(0, 1, 2, 3, 1));
}

}  // namespace
}  // namespace equilink::linkage
