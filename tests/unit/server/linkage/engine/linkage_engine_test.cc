#include "server/linkage/linkage_engine.h"

#include <atomic>
#include <map>
#include <random>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/server/linkage/engine/linkage_test_records.h"

namespace equilink::linkage {
namespace {

using testing::MakeRecord;
using testing::Person;

LinkageOptions FixedOptions() {
  LinkageOptions options;
  // Term frequencies change as records arrive; the order-independence tests
  // need a scorer that does not.
  options.model_settings.set_term_frequency_adjustment(false);
  options.threads = 2;
  options.keep_scored_pairs = true;
  return options;
}

// Rows grouped by cluster: {{0, 2}, {1}}; comparable across engines.
std::set<std::set<int64_t>> Partition(const LinkageEngine& engine) {
  std::map<Row, std::set<int64_t>> clusters;
  for (Row row = 0; row < engine.features().size(); ++row) {
    if (engine.retired(row)) continue;
    clusters[engine.labels()[row]].insert(engine.features().record_id(row));
  }
  std::set<std::set<int64_t>> out;
  for (auto& [label, members] : clusters) out.insert(members);
  return out;
}

bool SameCluster(const LinkageEngine& engine, Row a, Row b) {
  return engine.labels()[a] == engine.labels()[b];
}

TEST(LinkageEngineTest, NhsNumberTokenLinksDespiteDifferentNames) {
  LinkageEngine engine(FixedOptions());
  const Row a = *engine.AddRecord(MakeRecord({.record_id = "1",
                                              .forename = "Amelia",
                                              .surname = "Jones",
                                              .nhs_number = "9434765919"}),
                                  1, "8AB12");
  const Row b = *engine.AddRecord(MakeRecord({.record_id = "2",
                                              .forename = "Millie",
                                              .surname = "Evans",
                                              .year = 2013,
                                              .nhs_number = "943 476 5919"}),
                                  2, "8CD34");
  const absl::StatusOr<LinkRun> run = engine.LinkPending();
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_TRUE(SameCluster(engine, a, b));
  EXPECT_EQ(run->deterministic_links, 1u);
  ASSERT_EQ(engine.scored_pairs().size(), 1u);
  EXPECT_EQ(engine.scored_pairs()[0].stage, kStageNhsToken);
}

// A relink at gateway shutdown is stopped through LinkageOptions::cancel:
// the run ends with CancelledError and nothing of it reaches the graph.
TEST(LinkageEngineTest, CancelledRunAddsNoEdgeAndSaysSo) {
  std::atomic<bool> cancel{false};
  LinkageOptions options = FixedOptions();
  options.cancel = &cancel;
  LinkageEngine engine(options);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(engine
                    .AddRecord(MakeRecord({.record_id = std::to_string(i),
                                           .forename = "Amelia",
                                           .surname = "Jones",
                                           .nhs_number = "9434765919"}),
                               i, "8AB12")
                    .ok());
  }
  cancel.store(true);
  EXPECT_TRUE(absl::IsCancelled(engine.EstimateModel()));
  const absl::StatusOr<LinkRun> run = engine.LinkPending();
  EXPECT_TRUE(absl::IsCancelled(run.status())) << run.status();
  EXPECT_TRUE(engine.EdgesWithin(std::vector<Row>{0, 1}).empty());
  EXPECT_EQ(engine.linked_rows(), 0u);
}

TEST(LinkageEngineTest, MatchKeyCascadeLinksWithoutNhsNumber) {
  LinkageEngine engine(FixedOptions());
  const Person child{.record_id = "1",
                     .forename = "Oliver",
                     .surname = "Khan",
                     .year = 2011,
                     .month = 5,
                     .day = 9,
                     .postcode = "B12 9QL"};
  Person same = child;
  same.record_id = "2";
  same.postcode = "B5 7RN";  // moved: key 1 has no postcode
  const Row a = *engine.AddRecord(MakeRecord(child), 1, "8AB12");
  const Row b = *engine.AddRecord(MakeRecord(same, "8CD34"), 2, "8CD34");
  ASSERT_TRUE(engine.LinkPending().ok());
  EXPECT_TRUE(SameCluster(engine, a, b));
  EXPECT_EQ(engine.scored_pairs()[0].stage, MatchKeyStage(1));
}

TEST(LinkageEngineTest, ProbabilisticStageLinksATypoAndNotAStranger) {
  LinkageEngine engine(FixedOptions());
  const Row a = *engine.AddRecord(MakeRecord({.record_id = "1",
                                              .forename = "Isabella",
                                              .surname = "Richardson",
                                              .year = 2010,
                                              .month = 3,
                                              .day = 14,
                                              .sex = "2",
                                              .postcode = "B15 2TT",
                                              .address = "12 Church Road"}),
                                  1, "8AB12");
  const Row typo = *engine.AddRecord(MakeRecord({.record_id = "2",
                                                 .forename = "Isabela",
                                                 .surname = "Richardsen",
                                                 .year = 2010,
                                                 .month = 3,
                                                 .day = 14,
                                                 .sex = "2",
                                                 .postcode = "B15 2TT",
                                                 .address = "12 Church Rd"},
                                                "8CD34"),
                                     2, "8CD34");
  const Row stranger =
      *engine.AddRecord(MakeRecord({.record_id = "3",
                                    .forename = "Mohammed",
                                    .surname = "Hussain",
                                    .year = 2010,
                                    .month = 3,
                                    .day = 14,
                                    .sex = "1",
                                    .postcode = "B8 1AA",
                                    .address = "4 Alum Rock Road"},
                                   "8EF56"),
                        3, "8EF56");
  ASSERT_TRUE(engine.LinkPending().ok());
  EXPECT_TRUE(SameCluster(engine, a, typo));
  EXPECT_FALSE(SameCluster(engine, a, stranger));
  for (const ScoredPair& pair : engine.scored_pairs()) {
    if (pair.b == typo) {
      EXPECT_EQ(pair.stage, kStageProbabilistic);
      EXPECT_GE(pair.probability, engine.link_threshold());
    }
  }
}

TEST(LinkageEngineTest, TwinsWithDifferentNhsNumbersStayApart) {
  LinkageEngine engine(FixedOptions());
  // Same surname, date of birth, address and initial: match key 2 agrees.
  const Row jack = *engine.AddRecord(MakeRecord({.record_id = "1",
                                                 .forename = "Jack",
                                                 .surname = "Patel",
                                                 .year = 2014,
                                                 .month = 6,
                                                 .day = 2,
                                                 .postcode = "B13 8JP",
                                                 .address = "7 Elm Grove",
                                                 .nhs_number = "9434765919"}),
                                     1, "8AB12");
  const Row james = *engine.AddRecord(MakeRecord({.record_id = "2",
                                                  .forename = "James",
                                                  .surname = "Patel",
                                                  .year = 2014,
                                                  .month = 6,
                                                  .day = 2,
                                                  .postcode = "B13 8JP",
                                                  .address = "7 Elm Grove",
                                                  .nhs_number = "4010232137"},
                                                 "8CD34"),
                                      2, "8CD34");
  ASSERT_TRUE(engine.LinkPending().ok());
  EXPECT_FALSE(SameCluster(engine, jack, james));
}

TEST(LinkageEngineTest, OneRecordPerPersonSourceIsNeverDoubled) {
  LinkageOptions options = FixedOptions();
  options.one_record_per_person_sources = {"ICS"};
  LinkageEngine engine(options);
  const Person person{.record_id = "1",
                      .forename = "Grace",
                      .surname = "Okafor",
                      .year = 2009,
                      .month = 8,
                      .day = 1,
                      .sex = "2",
                      .postcode = "B23 5TX"};
  Person register_copy = person;
  register_copy.record_id = "2";
  Person vcse = person;
  vcse.record_id = "3";
  const Row r1 = *engine.AddRecord(MakeRecord(person, "ICS"), 1, "ICS");
  const Row r2 = *engine.AddRecord(MakeRecord(register_copy, "ICS"), 2, "ICS");
  const Row v = *engine.AddRecord(MakeRecord(vcse, "8AB12"), 3, "8AB12");
  ASSERT_TRUE(engine.LinkPending().ok());
  EXPECT_FALSE(SameCluster(engine, r1, r2));
  EXPECT_TRUE(SameCluster(engine, r1, v) || SameCluster(engine, r2, v));
}

// A small population with variants of each person, deterministic.
std::vector<std::pair<v1::PseudonymisedRecord, std::string>> Population(
    int people) {
  const char* forenames[] = {"Amelia", "Oliver", "Aisha",  "Mohammed",
                             "Grace",  "Jack",   "Zainab", "Harry",
                             "Ava",    "Yusuf",  "Isla",   "Leo"};
  const char* surnames[] = {"Smith", "Khan",   "Jones",   "Ahmed",  "Williams",
                            "Begum", "Brown",  "Hussain", "Taylor", "Ali",
                            "Evans", "Okafor", "Patel",   "Wilson"};
  std::mt19937 random(7);
  std::vector<std::pair<v1::PseudonymisedRecord, std::string>> records;
  for (int p = 0; p < people; ++p) {
    Person person{.record_id = "",
                  .forename = forenames[random() % 12],
                  .surname = surnames[random() % 14],
                  .year = 2005 + static_cast<int>(random() % 15),
                  .month = 1 + static_cast<int>(random() % 12),
                  .day = 1 + static_cast<int>(random() % 28),
                  .sex = random() % 2 ? "1" : "2",
                  .postcode = absl::StrFormat("B%d %dAB", 1 + random() % 40,
                                              random() % 10),
                  .address = absl::StrFormat("%d High Street", random() % 90)};
    const int copies = 1 + static_cast<int>(random() % 3);
    for (int c = 0; c < copies; ++c) {
      Person copy = person;
      copy.record_id = absl::StrCat(p, "-", c);
      if (c == 1) copy.surname += "e";        // a typo
      if (c == 2) copy.postcode = "B99 9ZZ";  // a move
      const std::string org = absl::StrCat("ORG", c);
      records.emplace_back(MakeRecord(copy, org), org);
    }
  }
  return records;
}

TEST(LinkageEngineTest, TenBatchesGiveTheClustersOfOneBatch) {
  const auto records = Population(300);
  LinkageEngine whole(FixedOptions());
  for (size_t i = 0; i < records.size(); ++i) {
    ASSERT_TRUE(whole
                    .AddRecord(records[i].first, static_cast<int64_t>(i) + 1,
                               records[i].second)
                    .ok());
  }
  ASSERT_TRUE(whole.LinkPending().ok());

  LinkageEngine batched(FixedOptions());
  const size_t batch = (records.size() + 9) / 10;
  for (size_t start = 0; start < records.size(); start += batch) {
    for (size_t i = start; i < std::min(records.size(), start + batch); ++i) {
      ASSERT_TRUE(batched
                      .AddRecord(records[i].first, static_cast<int64_t>(i) + 1,
                                 records[i].second)
                      .ok());
    }
    ASSERT_TRUE(batched.LinkPending().ok());
  }
  EXPECT_EQ(Partition(batched), Partition(whole));
  // And the linkage did something: most people's variants are together.
  EXPECT_LT(Partition(whole).size(), records.size() * 3 / 4);
}

TEST(LinkageEngineTest, RetiringARecordSplitsWhatItHeldTogether) {
  LinkageEngine engine(FixedOptions());
  const Row a = *engine.AddRecord(MakeRecord({.record_id = "1",
                                              .forename = "Leo",
                                              .surname = "Brown",
                                              .nhs_number = "9434765919"}),
                                  1, "8AB12");
  const Row b = *engine.AddRecord(MakeRecord({.record_id = "2",
                                              .forename = "Leo",
                                              .surname = "Brown",
                                              .nhs_number = "9434765919"},
                                             "8CD34"),
                                  2, "8CD34");
  ASSERT_TRUE(engine.LinkPending().ok());
  ASSERT_TRUE(SameCluster(engine, a, b));
  const LinkRun run = engine.Retire(a);
  EXPECT_TRUE(engine.retired(a));
  EXPECT_EQ(engine.labels()[b], b);
  EXPECT_THAT(run.reclustered_rows, ::testing::Contains(b));
}

TEST(LinkageEngineTest, EmEstimatesAModelThatStillLinks) {
  const auto records = Population(400);
  LinkageOptions options = FixedOptions();
  LinkageEngine engine(options);
  for (size_t i = 0; i < records.size(); ++i) {
    ASSERT_TRUE(engine
                    .AddRecord(records[i].first, static_cast<int64_t>(i) + 1,
                               records[i].second)
                    .ok());
  }
  ASSERT_TRUE(engine.EstimateModel().ok());
  EXPECT_GT(engine.model().em.iterations, 0);
  EXPECT_GT(engine.model().lambda, 0.0);
  EXPECT_LT(engine.model().lambda, 1.0);
  ASSERT_TRUE(engine.LinkPending().ok());
  EXPECT_LT(Partition(engine).size(), records.size() * 3 / 4);
}

TEST(LinkageEngineTest, UFromRandomPairsWeighsAgreementOverAllPairs) {
  const auto records = Population(400);
  auto estimate = [&](bool random_u) {
    LinkageOptions options = FixedOptions();
    options.u_from_random_pairs = random_u;
    auto engine = std::make_unique<LinkageEngine>(options);
    for (size_t i = 0; i < records.size(); ++i) {
      EXPECT_TRUE(engine
                      ->AddRecord(records[i].first, static_cast<int64_t>(i) + 1,
                                  records[i].second)
                      .ok());
    }
    EXPECT_TRUE(engine->EstimateModel().ok());
    return engine;
  };
  const auto candidates_only = estimate(false);
  const auto random = estimate(true);
  EXPECT_EQ(candidates_only->model().em.random_pairs, 0u);
  EXPECT_GE(random->model().em.random_pairs, 20000u);
  // Blocking proposes pairs that share a surname, so among candidates an
  // exact surname is common. Among all pairs: one of 14 surnames, and about
  // a third of the records carry the typo, so 1/14 * (1/9 + 4/9) = 0.04.
  const double candidate_u =
      candidates_only->model().comparison(ComparisonId::kSurname).u[0];
  const double random_u =
      random->model().comparison(ComparisonId::kSurname).u[0];
  EXPECT_LT(random_u, candidate_u);
  EXPECT_NEAR(random_u, 0.04, 0.01);
  // The prior is per linkable pair now, not per candidate pair.
  EXPECT_LT(random->model().lambda, candidates_only->model().lambda);
  // m is EM's in both.
  EXPECT_EQ(random->model().comparison(ComparisonId::kSurname).m,
            candidates_only->model().comparison(ComparisonId::kSurname).m);
  ASSERT_TRUE(random->LinkPending().ok());
  EXPECT_LT(Partition(*random).size(), records.size() * 3 / 4);
}

TEST(LinkageEngineTest, TooFewRowsKeepEmsOwnU) {
  const auto records = Population(30);
  LinkageEngine engine(FixedOptions());
  for (size_t i = 0; i < records.size(); ++i) {
    ASSERT_TRUE(engine
                    .AddRecord(records[i].first, static_cast<int64_t>(i) + 1,
                               records[i].second)
                    .ok());
  }
  ASSERT_TRUE(engine.EstimateModel().ok());
  EXPECT_EQ(engine.model().em.random_pairs, 0u);
}

// Two registers that each hold a person once, every person in both, with a
// typo in every B record; and one person whose B record has both names and
// the date of birth wrong, with only the address and postcode right.
struct TwoRegisters {
  std::vector<std::pair<v1::PseudonymisedRecord, std::string>> records;
  size_t hard_a = 0;  // index of the hard pair's A record
  size_t hard_b = 0;
};

TwoRegisters MakeTwoRegisters(int people) {
  const char* syllables[] = {"ka",  "ro", "mi",  "del", "an", "tu",  "vel",
                             "sor", "ni", "bra", "lo",  "ze", "fin", "ha"};
  std::mt19937 random(11);
  auto word = [&](int parts) {
    std::string w;
    for (int i = 0; i < parts; ++i) w += syllables[random() % 14];
    w[0] = static_cast<char>(w[0] - 'a' + 'A');
    return w;
  };
  TwoRegisters out;
  std::vector<Person> a;
  std::vector<Person> b;
  for (int p = 0; p < people; ++p) {
    Person person{
        .record_id = absl::StrCat("a", p),
        .forename = word(3),
        .surname = word(3),
        .year = 2005 + static_cast<int>(random() % 15),
        .month = 1 + static_cast<int>(random() % 12),
        .day = 1 + static_cast<int>(random() % 28),
        .sex = random() % 2 ? "1" : "2",
        .postcode = absl::StrFormat(
            "B%d %d%c%c", 1 + random() % 40, random() % 10,
            'A' + static_cast<char>(p % 26), 'A' + static_cast<char>(p / 26)),
        .address = absl::StrFormat("%d %s Road", 1 + random() % 90, word(2))};
    Person copy = person;
    copy.record_id = absl::StrCat("b", p);
    // What registers get wrong, each now and then: a typo in a name, a name
    // recorded differently (a nickname, a new surname), another date.
    if (random() % 4 == 0) copy.forename += "n";
    if (random() % 4 == 0) copy.surname += "e";
    if (random() % 10 == 0) copy.forename = word(2);
    if (random() % 10 == 0) copy.surname = word(2);
    if (random() % 10 == 0) copy.day = copy.day % 28 + 1;
    if (random() % 10 == 0) copy.address = "Flat " + copy.address;
    if (p == people / 2) {
      copy.forename = "Quentin";
      copy.surname = "Wolfgramm";
      copy.year = person.year == 2019 ? 2005 : person.year + 1;
      copy.month = person.month % 12 + 1;
      copy.address = person.address;
    }
    a.push_back(person);
    b.push_back(copy);
  }
  for (const Person& person : a)
    out.records.emplace_back(MakeRecord(person, "A"), "A");
  for (const Person& person : b)
    out.records.emplace_back(MakeRecord(person, "B"), "B");
  out.hard_a = static_cast<size_t>(people / 2);
  out.hard_b = static_cast<size_t>(people + people / 2);
  return out;
}

TEST(LinkageEngineTest, OneToOnePriorLinksARegistersOnlyPlausiblePartner) {
  const TwoRegisters registers = MakeTwoRegisters(300);
  auto link = [&](bool one_to_one_prior) {
    LinkageOptions options = FixedOptions();
    options.one_record_per_person_sources = {"A", "B"};
    options.model_settings.set_one_to_one_prior(one_to_one_prior);
    auto engine = std::make_unique<LinkageEngine>(options);
    for (size_t i = 0; i < registers.records.size(); ++i) {
      EXPECT_TRUE(engine
                      ->AddRecord(registers.records[i].first,
                                  static_cast<int64_t>(i) + 1,
                                  registers.records[i].second)
                      .ok());
    }
    EXPECT_TRUE(engine->EstimateModel().ok());
    EXPECT_TRUE(engine->LinkPending().ok());
    return engine;
  };
  const auto per_pair = link(false);
  const auto per_record = link(true);
  // Candidates here are mostly matches: EM started from their own level
  // frequencies flips, and the engine starts it again from random pairs.
  for (const auto* engine : {per_pair.get(), per_record.get()}) {
    const ComparisonParameters& forename =
        engine->model().comparison(ComparisonId::kForename);
    EXPECT_GT(forename.m[0], 0.5);
    EXPECT_LT(forename.u[0], 0.01);
  }
  EXPECT_TRUE(per_pair->model().source_pair_priors.empty());
  ASSERT_EQ(per_record->model().source_pair_priors.size(), 1u);
  const SourcePairPrior& prior = per_record->model().source_pair_priors[0];
  EXPECT_EQ(prior.source_a, "A");
  EXPECT_EQ(prior.source_b, "B");
  EXPECT_EQ(prior.records_a, 300u);
  EXPECT_EQ(prior.records_b, 300u);
  // Every person but the hard one is found with certainty.
  EXPECT_NEAR(prior.matches, 299, 1.0);
  EXPECT_GT(prior.log2_prior_odds, per_record->model().PriorLog2Odds() + 4);
  const Row hard_a = static_cast<Row>(registers.hard_a);
  const Row hard_b = static_cast<Row>(registers.hard_b);
  EXPECT_FALSE(SameCluster(*per_pair, hard_a, hard_b))
      << per_pair->PairProbability(hard_a, hard_b);
  EXPECT_TRUE(SameCluster(*per_record, hard_a, hard_b))
      << per_record->PairProbability(hard_a, hard_b);
  // Nobody else changes: the rest were pairs already, one to one.
  EXPECT_EQ(Partition(*per_record).size(), 300u);
  EXPECT_EQ(Partition(*per_pair).size(), 301u);
  // Half of B gone: most of A has no partner, and the prior stays close to
  // lambda.
  TwoRegisters half = registers;
  half.records.resize(300 + 150);
  LinkageOptions options = FixedOptions();
  options.one_record_per_person_sources = {"A", "B"};
  LinkageEngine engine(options);
  for (size_t i = 0; i < half.records.size(); ++i) {
    ASSERT_TRUE(engine
                    .AddRecord(half.records[i].first,
                               static_cast<int64_t>(i) + 1,
                               half.records[i].second)
                    .ok());
  }
  ASSERT_TRUE(engine.EstimateModel().ok());
  ASSERT_EQ(engine.model().source_pair_priors.size(), 1u);
  EXPECT_LT(engine.model().source_pair_priors[0].log2_prior_odds,
            engine.model().PriorLog2Odds() + 1.5);
}

}  // namespace
}  // namespace equilink::linkage
