#include "common/pseudo/record_pseudonymiser.h"

#include <string>
#include <thread>
#include <vector>

#include "common/pseudo/bloom_encoder.h"
#include "common/pseudo/bloom_spec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/common/pseudo/test_key.h"

namespace equilink {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::StatusIs;
using ::equilink::testing::TestLinkageKey;
using ::equilink::testing::VectorRecord;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Not;

std::unique_ptr<RecordPseudonymiser> MakePseudonymiser(char first_byte = 0) {
  auto p = RecordPseudonymiser::Create(TestLinkageKey(first_byte));
  EQ_CHECK(p.ok());
  return *std::move(p);
}

v1::PseudonymisedRecord Pseudonymise(const RecordPseudonymiser& p,
                                     const PersonIdentifiers& ids) {
  v1::PseudonymisedRecord r;
  EXPECT_THAT(p.Pseudonymise(ids, &r), IsOk());
  return r;
}

std::string MatchKey(const v1::PseudonymisedRecord& r, v1::MatchKeyKind kind) {
  for (const v1::MatchKeyToken& k : r.match_keys()) {
    if (k.kind() == kind) return k.token();
  }
  return "";
}

std::string Bloom(const v1::PseudonymisedRecord& r, v1::BloomField field) {
  for (const v1::BloomEncoding& b : r.bloom()) {
    if (b.field() == field) return b.bits();
  }
  return "";
}

TEST(RecordPseudonymiserTest, Deterministic) {
  auto p1 = MakePseudonymiser();
  auto p2 = MakePseudonymiser();
  const v1::PseudonymisedRecord a = Pseudonymise(*p1, VectorRecord());
  const v1::PseudonymisedRecord b = Pseudonymise(*p1, VectorRecord());
  const v1::PseudonymisedRecord c = Pseudonymise(*p2, VectorRecord());
  EXPECT_EQ(a.SerializeAsString(), b.SerializeAsString());
  EXPECT_EQ(a.SerializeAsString(), c.SerializeAsString());
  EXPECT_EQ(a.record_pseudonym().size(), kTokenBytes);
  EXPECT_EQ(a.client_pseudonym().size(), kTokenBytes);
  EXPECT_EQ(a.nhs_number_token().size(), kTokenBytes);
}

TEST(RecordPseudonymiserTest, DifferentKeysGiveUnrelatedOutputs) {
  const v1::PseudonymisedRecord a =
      Pseudonymise(*MakePseudonymiser(0), VectorRecord());
  const v1::PseudonymisedRecord b =
      Pseudonymise(*MakePseudonymiser(1), VectorRecord());
  EXPECT_NE(a.record_pseudonym(), b.record_pseudonym());
  EXPECT_NE(a.client_pseudonym(), b.client_pseudonym());
  EXPECT_NE(a.nhs_number_token(), b.nhs_number_token());
  ASSERT_EQ(a.match_keys_size(), b.match_keys_size());
  for (int i = 0; i < a.match_keys_size(); ++i) {
    EXPECT_NE(a.match_keys(i).token(), b.match_keys(i).token());
  }
  ASSERT_EQ(a.bloom_size(), b.bloom_size());
  for (int i = 0; i < a.bloom_size(); ++i) {
    EXPECT_NE(a.bloom(i).bits(), b.bloom(i).bits());
  }
}

TEST(RecordPseudonymiserTest, DomainSeparation) {
  auto p = MakePseudonymiser();
  PersonIdentifiers ids = VectorRecord();
  ids.local_client_id = ids.local_record_id;  // same input, two purposes
  ids.forename = "Morgan";
  ids.surname = "Morgan";
  const v1::PseudonymisedRecord r = Pseudonymise(*p, ids);
  EXPECT_NE(r.record_pseudonym(), r.client_pseudonym());
  EXPECT_NE(Bloom(r, v1::BLOOM_FORENAME), Bloom(r, v1::BLOOM_SURNAME));
  std::vector<std::string> tokens = {r.record_pseudonym(), r.client_pseudonym(),
                                     r.nhs_number_token()};
  for (const auto& k : r.match_keys()) tokens.push_back(k.token());
  for (size_t i = 0; i < tokens.size(); ++i) {
    for (size_t j = i + 1; j < tokens.size(); ++j) {
      EXPECT_NE(tokens[i], tokens[j]) << i << " " << j;
    }
  }
}

TEST(RecordPseudonymiserTest, RecordPseudonymIsScopedByOrganisation) {
  auto p = MakePseudonymiser();
  PersonIdentifiers a = VectorRecord();
  PersonIdentifiers b = VectorRecord();
  b.organisation_code = "9XY99";
  EXPECT_NE(Pseudonymise(*p, a).record_pseudonym(),
            Pseudonymise(*p, b).record_pseudonym());
  // Field boundaries are unambiguous: ("8AB1", "2REC") != ("8AB12", "REC").
  a.local_record_id = "REC";
  b.organisation_code = "8AB1";
  b.local_record_id = "2REC";
  EXPECT_NE(Pseudonymise(*p, a).record_pseudonym(),
            Pseudonymise(*p, b).record_pseudonym());
  // Organisation codes are compared upper-cased and trimmed.
  b.organisation_code = " 8ab12 ";
  b.local_record_id = "REC";
  EXPECT_EQ(Pseudonymise(*p, a).record_pseudonym(),
            Pseudonymise(*p, b).record_pseudonym());
}

TEST(RecordPseudonymiserTest, NhsNumberStatuses) {
  auto p = MakePseudonymiser();
  PersonIdentifiers ids = VectorRecord();
  struct Case {
    const char* raw;
    v1::NhsNumberStatus status;
  };
  for (const Case& c : {Case{"9434765918", v1::NHS_NUMBER_INVALID_CHECKSUM},
                        Case{"94347659", v1::NHS_NUMBER_INVALID_FORMAT},
                        Case{"", v1::NHS_NUMBER_ABSENT},
                        Case{"943-476-5919", v1::NHS_NUMBER_VALID}}) {
    ids.nhs_number = c.raw;
    const v1::PseudonymisedRecord r = Pseudonymise(*p, ids);
    EXPECT_EQ(r.nhs_number_status(), c.status) << c.raw;
    EXPECT_EQ(r.nhs_number_token().empty(), c.status != v1::NHS_NUMBER_VALID);
  }
}

TEST(RecordPseudonymiserTest, MissingRecordIdIsInvalidArgument) {
  auto p = MakePseudonymiser();
  PersonIdentifiers ids = VectorRecord();
  v1::PseudonymisedRecord r;
  r.set_record_pseudonym("keep");
  for (const char* id : {"", "  \t"}) {
    ids.local_record_id = id;
    EXPECT_THAT(p->Pseudonymise(ids, &r),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(Eq("local_record_id is empty"),
                               Not(HasSubstr("8AB12")))));
    EXPECT_EQ(r.record_pseudonym(), "keep");  // untouched on error
    EXPECT_EQ(p->CountHmacEvaluations(ids), 0);
  }
  ids = VectorRecord();
  ids.organisation_code = "";
  EXPECT_THAT(p->Pseudonymise(ids, &r),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Eq("organisation_code is empty")));
}

TEST(RecordPseudonymiserTest, MatchKeysNeedAllInputs) {
  auto p = MakePseudonymiser();
  const auto kinds = [&](const PersonIdentifiers& ids) {
    std::vector<int> out;
    const v1::PseudonymisedRecord r = Pseudonymise(*p, ids);
    for (const auto& k : r.match_keys()) {
      out.push_back(k.kind());
    }
    return out;
  };
  PersonIdentifiers ids = VectorRecord();
  EXPECT_THAT(kinds(ids), ::testing::ElementsAre(1, 2, 3, 4));
  ids.sex_code = "X";  // not known: counts as absent
  EXPECT_THAT(kinds(ids), ::testing::ElementsAre(2, 3, 4));
  ids.postcode = "not a postcode";
  EXPECT_THAT(kinds(ids), ::testing::ElementsAre(4));
  ids.date_of_birth.reset();
  EXPECT_THAT(kinds(ids), ::testing::ElementsAre());
  ids = VectorRecord();
  ids.forename = "";
  EXPECT_THAT(kinds(ids), ::testing::ElementsAre());
  ids = VectorRecord();
  ids.surname = "";
  EXPECT_THAT(kinds(ids), ::testing::ElementsAre(3));
}

TEST(RecordPseudonymiserTest, NormalisationMakesVariantsAgree) {
  auto p = MakePseudonymiser();
  PersonIdentifiers a = VectorRecord();
  PersonIdentifiers b = VectorRecord();
  b.forename = "  ZOE Anne ";
  b.surname = "OBRIEN SMITH";
  b.postcode = "B152TT";
  b.nhs_number = "9434765919";
  b.address_line = "12A Saint Johns Road";
  const v1::PseudonymisedRecord ra = Pseudonymise(*p, a);
  const v1::PseudonymisedRecord rb = Pseudonymise(*p, b);
  EXPECT_EQ(ra.nhs_number_token(), rb.nhs_number_token());
  ASSERT_EQ(ra.match_keys_size(), rb.match_keys_size());
  for (int i = 0; i < ra.match_keys_size(); ++i) {
    EXPECT_EQ(ra.match_keys(i).token(), rb.match_keys(i).token()) << i;
  }
  for (int i = 0; i < ra.bloom_size(); ++i) {
    EXPECT_EQ(ra.bloom(i).bits(), rb.bloom(i).bits()) << i;
  }
}

TEST(RecordPseudonymiserTest, SortedNamesKeyToleratesSwap) {
  auto p = MakePseudonymiser();
  PersonIdentifiers a = VectorRecord();
  a.forename = "Smith";
  a.surname = "John";
  PersonIdentifiers b = VectorRecord();
  b.forename = "John";
  b.surname = "Smith";
  const auto ra = Pseudonymise(*p, a);
  const auto rb = Pseudonymise(*p, b);
  EXPECT_EQ(MatchKey(ra, v1::MATCH_KEY_SORTED_NAMES_DOB),
            MatchKey(rb, v1::MATCH_KEY_SORTED_NAMES_DOB));
  EXPECT_NE(MatchKey(ra, v1::MATCH_KEY_SURNAME_FORENAME_DOB_SEX),
            MatchKey(rb, v1::MATCH_KEY_SURNAME_FORENAME_DOB_SEX));
}

TEST(RecordPseudonymiserTest, BloomShapesAndPopcount) {
  auto p = MakePseudonymiser();
  const v1::PseudonymisedRecord r = Pseudonymise(*p, VectorRecord());
  ASSERT_EQ(r.bloom_size(), 5);
  for (const v1::BloomEncoding& b : r.bloom()) {
    const std::optional<BloomFieldSpec> spec = FindBloomFieldSpec(b.field());
    ASSERT_TRUE(spec.has_value());
    EXPECT_EQ(b.bits().size() * 8, spec->bit_length);
    const int ones = PopCount(b.bits());
    EXPECT_GT(ones, spec->hash_count / 2);
    EXPECT_LT(ones, static_cast<int>(spec->bit_length) / 2);
  }
  // "zoe": 4 bigrams x 12 positions, so at most 48 bits and, with few
  // collisions in 512, well over 30.
  const int forename_ones = PopCount(Bloom(r, v1::BLOOM_FORENAME));
  EXPECT_LE(forename_ones, 48);
  EXPECT_GE(forename_ones, 30);
}

TEST(RecordPseudonymiserTest, DiceRanksSimilarNamesHigher) {
  auto p = MakePseudonymiser();
  const auto forename_bloom = [&](const char* name) {
    PersonIdentifiers ids = VectorRecord();
    ids.forename = name;
    return Bloom(Pseudonymise(*p, ids), v1::BLOOM_FORENAME);
  };
  const std::string jon = forename_bloom("Jon");
  const double jon_john = *DiceCoefficient(jon, forename_bloom("John"));
  const double jon_mary = *DiceCoefficient(jon, forename_bloom("Mary"));
  EXPECT_GT(jon_john, 0.6);
  EXPECT_LT(jon_mary, 0.3);
  EXPECT_GT(jon_john, jon_mary);
  EXPECT_DOUBLE_EQ(*DiceCoefficient(jon, forename_bloom("JON")), 1.0);
}

TEST(RecordPseudonymiserTest, AbsentInputsOmitted) {
  auto p = MakePseudonymiser();
  PersonIdentifiers ids;
  ids.organisation_code = "8AB12";
  ids.local_record_id = "1";
  const v1::PseudonymisedRecord r = Pseudonymise(*p, ids);
  EXPECT_EQ(r.record_pseudonym().size(), kTokenBytes);
  EXPECT_TRUE(r.client_pseudonym().empty());
  EXPECT_EQ(r.nhs_number_status(), v1::NHS_NUMBER_ABSENT);
  EXPECT_EQ(r.match_keys_size(), 0);
  EXPECT_EQ(r.bloom_size(), 0);
  EXPECT_EQ(p->CountHmacEvaluations(ids), 1);
}

TEST(RecordPseudonymiserTest, ReusedOutputIsOverwritten) {
  auto p = MakePseudonymiser();
  v1::PseudonymisedRecord r;
  r.set_service_type("YOUNG_CARERS");
  ASSERT_THAT(p->Pseudonymise(VectorRecord(), &r), IsOk());
  PersonIdentifiers sparse;
  sparse.organisation_code = "8AB12";
  sparse.local_record_id = "2";
  ASSERT_THAT(p->Pseudonymise(sparse, &r), IsOk());
  EXPECT_TRUE(r.client_pseudonym().empty());
  EXPECT_TRUE(r.nhs_number_token().empty());
  EXPECT_EQ(r.match_keys_size(), 0);
  EXPECT_EQ(r.bloom_size(), 0);
  EXPECT_EQ(r.service_type(), "YOUNG_CARERS");  // non-identity field kept
}

TEST(RecordPseudonymiserTest, CountHmacEvaluationsByHand) {
  auto p = MakePseudonymiser();
  PersonIdentifiers ids;
  ids.organisation_code = "8AB12";
  ids.local_record_id = "1";
  ids.local_client_id = "c";
  ids.nhs_number = "9434765919";
  ids.forename = "Ann";     // _a an nn n_ : 4
  ids.surname = "Lee-Lee";  // _leelee_: _l le ee el (le ee) e_ = 5; parts add
                            // _l le ee e_ (all seen): 5 distinct
  ids.date_of_birth = absl::CivilDay(2000, 1, 1);  // _20000101_: _2 20 00 01
                                                   // 10 1_ = 6
  // 1 record + 1 client + 1 nhs + 1 match key (sorted names + dob) + 15.
  EXPECT_EQ(p->CountHmacEvaluations(ids), 4 + 4 + 5 + 6);
}

TEST(RecordPseudonymiserTest, ConcurrentUseIsSafe) {
  auto p = MakePseudonymiser();
  const std::string expected =
      Pseudonymise(*p, VectorRecord()).SerializeAsString();
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        v1::PseudonymisedRecord r;
        if (!p->Pseudonymise(VectorRecord(), &r).ok() ||
            r.SerializeAsString() != expected) {
          ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

TEST(RecordPseudonymiserTest, UncheckedNationalIdIsTokenisedAsGiven) {
  auto p = MakePseudonymiser();
  PersonIdentifiers ids = VectorRecord();
  ids.national_id_scheme = NationalIdScheme::kUnchecked;
  ids.nhs_number = " 530 4218";  // seven digits, no check digit
  const v1::PseudonymisedRecord r = Pseudonymise(*p, ids);
  EXPECT_EQ(r.nhs_number_status(), v1::NATIONAL_ID_UNCHECKED);
  EXPECT_EQ(r.nhs_number_token().size(), kTokenBytes);
  ids.nhs_number = "5304218";
  EXPECT_EQ(Pseudonymise(*p, ids).nhs_number_token(), r.nhs_number_token());
  ids.nhs_number = "5304219";  // a typo is a different token
  EXPECT_NE(Pseudonymise(*p, ids).nhs_number_token(), r.nhs_number_token());

  // The same nhs-number subkey: a valid NHS number read unchecked gives the
  // token it gets when checked.
  ids.nhs_number = "943 476 5919";
  const v1::PseudonymisedRecord checked = Pseudonymise(*p, VectorRecord());
  const v1::PseudonymisedRecord unchecked = Pseudonymise(*p, ids);
  EXPECT_EQ(unchecked.nhs_number_status(), v1::NATIONAL_ID_UNCHECKED);
  EXPECT_EQ(unchecked.nhs_number_token(), checked.nhs_number_token());
  EXPECT_EQ(p->CountHmacEvaluations(ids),
            p->CountHmacEvaluations(VectorRecord()));

  ids.nhs_number = "530-42-18x";
  const v1::PseudonymisedRecord bad = Pseudonymise(*p, ids);
  EXPECT_EQ(bad.nhs_number_status(), v1::NHS_NUMBER_INVALID_FORMAT);
  EXPECT_TRUE(bad.nhs_number_token().empty());
  ids.nhs_number = "";
  EXPECT_EQ(Pseudonymise(*p, ids).nhs_number_status(), v1::NHS_NUMBER_ABSENT);

  // The default scheme still checks: seven digits are not an NHS number.
  PersonIdentifiers nhs = VectorRecord();
  nhs.nhs_number = "5304218";
  const v1::PseudonymisedRecord refused = Pseudonymise(*p, nhs);
  EXPECT_EQ(refused.nhs_number_status(), v1::NHS_NUMBER_INVALID_FORMAT);
  EXPECT_TRUE(refused.nhs_number_token().empty());
}

TEST(RecordPseudonymiserTest, FreeTextPostcodeIsEncoded) {
  auto p = MakePseudonymiser();
  PersonIdentifiers ids = VectorRecord();
  ids.postcode = " 4223";
  // A UK profile drops a postcode that is not UK-shaped...
  const v1::PseudonymisedRecord uk = Pseudonymise(*p, ids);
  EXPECT_TRUE(Bloom(uk, v1::BLOOM_POSTCODE).empty());
  EXPECT_TRUE(MatchKey(uk, v1::MATCH_KEY_FORENAME_DOB_POSTCODE).empty());
  // ... a free-text one encodes it and uses it in the postcode match keys.
  ids.postcode_scheme = PostcodeScheme::kFreeText;
  const v1::PseudonymisedRecord free = Pseudonymise(*p, ids);
  EXPECT_EQ(Bloom(free, v1::BLOOM_POSTCODE).size(), 256u / 8);
  EXPECT_FALSE(MatchKey(free, v1::MATCH_KEY_FORENAME_DOB_POSTCODE).empty());
  EXPECT_FALSE(
      MatchKey(free, v1::MATCH_KEY_SURNAME_INITIAL_DOB_POSTCODE).empty());
  ids.postcode = "42 23";
  EXPECT_EQ(Pseudonymise(*p, ids).SerializeAsString(),
            free.SerializeAsString());
  // A UK postcode read as free text is the same P ("B152TT"), so the same
  // encoding.
  PersonIdentifiers uk_as_free = VectorRecord();
  uk_as_free.postcode_scheme = PostcodeScheme::kFreeText;
  EXPECT_EQ(Pseudonymise(*p, uk_as_free).SerializeAsString(),
            Pseudonymise(*p, VectorRecord()).SerializeAsString());
}

TEST(RecordPseudonymiserTest, LocalityBloom) {
  auto p = MakePseudonymiser();
  EXPECT_TRUE(
      Bloom(Pseudonymise(*p, VectorRecord()), v1::BLOOM_LOCALITY).empty());
  const auto locality_bloom = [&](const char* locality) {
    PersonIdentifiers ids = VectorRecord();
    ids.locality = locality;
    const v1::PseudonymisedRecord r = Pseudonymise(*p, ids);
    // Appended after the five fields of the test vector, in table order.
    EXPECT_EQ(r.bloom_size(), 6);
    EXPECT_EQ(r.bloom(r.bloom_size() - 1).field(), v1::BLOOM_LOCALITY);
    return Bloom(r, v1::BLOOM_LOCALITY);
  };
  const std::string winston = locality_bloom("Winston Hills");
  EXPECT_EQ(winston.size(), 512u / 8);
  EXPECT_EQ(locality_bloom(" winston-HILLS "), winston);
  EXPECT_EQ(locality_bloom("Hills Winston"), winston);  // words are a set
  EXPECT_GT(*DiceCoefficient(winston, locality_bloom("winstin hills")), 0.7);
  EXPECT_LT(*DiceCoefficient(winston, locality_bloom("Dapto")), 0.3);
  // Address abbreviations apply: "St" is "saint" before another word.
  EXPECT_EQ(locality_bloom("St Albans"), locality_bloom("Saint Albans"));
  // Its own subkey: the same words as locality and as address line give
  // unrelated encodings.
  PersonIdentifiers ids = VectorRecord();
  ids.locality = "Dapto";
  ids.address_line = "Dapto";
  const v1::PseudonymisedRecord r = Pseudonymise(*p, ids);
  EXPECT_LT(*DiceCoefficient(Bloom(r, v1::BLOOM_LOCALITY),
                             Bloom(r, v1::BLOOM_ADDRESS)),
            0.3);
  ids.address_line = VectorRecord().address_line;

  // "dapto": _d da ap pt to o_ = 6 more HMACs.
  ids.locality = "Dapto";
  EXPECT_EQ(p->CountHmacEvaluations(ids),
            p->CountHmacEvaluations(VectorRecord()) + 6);
}

TEST(PersonIdentifiersTest, CleanseClearsEverything) {
  PersonIdentifiers ids = VectorRecord();
  ids.locality = "Winston Hills";
  ids.Cleanse();
  EXPECT_TRUE(ids.organisation_code.empty());
  EXPECT_TRUE(ids.local_record_id.empty());
  EXPECT_TRUE(ids.local_client_id.empty());
  EXPECT_TRUE(ids.nhs_number.empty());
  EXPECT_TRUE(ids.forename.empty());
  EXPECT_TRUE(ids.surname.empty());
  EXPECT_FALSE(ids.date_of_birth.has_value());
  EXPECT_TRUE(ids.sex_code.empty());
  EXPECT_TRUE(ids.postcode.empty());
  EXPECT_TRUE(ids.address_line.empty());
  EXPECT_TRUE(ids.locality.empty());
}

}  // namespace
}  // namespace equilink
