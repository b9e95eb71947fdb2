#include "server/linkage/cluster/cluster_component.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/linkage/cluster/edge_graph.h"
#include "server/linkage/cluster/scored_edge.h"

namespace equilink::linkage {
namespace {

using ::testing::ElementsAre;

ScoredEdge Edge(Row a, Row b, float probability) {
  return ScoredEdge{
      .a = a, .b = b, .probability = probability, .stage = kStageProbabilistic};
}

uint64_t Key(Row a, Row b) {
  return (static_cast<uint64_t>(std::min(a, b)) << 32) | std::max(a, b);
}

TEST(ClusterComponentTest, LinksEdgesAboveTheThresholdOnly) {
  const std::vector<Row> rows = {0, 1, 2, 3};
  const std::vector<ScoredEdge> edges = {Edge(0, 1, 0.9f), Edge(2, 3, 0.4f)};
  ClusterGuards guards;
  guards.link_threshold = 0.5;
  EXPECT_THAT(ClusterComponent(rows, edges, guards), ElementsAre(0, 0, 2, 3));
}

TEST(ClusterComponentTest, LabelIsTheSmallestRowWhateverTheRowOrder) {
  const std::vector<Row> rows = {9, 4, 7};
  const std::vector<ScoredEdge> edges = {Edge(9, 7, 0.9f)};
  EXPECT_THAT(ClusterComponent(rows, edges, ClusterGuards()),
              ElementsAre(7, 4, 7));
}

TEST(ClusterComponentTest, AverageLinkageGuardRefusesAChain) {
  // a-b and b-c are strong, but a and c clearly differ: c must not join.
  const std::vector<Row> rows = {0, 1, 2};
  const std::vector<ScoredEdge> edges = {Edge(0, 1, 0.95f), Edge(1, 2, 0.9f),
                                         Edge(0, 2, 0.05f)};
  ClusterGuards guards;
  guards.link_threshold = 0.5;
  // Without a callback, the given edges supply the pair probabilities.
  EXPECT_THAT(ClusterComponent(rows, edges, guards), ElementsAre(0, 0, 2));

  // A callback may score pairs that are not edges at all.
  const std::vector<ScoredEdge> chain = {Edge(0, 1, 0.95f), Edge(1, 2, 0.9f)};
  guards.pair_probability = [](Row a, Row b) {
    EXPECT_LT(a, b);
    if (a == 0 && b == 1) return 0.95;
    if (a == 1 && b == 2) return 0.9;
    return 0.05;
  };
  EXPECT_THAT(ClusterComponent(rows, chain, guards), ElementsAre(0, 0, 2));

  // (0.9 + 0.05) / 2 = 0.475: a lower bar lets c in.
  guards.min_average_probability = 0.45;
  EXPECT_THAT(ClusterComponent(rows, chain, guards), ElementsAre(0, 0, 0));
}

TEST(ClusterComponentTest, AverageLinkageGuardJoinsClustersThatAgree) {
  // Two pairs joined by one edge: the mean over the four cross pairs decides.
  const std::vector<Row> rows = {0, 1, 2, 3};
  const std::vector<ScoredEdge> edges = {Edge(0, 1, 0.99f), Edge(2, 3, 0.98f),
                                         Edge(1, 2, 0.9f)};
  ClusterGuards guards;
  absl::flat_hash_map<uint64_t, double> probability = {
      {Key(0, 1), 0.99}, {Key(2, 3), 0.98}, {Key(1, 2), 0.9},
      {Key(0, 2), 0.8},  {Key(0, 3), 0.7},  {Key(1, 3), 0.6}};
  guards.pair_probability = [&](Row a, Row b) {
    return probability.at(Key(a, b));
  };
  // (0.9 + 0.8 + 0.7 + 0.6) / 4 = 0.75.
  guards.min_average_probability = 0.75;
  EXPECT_THAT(ClusterComponent(rows, edges, guards), ElementsAre(0, 0, 0, 0));
  guards.min_average_probability = 0.76;
  EXPECT_THAT(ClusterComponent(rows, edges, guards), ElementsAre(0, 0, 2, 2));
}

TEST(ClusterComponentTest, OneToOneResolvesAConflictByWeight) {
  // Rows 0, 1 from file A; rows 2, 3 from file B. 0 prefers 3 (0.95) over 2
  // (0.9); 1 then takes the 2 that is left even though 1-3 scores higher
  // than 1-2.
  const std::vector<Row> rows = {0, 1, 2, 3};
  const std::vector<ScoredEdge> edges = {Edge(0, 2, 0.9f), Edge(0, 3, 0.95f),
                                         Edge(1, 3, 0.8f), Edge(1, 2, 0.6f)};
  ClusterGuards guards;
  guards.one_record_per_person_sources = {7, 8};
  guards.source_of = [](Row row) { return row < 2 ? 7u : 8u; };
  guards.min_average_probability = 0;  // only the one-to-one rule at work
  EXPECT_THAT(ClusterComponent(rows, edges, guards), ElementsAre(0, 1, 1, 0));
}

TEST(ClusterComponentTest, OneRecordPerPersonSourceAppliesToOneSideOnly) {
  // Row 0 is in the register (source 1); rows 1, 2 are from a VCSE
  // organisation that may hold a child twice; row 3 is another register
  // record.
  const std::vector<Row> rows = {0, 1, 2, 3};
  const std::vector<ScoredEdge> edges = {Edge(0, 1, 0.95f), Edge(1, 2, 0.9f),
                                         Edge(0, 2, 0.9f), Edge(2, 3, 0.99f)};
  ClusterGuards guards;
  guards.one_record_per_person_sources = {1};
  guards.source_of = [](Row row) { return row == 0 || row == 3 ? 1u : 2u; };
  guards.min_average_probability = 0;
  // 2-3 first; 0-1 next; then 1-2 would put registers rows 0 and 3 together.
  EXPECT_THAT(ClusterComponent(rows, edges, guards), ElementsAre(0, 0, 2, 2));
}

TEST(ClusterComponentTest, CannotLinkIsRespectedThroughAChain) {
  const std::vector<Row> rows = {0, 1, 2};
  const std::vector<ScoredEdge> edges = {Edge(0, 1, 0.99f), Edge(1, 2, 0.98f),
                                         Edge(0, 2, 0.97f)};
  ClusterGuards guards;
  guards.cannot_link = [](Row a, Row b) { return a == 0 && b == 2; };
  EXPECT_THAT(ClusterComponent(rows, edges, guards), ElementsAre(0, 0, 2));
}

TEST(ClusterComponentTest, SizeCap) {
  const std::vector<Row> rows = {0, 1, 2, 3};
  const std::vector<ScoredEdge> edges = {Edge(0, 1, 0.99f), Edge(1, 2, 0.98f),
                                         Edge(2, 3, 0.97f), Edge(0, 2, 0.96f),
                                         Edge(0, 3, 0.96f), Edge(1, 3, 0.96f)};
  ClusterGuards guards;
  guards.max_cluster_size = 2;
  EXPECT_THAT(ClusterComponent(rows, edges, guards), ElementsAre(0, 0, 2, 2));
  guards.max_cluster_size = 0;
  EXPECT_THAT(ClusterComponent(rows, edges, guards), ElementsAre(0, 0, 0, 0));
}

TEST(ClusterComponentTest, TiesAreBrokenByStageThenRows) {
  // Row 1 is wanted by 0 and 2 at equal probability in a one-to-one setting:
  // the NHS-token edge wins over the match-key one.
  const std::vector<Row> rows = {0, 1, 2};
  std::vector<ScoredEdge> edges = {
      ScoredEdge{
          .a = 0, .b = 1, .probability = 0.9f, .stage = MatchKeyStage(1)},
      ScoredEdge{.a = 2, .b = 1, .probability = 0.9f, .stage = kStageNhsToken}};
  ClusterGuards guards;
  guards.one_record_per_person_sources = {1};
  guards.source_of = [](Row row) { return row == 1 ? 2u : 1u; };
  EXPECT_THAT(ClusterComponent(rows, edges, guards), ElementsAre(0, 1, 1));
  // Same stage: the smaller rows win.
  edges[1].stage = MatchKeyStage(1);
  EXPECT_THAT(ClusterComponent(rows, edges, guards), ElementsAre(0, 0, 2));
}

// A random graph with ties in probability, cannot-links and pair
// probabilities for pairs that are not edges, to exercise every guard.
struct RandomCase {
  std::vector<Row> rows;
  std::vector<ScoredEdge> edges;
  ClusterGuards guards;
};

double PairProbability(Row a, Row b) {
  // Deterministic, symmetric, roughly half above 0.5.
  const uint64_t h = (Key(a, b) * 0x9E3779B97F4A7C15ULL) >> 40;
  return static_cast<double>(h % 1000) / 1000.0;
}

RandomCase MakeRandomCase(uint32_t seed, Row row_count, int edge_count) {
  std::mt19937 random(seed);
  RandomCase c;
  for (Row r = 0; r < row_count; ++r) c.rows.push_back(r);
  std::uniform_int_distribution<Row> row(0, row_count - 1);
  std::uniform_int_distribution<int> level(0, 20);
  std::uniform_int_distribution<int> stage(0, 5);
  for (int i = 0; i < edge_count; ++i) {
    const Row a = row(random);
    // Mostly local edges, so components stay small and many.
    const Row b = std::min<Row>(row_count - 1, a + 1 + row(random) % 6);
    c.edges.push_back(
        ScoredEdge{.a = a,
                   .b = b,
                   .probability = static_cast<float>(level(random)) / 20.0f,
                   .stage = static_cast<uint8_t>(stage(random))});
  }
  c.guards.link_threshold = 0.5;
  c.guards.cannot_link = [](Row a, Row b) { return (a * 7 + b * 3) % 17 == 0; };
  c.guards.pair_probability = PairProbability;
  c.guards.one_record_per_person_sources = {0};
  c.guards.source_of = [](Row r) { return r % 5 == 0 ? 0u : 1u; };
  c.guards.min_average_probability = 0.45;
  return c;
}

TEST(ClusterComponentTest, ResultDoesNotDependOnEdgeOrRowOrder) {
  RandomCase c = MakeRandomCase(1, 120, 400);
  const std::vector<Row> expected = ClusterComponent(c.rows, c.edges, c.guards);
  // The case is not trivial: some clusters of three or more, some refusals.
  absl::flat_hash_map<Row, int> sizes;
  for (Row label : expected) ++sizes[label];
  int large = 0;
  for (const auto& [label, size] : sizes) large += size >= 3;
  EXPECT_GT(large, 3);

  std::mt19937 random(2);
  for (int round = 0; round < 100; ++round) {
    std::vector<ScoredEdge> edges = c.edges;
    std::shuffle(edges.begin(), edges.end(), random);
    for (ScoredEdge& edge : edges) {
      if (random() % 2) std::swap(edge.a, edge.b);
    }
    std::vector<Row> rows = c.rows;
    std::shuffle(rows.begin(), rows.end(), random);
    const std::vector<Row> labels = ClusterComponent(rows, edges, c.guards);
    for (size_t i = 0; i < rows.size(); ++i) {
      ASSERT_EQ(labels[i], expected[rows[i]]) << "round " << round;
    }
  }
}

TEST(ClusterComponentTest, DuplicateEdgesCountOnceAtTheirStrongest) {
  RandomCase c = MakeRandomCase(3, 80, 250);
  std::vector<ScoredEdge> with_duplicates = c.edges;
  for (const ScoredEdge& edge : c.edges) {
    ScoredEdge weaker = edge;
    weaker.probability = edge.probability * 0.8f;
    weaker.stage = 5;
    with_duplicates.push_back(weaker);
  }
  EXPECT_EQ(ClusterComponent(c.rows, with_duplicates, c.guards),
            ClusterComponent(c.rows, c.edges, c.guards));
}

TEST(ClusterComponentTest, IncrementalInBatchesEqualsOneBatch) {
  RandomCase c = MakeRandomCase(4, 300, 900);
  const std::vector<Row> expected = ClusterComponent(c.rows, c.edges, c.guards);

  std::mt19937 random(5);
  std::vector<ScoredEdge> edges = c.edges;
  std::shuffle(edges.begin(), edges.end(), random);
  EdgeGraph graph(c.guards.link_threshold);
  std::vector<Row> labels(c.rows.begin(), c.rows.end());  // all singletons
  const size_t batch = (edges.size() + 9) / 10;
  for (size_t start = 0; start < edges.size(); start += batch) {
    const std::span<const ScoredEdge> part =
        std::span<const ScoredEdge>(edges).subspan(
            start, std::min(batch, edges.size() - start));
    graph.AddEdges(part);
    std::vector<Row> touched;
    for (const ScoredEdge& edge : part) {
      touched.push_back(edge.a);
      touched.push_back(edge.b);
    }
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    ReclusterAround(graph, touched, c.guards, &labels);
  }
  EXPECT_EQ(labels, expected);
}

TEST(ClusterComponentTest, RemovingARowReclustersAsIfItsEdgesWereNeverThere) {
  RandomCase c = MakeRandomCase(6, 100, 300);
  EdgeGraph graph(c.guards.link_threshold);
  graph.AddEdges(c.edges);
  std::vector<Row> labels;
  ReclusterAround(graph, c.rows, c.guards, &labels);

  // Remove the row with the most links.
  absl::flat_hash_map<Row, int> degree;
  for (const ScoredEdge& edge : graph.EdgesWithin(c.rows)) {
    ++degree[edge.a];
    ++degree[edge.b];
  }
  Row hub = 0;
  for (Row r : c.rows) {
    if (degree[r] > degree[hub]) hub = r;
  }
  std::vector<Row> touched = graph.RemoveRow(hub);
  EXPECT_FALSE(touched.empty());
  touched.push_back(hub);
  ReclusterAround(graph, touched, c.guards, &labels);

  std::vector<ScoredEdge> without;
  for (const ScoredEdge& edge : c.edges) {
    if (edge.a != hub && edge.b != hub) without.push_back(edge);
  }
  EXPECT_EQ(labels, ClusterComponent(c.rows, without, c.guards));
  EXPECT_EQ(labels[hub], hub);
}

}  // namespace
}  // namespace equilink::linkage
