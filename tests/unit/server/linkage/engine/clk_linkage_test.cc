// Linking records that carry nothing but a clkhash CLK (BLOOM_RECORD_CLK) and
// a record pseudonym, as a VCSE sends when it encodes with a shared clkhash
// schema: CLKs made by the clkhash-compatible encoder from clkhash's FEBRL4
// tutorial schema, linked by the engine as the gateway links them.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/pseudo/clk/clk_encoder.h"
#include "common/pseudo/clk/clk_schema.h"
#include "common/pseudo/person_identifiers.h"
#include "gtest/gtest.h"
#include "server/linkage/linkage_engine.h"
#include "tests/unit/server/linkage/engine/linkage_test_records.h"

namespace equilink::linkage {
namespace {

constexpr char kTutorialSchema[] =
    "tests/data/clkhash/febrl4-tutorial-schema-v3.json";

// One row of a FEBRL file, in the tutorial schema's feature order.
struct FebrlRow {
  std::string given_name;
  std::string surname;
  std::string street_number;
  std::string address_1;
  std::string address_2;
  std::string suburb;
  std::string postcode;
  std::string state;
  std::string date_of_birth;
};

const clk::ClkEncoder& TutorialEncoder() {
  static const clk::ClkEncoder* encoder = [] {
    absl::StatusOr<clk::ClkSchema> schema =
        clk::LoadClkSchemaFile(kTutorialSchema);
    if (!schema.ok()) std::abort();
    return clk::ClkEncoder::Create(*schema, "secret")->release();
  }();
  return *encoder;
}

// What the client sends for a CLK-only export row: the record pseudonym
// (from the organisation and local record id) and the CLK, nothing else.
v1::PseudonymisedRecord ClkRecord(const FebrlRow& row,
                                  const std::string& record_id,
                                  const std::string& organisation) {
  PersonIdentifiers ids;
  ids.organisation_code = organisation;
  ids.local_record_id = record_id;
  v1::PseudonymisedRecord record;
  if (!testing::TestPseudonymiser().Pseudonymise(ids, &record).ok()) {
    std::abort();
  }
  const std::vector<std::string> values = {
      record_id,     row.given_name,    row.surname,      row.street_number,
      row.address_1, row.address_2,     row.suburb,       row.postcode,
      row.state,     row.date_of_birth, /*soc_sec_id=*/""};
  absl::StatusOr<std::string> clk = TutorialEncoder().Encode(values);
  if (!clk.ok()) std::abort();
  v1::BloomEncoding* encoding = record.add_bloom();
  encoding->set_field(v1::BLOOM_RECORD_CLK);
  encoding->set_bits(*std::move(clk));
  return record;
}

// Distinct people with FEBRL's shape of values.
std::vector<FebrlRow> People(int count) {
  const std::vector<std::string> given = {
      "michaela", "courtney", "charles", "vanessa", "joshua",  "isabella",
      "liam",     "chloe",    "thomas",  "olivia",  "matthew", "grace"};
  const std::vector<std::string> surnames = {
      "neumann", "painter",  "green",    "reid",    "campbell",
      "white",   "thompson", "nguyen",   "walker",  "mcdonald",
      "harris",  "kelly",    "morrison", "bennett", "ryan"};
  const std::vector<std::string> streets = {
      "stanley street", "pinkerton circuit", "hurkett place",
      "bonnor place",   "tallis street",     "mcmahon road",
      "dexter street",  "fitchett crescent"};
  const std::vector<std::string> suburbs = {
      "winston hills", "richlands", "toowoomba", "bundaberg",
      "mandurah",      "kingsley",  "dubbo"};
  const std::vector<std::string> states = {"nsw", "vic", "qld", "wa"};
  std::vector<FebrlRow> people;
  for (int i = 0; i < count; ++i) {
    people.push_back({
        .given_name = given[i % given.size()],
        .surname = surnames[(i * 7) % surnames.size()],
        .street_number = absl::StrCat(1 + (i * 13) % 97),
        .address_1 = streets[(i * 5) % streets.size()],
        .address_2 = i % 3 == 0 ? "" : absl::StrCat("unit ", i % 9 + 1),
        .suburb = suburbs[(i * 3) % suburbs.size()],
        .postcode = absl::StrCat(2000 + (i * 337) % 4000),
        .state = states[i % states.size()],
        .date_of_birth = absl::StrCat(19200000 + (i * 37 % 80) * 10000 +
                                      (1 + i % 12) * 100 + 1 + (i * 11) % 28),
    });
  }
  return people;
}

// The person again with one FEBRL-style error, a different one by person.
FebrlRow WithOneError(FebrlRow row, int i) {
  switch (i % 5) {
    case 0:
      row.surname[1] = row.surname[1] == 'x' ? 'y' : 'x';  // a typo
      break;
    case 1:
      row.street_number = absl::StrCat(std::stoi(row.street_number) + 1);
      break;
    case 2:
      row.given_name.pop_back();  // a letter dropped
      break;
    case 3:
      row.address_2.clear();  // a value missing
      break;
    default:
      row.date_of_birth[7] = row.date_of_birth[7] == '1' ? '2' : '1';
      break;
  }
  return row;
}

// Rows grouped by cluster, as record ids.
std::set<std::set<int64_t>> Partition(const LinkageEngine& engine) {
  std::map<Row, std::set<int64_t>> clusters;
  for (Row row = 0; row < engine.features().size(); ++row) {
    clusters[engine.labels()[row]].insert(engine.features().record_id(row));
  }
  std::set<std::set<int64_t>> out;
  for (auto& [label, members] : clusters) out.insert(members);
  return out;
}

// The record_clk levels an operator configures for clkhash-encoded sources:
// with one comparison only, EM cannot tell m from u (any split of the Dice
// histogram fits it as well), so m and u are fixed and EM estimates lambda.
// A Dice of 0.8 or more is about as likely for one person as for two
// candidates; above that the evidence grows quickly.
v1::LinkageModelSettings ClkModelSettings() {
  v1::LinkageModelSettings settings;
  v1::LinkageComparisonSettings* clk = settings.add_comparisons();
  clk->set_comparison(v1::LINKAGE_COMPARISON_RECORD_CLK);
  for (double t : {0.95, 0.9, 0.85, 0.82, 0.8, 0.78}) {
    clk->add_dice_thresholds(t);
  }
  for (double m : {0.01, 0.5, 0.3, 0.12, 0.04, 0.02, 0.008, 0.002}) {
    clk->add_fixed_m(m);
  }
  for (double u : {1e-6, 1e-6, 1e-5, 1e-4, 1e-3, 1e-3, 1e-3, 0.996888}) {
    clk->add_fixed_u(u);
  }
  return settings;
}

// Two registers of the same 30 people (one error each in the second) plus
// six people in only one of them: from the CLKs alone, with the CLK levels
// configured and lambda estimated, the engine pairs exactly the same people.
TEST(ClkLinkageTest, LinksClkOnlyRecordsOfTwoRegistersOneToOne) {
  constexpr int kShared = 30;
  constexpr int kOnlyInA = 3;
  constexpr int kOnlyInB = 3;
  const std::vector<FebrlRow> people = People(kShared + kOnlyInA + kOnlyInB);

  LinkageOptions options;
  options.one_record_per_person_sources = {"register_a", "register_b"};
  options.model_settings = ClkModelSettings();
  options.threads = 2;
  LinkageEngine engine(options);
  // Record id 1000 + i is person i in register A, 2000 + i in register B.
  std::set<std::set<int64_t>> expected;
  for (int i = 0; i < kShared + kOnlyInA; ++i) {
    const v1::PseudonymisedRecord record =
        ClkRecord(people[i], absl::StrCat("a", i), "REGA");
    ASSERT_TRUE(engine.AddRecord(record, 1000 + i, "register_a").ok());
  }
  for (int i = 0; i < kShared; ++i) {
    const v1::PseudonymisedRecord record =
        ClkRecord(WithOneError(people[i], i), absl::StrCat("b", i), "REGB");
    ASSERT_TRUE(engine.AddRecord(record, 2000 + i, "register_b").ok());
    expected.insert({1000 + i, 2000 + i});
  }
  for (int i = kShared + kOnlyInA; i < kShared + kOnlyInA + kOnlyInB; ++i) {
    const v1::PseudonymisedRecord record =
        ClkRecord(people[i], absl::StrCat("b", i), "REGB");
    ASSERT_TRUE(engine.AddRecord(record, 2000 + i, "register_b").ok());
    expected.insert({2000 + i});
  }
  for (int i = kShared; i < kShared + kOnlyInA; ++i)
    expected.insert({1000 + i});

  // Only the CLK is there to link on.
  for (Row row = 0; row < engine.features().size(); ++row) {
    ASSERT_TRUE(engine.features().has(EncodedField::kRecordClk, row));
    ASSERT_FALSE(engine.features().has(EncodedField::kForename, row));
    ASSERT_EQ(engine.features().nhs_token(row), 0u);
  }

  const absl::Status estimated = engine.EstimateModel();
  ASSERT_TRUE(estimated.ok()) << estimated;
  const absl::StatusOr<LinkRun> run = engine.LinkPending();
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->deterministic_links, 0u);
  EXPECT_EQ(Partition(engine), expected);
}

// A CLK that matches two records of a one-record-per-person register equally
// well still joins only one of them, and the same CLK twice is one person.
TEST(ClkLinkageTest, IdenticalClksLinkAndARegisterIsNeverDoubled) {
  const std::vector<FebrlRow> people = People(4);
  LinkageOptions options;
  options.one_record_per_person_sources = {"register_a"};
  options.threads = 1;
  LinkageEngine engine(options);
  // Register A holds person 0 twice (a duplicate registration).
  ASSERT_TRUE(
      engine.AddRecord(ClkRecord(people[0], "a0", "REGA"), 1, "register_a")
          .ok());
  ASSERT_TRUE(
      engine.AddRecord(ClkRecord(people[0], "a1", "REGA"), 2, "register_a")
          .ok());
  ASSERT_TRUE(
      engine.AddRecord(ClkRecord(people[1], "a2", "REGA"), 3, "register_a")
          .ok());
  ASSERT_TRUE(
      engine.AddRecord(ClkRecord(people[1], "c0", "ORGC"), 4, "charity_c")
          .ok());
  ASSERT_TRUE(
      engine.AddRecord(ClkRecord(people[2], "c1", "ORGC"), 5, "charity_c")
          .ok());
  const absl::StatusOr<LinkRun> run = engine.LinkPending();
  ASSERT_TRUE(run.ok()) << run.status();
  const std::set<std::set<int64_t>> partition = Partition(engine);
  EXPECT_TRUE(partition.contains({3, 4})) << "identical CLKs not linked";
  EXPECT_TRUE(partition.contains({5}));
  // 1 and 2 are never one cluster: the register holds a person once.
  for (const std::set<int64_t>& cluster : partition) {
    EXPECT_FALSE(cluster.contains(1) && cluster.contains(2));
  }
}

}  // namespace
}  // namespace equilink::linkage
