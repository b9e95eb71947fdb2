#ifndef EQUILINK_TESTS_UNIT_SERVER_LINKAGE_MODEL_SYNTHETIC_PEOPLE_H_
#define EQUILINK_TESTS_UNIT_SERVER_LINKAGE_MODEL_SYNTHETIC_PEOPLE_H_

// A small synthetic population for the model's tests: people with skewed name
// frequencies, each recorded one to three times with typical errors (typos,
// a changed date digit, a missing postcode, swapped names), pseudonymised
// with the test key exactly as a VCSE client would.

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "common/pseudo/record_pseudonymiser.h"
#include "common/status/check.h"
#include "tests/unit/common/pseudo/test_key.h"

namespace equilink::linkage::testing {

inline const std::vector<std::string>& Forenames() {
  static const auto* names = new std::vector<std::string>{
      "oliver",   "amelia",    "george",    "isla",   "noah",      "ava",
      "arthur",   "mia",       "harry",     "ivy",    "leo",       "lily",
      "muhammad", "isabella",  "jack",      "rosie",  "charlie",   "sophia",
      "oscar",    "grace",     "jacob",     "willow", "henry",     "freya",
      "thomas",   "florence",  "freddie",   "emily",  "alfie",     "ella",
      "theo",     "poppy",     "william",   "evie",   "theodore",  "elsie",
      "archie",   "charlotte", "joshua",    "evelyn", "alexander", "sienna",
      "james",    "daisy",     "isaac",     "phoebe", "edward",    "sophie",
      "lucas",    "alice",     "tommy",     "harper", "finley",    "matilda",
      "max",      "ruby",      "logan",     "emilia", "ethan",     "maya",
      "teddy",    "millie",    "benjamin",  "eva",    "arlo",      "luna",
      "joseph",   "ada",       "sebastian", "imogen", "harrison",  "aria",
      "elijah",   "ayesha",    "zain",      "priya",  "kwame",     "chiamaka"};
  return *names;
}

// Surnames with a Zipf-like frequency: the first is about 40 times as common
// as the last, as in a real population.
inline const std::vector<std::string>& Surnames() {
  static const auto* names = new std::vector<std::string>{
      "smith",      "jones",         "williams",
      "taylor",     "brown",         "davies",
      "evans",      "wilson",        "thomas",
      "johnson",    "roberts",       "robinson",
      "thompson",   "wright",        "walker",
      "white",      "edwards",       "hughes",
      "green",      "hall",          "lewis",
      "harris",     "clarke",        "patel",
      "jackson",    "wood",          "turner",
      "martin",     "cooper",        "hill",
      "ward",       "morris",        "moore",
      "clark",      "lee",           "king",
      "baker",      "harrison",      "morgan",
      "allen",      "james",         "scott",
      "phillips",   "watson",        "davis",
      "parker",     "price",         "bennett",
      "young",      "griffiths",     "mitchell",
      "kelly",      "cook",          "carter",
      "richardson", "bailey",        "collins",
      "bell",       "shaw",          "murphy",
      "miller",     "cox",           "richards",
      "khan",       "marshall",      "anderson",
      "simpson",    "ellis",         "adams",
      "singh",      "begum",         "wilkinson",
      "foster",     "chapman",       "powell",
      "webb",       "rogers",        "gray",
      "mason",      "ali",           "hunt",
      "hussain",    "campbell",      "matthews",
      "owen",       "palmer",        "holmes",
      "mills",      "barnes",        "knight",
      "lloyd",      "butler",        "russell",
      "barker",     "fisher",        "stevens",
      "jenkins",    "murray",        "dixon",
      "okonkwo",    "wojciechowska", "fitzgerald",
      "nakamura",   "oyelaran",      "featherstonehaugh"};
  return *names;
}

inline const std::vector<std::string>& Streets() {
  static const auto* names = new std::vector<std::string>{
      "high street",      "station road", "church lane",  "park avenue",
      "victoria road",    "green lane",   "manor road",   "church street",
      "mill lane",        "school lane",  "queens road",  "new road",
      "grange road",      "kings road",   "albert road",  "the crescent",
      "york road",        "london road",  "north street", "chapel lane",
      "springfield road", "windsor road", "west street",  "main street"};
  return *names;
}

struct SyntheticPerson {
  std::string forename;
  std::string surname;
  absl::CivilDay date_of_birth;
  std::string sex;
  std::string postcode;
  std::string address;
  std::string lsoa;
};

struct SyntheticRecord {
  v1::PseudonymisedRecord record;
  int person;
};

class SyntheticPopulation {
 public:
  explicit SyntheticPopulation(uint64_t seed) : rng_(seed) {
    auto pseudonymiser =
        RecordPseudonymiser::Create(equilink::testing::TestLinkageKey());
    EQ_CHECK(pseudonymiser.ok());
    pseudonymiser_ = *std::move(pseudonymiser);
  }

  SyntheticPerson NewPerson() {
    SyntheticPerson p;
    p.forename = Pick(Forenames(), /*zipf=*/false);
    p.surname = Pick(Surnames(), /*zipf=*/true);
    p.date_of_birth = absl::CivilDay(2005, 1, 1) + Uniform(0, 15 * 365);
    p.sex = Uniform(0, 1) == 0 ? "1" : "2";
    const std::string letters = "ABDEFGHJLNPQRSTUWXYZ";
    p.postcode =
        absl::StrCat(std::string(1, "BMSL"[Uniform(0, 3)]), Uniform(1, 40), " ",
                     Uniform(1, 9), std::string(1, letters[Uniform(0, 19)]),
                     std::string(1, letters[Uniform(0, 19)]));
    p.address = absl::StrCat(Uniform(1, 200), " ", Pick(Streets(), false));
    p.lsoa = absl::StrCat("E0100", Uniform(1000, 9999));
    return p;
  }

  // `person` recorded once, exactly.
  // `full_date_of_birth` false: only the birth year and month, as a service
  // that records no full date would.
  v1::PseudonymisedRecord Encode(const SyntheticPerson& p,
                                 const std::string& nhs_number = "",
                                 bool full_date_of_birth = true) {
    PersonIdentifiers ids;
    ids.organisation_code = "8AB12";
    ids.local_record_id = absl::StrCat("R", next_record_++);
    ids.nhs_number = nhs_number;
    ids.forename = p.forename;
    ids.surname = p.surname;
    if (full_date_of_birth) ids.date_of_birth = p.date_of_birth;
    ids.sex_code = p.sex;
    ids.postcode = p.postcode;
    ids.address_line = p.address;
    v1::PseudonymisedRecord record;
    EQ_CHECK(pseudonymiser_->Pseudonymise(ids, &record).ok());
    record.set_birth_year_month(absl::StrFormat(
        "%04d-%02d", p.date_of_birth.year(), p.date_of_birth.month()));
    if (!p.sex.empty()) record.set_sex_code(p.sex);
    if (!p.postcode.empty()) record.set_lsoa_code(p.lsoa);
    return record;
  }

  // A copy of `p` with the errors a second service might record.
  SyntheticPerson Corrupt(SyntheticPerson p) {
    if (Chance(0.15)) p.forename = Typo(p.forename);
    if (Chance(0.15)) p.surname = Typo(p.surname);
    if (Chance(0.1)) p.date_of_birth += Chance(0.5) ? 1 : 10;
    if (Chance(0.1)) p.postcode = PostcodeTypo(p.postcode);
    if (Chance(0.1))
      p.address = absl::StrCat(Uniform(1, 200), " ",
                               p.address.substr(p.address.find(' ') + 1));
    if (Chance(0.05)) p.postcode.clear();
    if (Chance(0.03)) std::swap(p.forename, p.surname);
    return p;
  }

  // `people` people, each recorded 1-3 times.
  std::vector<SyntheticRecord> Records(int people) {
    std::vector<SyntheticRecord> records;
    for (int i = 0; i < people; ++i) {
      const SyntheticPerson person = NewPerson();
      records.push_back({Encode(person), i});
      const int copies = Uniform(0, 2);
      for (int c = 0; c < copies; ++c) {
        records.push_back({Encode(Corrupt(person)), i});
      }
    }
    return records;
  }

  std::string Typo(std::string s) {
    const int at = Uniform(1, static_cast<int>(s.size()) - 1);
    switch (Uniform(0, 2)) {
      case 0:
        s[at] = static_cast<char>('a' + Uniform(0, 25));
        break;
      case 1:
        s.erase(at, 1);
        break;
      default:
        s.insert(at, 1, static_cast<char>('a' + Uniform(0, 25)));
        break;
    }
    return s;
  }

 private:
  std::string PostcodeTypo(std::string s) {
    // Change the inward digit: still a valid postcode shape.
    const size_t space = s.find(' ');
    s[space + 1] = static_cast<char>('0' + (s[space + 1] - '0' + 1) % 10);
    return s;
  }
  const std::string& Pick(const std::vector<std::string>& list, bool zipf) {
    if (!zipf) return list[Uniform(0, static_cast<int>(list.size()) - 1)];
    // P(rank r) proportional to 1 / (r + 3): head about 40x the tail.
    double total = 0;
    for (size_t r = 0; r < list.size(); ++r) total += 1.0 / (r + 3);
    double x = std::uniform_real_distribution<double>(0, total)(rng_);
    for (size_t r = 0; r < list.size(); ++r) {
      x -= 1.0 / (r + 3);
      if (x <= 0) return list[r];
    }
    return list.back();
  }
  int Uniform(int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng_);
  }
  bool Chance(double p) {
    return std::uniform_real_distribution<double>(0, 1)(rng_) < p;
  }

  std::mt19937_64 rng_;
  std::unique_ptr<RecordPseudonymiser> pseudonymiser_;
  int next_record_ = 0;
};

}  // namespace equilink::linkage::testing

#endif  // EQUILINK_TESTS_UNIT_SERVER_LINKAGE_MODEL_SYNTHETIC_PEOPLE_H_
