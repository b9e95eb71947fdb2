#include "client/synth/population.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "client/synth/bsol_lsoas.h"

namespace equilink::client::synth {
namespace {

constexpr uint64_t kGeographyStream = 1;
constexpr uint64_t kAreaMixStream = 2;
constexpr uint64_t kHouseholdStream = 3;

// Birmingham's postcode districts (B22, B39 and B41 are not in use) and
// Solihull's.
constexpr int kBirminghamDistricts[] = {
    1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
    16, 17, 18, 19, 20, 21, 23, 24, 25, 26, 27, 28, 29, 30, 31,
    32, 33, 34, 35, 36, 37, 38, 40, 42, 43, 44, 45, 46, 47, 48};
constexpr int kSolihullDistricts[] = {90, 91, 92, 93, 94};
// The best-known place in each district, as people write it in a town line.
struct DistrictPlace {
  int district;
  absl::string_view place;
};
constexpr DistrictPlace kDistrictPlaces[] = {
    {1, "City Centre"},   {2, "City Centre"},      {3, "City Centre"},
    {4, "City Centre"},   {5, "Digbeth"},          {6, "Aston"},
    {7, "Nechells"},      {8, "Saltley"},          {9, "Bordesley Green"},
    {10, "Small Heath"},  {11, "Sparkhill"},       {12, "Balsall Heath"},
    {13, "Moseley"},      {14, "Kings Heath"},     {15, "Edgbaston"},
    {16, "Ladywood"},     {17, "Harborne"},        {18, "Hockley"},
    {19, "Lozells"},      {20, "Handsworth"},      {21, "Handsworth Wood"},
    {23, "Erdington"},    {24, "Tyburn"},          {25, "Yardley"},
    {26, "Sheldon"},      {27, "Acocks Green"},    {28, "Hall Green"},
    {29, "Selly Oak"},    {30, "Stirchley"},       {31, "Northfield"},
    {32, "Quinton"},      {33, "Stechford"},       {34, "Shard End"},
    {35, "Castle Vale"},  {36, "Castle Bromwich"}, {37, "Chelmsley Wood"},
    {38, "Kings Norton"}, {40, "Marston Green"},   {42, "Perry Barr"},
    {43, "Great Barr"},   {44, "Kingstanding"},    {45, "Rednal"},
    {46, "Water Orton"},  {47, "Hollywood"},       {48, "Alvechurch"},
    {90, "Shirley"},      {91, "Solihull"},        {92, "Olton"},
    {93, "Knowle"},       {94, "Hockley Heath"}};
// Letters a postcode's unit may use.
constexpr char kUnitLetters[] = "ABDEFGHJLNPQRSTUWXYZ";

// The sixteen ethnic categories a person can truly have, and how groups
// split into them (shares within each group, Birmingham-like).
constexpr char kCategories[] = {'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H',
                                'J', 'K', 'L', 'M', 'N', 'P', 'R', 'S'};
constexpr int kCategoryCount = 16;
constexpr double kShareWithinGroup[kCategoryCount] = {
    1.0,                     // A (White British is its own share)
    0.2,  0.8,               // B, C: White Irish, other White
    0.45, 0.12, 0.25, 0.18,  // D, E, F, G: Mixed
    0.22, 0.56, 0.14, 0.08,  // H, J, K, L: Asian
    0.35, 0.50, 0.15,        // M, N, P: Black
    0.3,  0.7};              // R, S: Chinese, other
// Which share of the area mix each category draws from: 0 White British,
// 1 other White, 2 Mixed, 3 Asian, 4 Black, 5 Other.
constexpr int kMixSlot[kCategoryCount] = {0, 1, 1, 2, 2, 2, 2, 3,
                                          3, 3, 3, 4, 4, 4, 5, 5};

using AreaMix = std::array<double, kCategoryCount>;

// White British share rises with affluence; South Asian and Black shares are
// largest in the most deprived areas, and each area gets its own mix (some
// inner-city LSOAs are mostly Pakistani, some mostly White British).
AreaMix MixFor(const BsolLsoa& lsoa, SynthRandom& rng) {
  const double d = lsoa.imd_decile - 1;
  const bool solihull = lsoa.local_authority == 1;
  double white_british = 0.40 + 0.045 * d + (solihull ? 0.15 : 0.0);
  white_british = std::min(0.92, white_british);
  double slots[6] = {
      0,   0.10 + 0.01 * d, 0.13 + 0.005 * d, 0.50 - 0.02 * d, 0.20 - 0.01 * d,
      0.07};
  double rest = 0;
  for (int s = 1; s < 6; ++s) {
    slots[s] *= std::exp(0.6 * rng.Normal());
    rest += slots[s];
  }
  const double spread = std::exp(0.5 * rng.Normal());
  white_british =
      white_british * spread / (white_british * spread + (1 - white_british));
  slots[0] = white_british;
  for (int s = 1; s < 6; ++s) slots[s] *= (1 - white_british) / rest;
  AreaMix mix;
  for (int c = 0; c < kCategoryCount; ++c) {
    mix[c] = slots[kMixSlot[c]] * kShareWithinGroup[c];
  }
  return mix;
}

struct NameGroups {
  NameGroup forename;
  NameGroup surname;
};

NameGroups GroupsFor(char category, SynthRandom& rng) {
  using G = NameGroup;
  switch (category) {
    case 'A':
      return rng.Chance(0.03) ? NameGroups{G::kIrish, G::kIrish}
                              : NameGroups{G::kBritish, G::kBritish};
    case 'B':
      return rng.Chance(0.8) ? NameGroups{G::kIrish, G::kIrish}
                             : NameGroups{G::kBritish, G::kIrish};
    case 'C':
      return rng.Chance(0.8)
                 ? NameGroups{G::kEasternEuropean, G::kEasternEuropean}
                 : NameGroups{G::kBritish, G::kBritish};
    case 'D':
      return {rng.Chance(0.5) ? G::kCaribbean : G::kBritish,
              rng.Chance(0.5) ? G::kCaribbean : G::kBritish};
    case 'E':
      return {G::kBritish, rng.Chance(0.6) ? G::kWestAfrican : G::kBritish};
    case 'F':
      return {rng.Chance(0.5) ? G::kPakistani : G::kBritish,
              rng.Chance(0.5) ? G::kPakistani : G::kBritish};
    case 'G': {
      const G other = static_cast<G>(rng.Below(kNameGroupCount));
      return {rng.Chance(0.5) ? other : G::kBritish, other};
    }
    case 'H':
      return {G::kIndian, G::kIndian};
    case 'J':
      return {G::kPakistani, G::kPakistani};
    case 'K':
      return {G::kBangladeshi, G::kBangladeshi};
    case 'L':
      return rng.Chance(0.5) ? NameGroups{G::kPakistani, G::kPakistani}
                             : NameGroups{G::kIndian, G::kIndian};
    case 'M':
      return {G::kCaribbean, G::kCaribbean};
    case 'N':
      return rng.Chance(0.7) ? NameGroups{G::kWestAfrican, G::kWestAfrican}
                             : NameGroups{G::kSomali, G::kSomali};
    case 'P':
      return rng.Chance(0.5) ? NameGroups{G::kCaribbean, G::kCaribbean}
                             : NameGroups{G::kWestAfrican, G::kWestAfrican};
    case 'R':
      return {G::kChinese, G::kChinese};
    default:
      return {G::kArabic, G::kArabic};
  }
}

bool MayDoubleBarrel(NameGroup group) {
  return group == NameGroup::kBritish || group == NameGroup::kIrish ||
         group == NameGroup::kCaribbean;
}

// Ages 0-25 on the as-of day, most of them 5-18.
int DrawAge(SynthRandom& rng) {
  static constexpr double kWeights[26] = {
      0.45, 0.45, 0.45, 0.45, 0.45, 1, 1,   1,   1,   1,    1,    1,    1,
      1,    1,    1,    1,    1,    1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25};
  return rng.Weighted(kWeights);
}

// Valid numbers (check digit not 10) in the NHS's own test range, 999 000
// 0000 to 999 999 9999: about 909,000.
constexpr int kTestRangeCapacity = 909000;

// Fixed digits of a population's NHS numbers. The 999 range is the NHS's own
// test range: no real person holds these. A population too big to draw from
// it without crowding (draws slow down as it fills, and it cannot hold a
// million) uses the 99 range, which the NHS does not allocate either (England
// issues from 4 and 6-7, Northern Ireland from 3, Scotland's CHI numbers are
// dates).
int NhsPrefixDigits(int people) {
  return people <= kTestRangeCapacity / 2 ? 3 : 2;
}

std::string DrawNhsNumber(int prefix_digits, SynthRandom& rng,
                          absl::flat_hash_set<uint64_t>& used) {
  while (true) {
    int digits[10] = {9, 9, 9};
    for (int i = prefix_digits; i < 9; ++i) digits[i] = rng.Below(10);
    int sum = 0;
    for (int i = 0; i < 9; ++i) sum += digits[i] * (10 - i);
    int check = 11 - sum % 11;
    if (check == 11) check = 0;
    if (check == 10) continue;
    digits[9] = check;
    uint64_t value = 0;
    std::string text(10, '0');
    for (int i = 0; i < 10; ++i) {
      value = value * 10 + static_cast<uint64_t>(digits[i]);
      text[i] = static_cast<char>('0' + digits[i]);
    }
    if (used.insert(value).second) return text;
  }
}

absl::string_view DrawForename(const NameList& names, char sex,
                               SynthRandom& rng) {
  return rng.PickPopular(sex == '1' ? names.male : names.female);
}

}  // namespace

absl::string_view SynthGeography::Locality(uint32_t postcode,
                                           bool suburb) const {
  const int district = lsoa_district[LsoaOf(postcode)];
  if (!suburb) return district >= 90 ? "Solihull" : "Birmingham";
  for (const DistrictPlace& place : kDistrictPlaces) {
    if (place.district == district) return place.place;
  }
  return "Birmingham";
}

uint32_t SynthGeography::SampleLsoa(SynthRandom& rng) const {
  const double target = rng.Uniform() * lsoa_cumulative_children.back();
  return static_cast<uint32_t>(
      std::upper_bound(lsoa_cumulative_children.begin(),
                       lsoa_cumulative_children.end(), target) -
      lsoa_cumulative_children.begin());
}

SynthGeography BuildGeography(const SynthOptions& options) {
  SynthRandom rng = SynthRandom::Stream(options.seed, kGeographyStream);
  const absl::Span<const BsolLsoa> lsoas = BsolLsoas();
  SynthGeography geography;
  geography.postcodes_per_lsoa = std::max(1, options.postcodes_per_lsoa);
  int birmingham = 0;
  for (const BsolLsoa& lsoa : lsoas) birmingham += lsoa.local_authority == 0;
  const int solihull = static_cast<int>(lsoas.size()) - birmingham;
  absl::flat_hash_set<std::string> used;
  int birmingham_seen = 0, solihull_seen = 0;
  double cumulative = 0;
  for (const BsolLsoa& lsoa : lsoas) {
    // Neighbouring LSOA codes are neighbouring areas: consecutive LSOAs share
    // a district, as they would on the map.
    const int district =
        lsoa.local_authority == 0
            ? kBirminghamDistricts[birmingham_seen++ *
                                   std::size(kBirminghamDistricts) / birmingham]
            : kSolihullDistricts[solihull_seen++ *
                                 std::size(kSolihullDistricts) / solihull];
    geography.lsoa_district.push_back(district);
    for (int k = 0; k < geography.postcodes_per_lsoa; ++k) {
      std::string postcode;
      do {
        postcode = absl::StrCat("B", district, " ", rng.Below(10));
        postcode.push_back(kUnitLetters[rng.Below(20)]);
        postcode.push_back(kUnitLetters[rng.Below(20)]);
      } while (!used.insert(postcode).second);
      geography.postcodes.push_back(std::move(postcode));
      // Drawn in separate statements: the order of a call's arguments is
      // unspecified, and GCC and clang built different populations from one
      // seed (found by the clang sanitizer build's tests). GCC's order, so
      // every seed still gives the dataset it always gave.
      const absl::string_view ending = rng.Pick(StreetEndings());
      const absl::string_view stem = rng.Pick(StreetStems());
      geography.streets.push_back(absl::StrCat(stem, " ", ending));
    }
    cumulative += std::max(1, lsoa.children);
    geography.lsoa_cumulative_children.push_back(cumulative);
  }
  return geography;
}

EthnicGroup EthnicGroupOf(char category) {
  switch (category) {
    case 'A':
    case 'B':
    case 'C':
      return EthnicGroup::kWhite;
    case 'D':
    case 'E':
    case 'F':
    case 'G':
      return EthnicGroup::kMixed;
    case 'H':
    case 'J':
    case 'K':
    case 'L':
      return EthnicGroup::kAsian;
    case 'M':
    case 'N':
    case 'P':
      return EthnicGroup::kBlack;
    default:
      return EthnicGroup::kOther;
  }
}

absl::string_view EthnicGroupName(EthnicGroup group) {
  static constexpr absl::string_view kNames[] = {"White", "Mixed", "Asian",
                                                 "Black", "Other"};
  return kNames[static_cast<int>(group)];
}

void DrawOtherAddress(const SynthGeography& geography, uint32_t avoid_lsoa,
                      SynthRandom& rng, uint32_t* postcode,
                      std::string* address_line) {
  uint32_t lsoa = geography.SampleLsoa(rng);
  while (lsoa == avoid_lsoa) lsoa = geography.SampleLsoa(rng);
  *postcode = lsoa * static_cast<uint32_t>(geography.postcodes_per_lsoa) +
              static_cast<uint32_t>(rng.Below(geography.postcodes_per_lsoa));
  *address_line =
      absl::StrCat(1 + rng.Popular(180), " ", geography.streets[*postcode]);
}

std::vector<SynthPerson> GeneratePeople(const SynthOptions& options,
                                        const SynthGeography& geography) {
  const absl::Span<const BsolLsoa> lsoas = BsolLsoas();
  std::vector<AreaMix> mixes;
  mixes.reserve(lsoas.size());
  SynthRandom mix_rng = SynthRandom::Stream(options.seed, kAreaMixStream);
  for (const BsolLsoa& lsoa : lsoas) mixes.push_back(MixFor(lsoa, mix_rng));

  SynthRandom rng = SynthRandom::Stream(options.seed, kHouseholdStream);
  absl::flat_hash_set<uint64_t> nhs_used;
  const int nhs_prefix_digits = NhsPrefixDigits(options.people);
  std::vector<SynthPerson> people;
  people.reserve(static_cast<size_t>(std::max(0, options.people)));
  static constexpr double kChildrenWeights[] = {0.40, 0.33, 0.17, 0.07, 0.03};
  uint32_t household = 0;
  while (people.size() < static_cast<size_t>(std::max(0, options.people))) {
    const uint32_t lsoa = geography.SampleLsoa(rng);
    const uint32_t postcode =
        lsoa * static_cast<uint32_t>(geography.postcodes_per_lsoa) +
        static_cast<uint32_t>(rng.Below(geography.postcodes_per_lsoa));
    const std::string address =
        absl::StrCat(1 + rng.Popular(180), " ", geography.streets[postcode]);
    const char category = kCategories[rng.Weighted(mixes[lsoa])];
    const NameGroups groups = GroupsFor(category, rng);
    const NameList& surnames = NamesOf(groups.surname);
    std::string family_surname(rng.PickPopular(surnames.surnames));
    if (MayDoubleBarrel(groups.surname) && rng.Chance(0.04)) {
      absl::StrAppend(&family_surname, "-",
                      rng.PickPopular(NamesOf(NameGroup::kBritish).surnames));
    }
    const double area_need = 1.0 + 0.12 * (10 - lsoas[lsoa].imd_decile);
    const size_t first = people.size();
    const int births = 1 + rng.Weighted(kChildrenWeights);
    for (int birth = 0; birth < births; ++birth) {
      absl::CivilDay dob;
      // Siblings born at least ten months apart.
      for (int attempt = 0; attempt < 8; ++attempt) {
        const int day = rng.Below(365);  // sequenced: see the streets above
        dob = options.as_of - DrawAge(rng) * 365 - day - 1;
        bool clash = false;
        for (size_t i = first; i < people.size(); ++i) {
          clash |= std::abs(people[i].dob - dob) < 300;
        }
        if (!clash) break;
      }
      const int children = rng.Chance(options.twin_births) ? 2 : 1;
      for (int c = 0; c < children; ++c) {
        SynthPerson person;
        person.household = household;
        person.dob = dob;
        person.ethnic_category = category;
        person.forename_group = groups.forename;
        person.surname_group = groups.surname;
        person.postcode = postcode;
        person.address_line = address;
        person.twin = children == 2;
        person.sex = c == 1 && rng.Chance(0.66) ? people.back().sex
                     : rng.Chance(0.512)        ? '1'
                                                : '2';
        const NameList& forenames = NamesOf(groups.forename);
        const bool same_initial = c == 1 && rng.Chance(0.3);
        for (int attempt = 0; attempt < 40; ++attempt) {
          person.forename =
              std::string(DrawForename(forenames, person.sex, rng));
          bool taken = false;
          for (size_t i = first; i < people.size(); ++i) {
            taken |= people[i].forename == person.forename;
          }
          if (same_initial && attempt < 30 &&
              person.forename[0] != people.back().forename[0]) {
            taken = true;
          }
          if (!taken) break;
        }
        // Blended families: a child may carry another parent's surname.
        person.surname = c == 0 && rng.Chance(0.08)
                             ? std::string(rng.PickPopular(surnames.surnames))
                         : c == 1 ? people.back().surname
                                  : family_surname;
        person.nhs_number = DrawNhsNumber(nhs_prefix_digits, rng, nhs_used);
        person.need = area_need * std::exp(0.8 * rng.Normal());
        people.push_back(std::move(person));
      }
    }
    ++household;
  }
  people.resize(static_cast<size_t>(std::max(0, options.people)));
  // A twin whose co-twin fell off the end is not a twin in this population.
  const size_t n = people.size();
  if (n > 0 && people[n - 1].twin &&
      (n < 2 || !people[n - 2].twin ||
       people[n - 2].household != people[n - 1].household ||
       people[n - 2].dob != people[n - 1].dob)) {
    people[n - 1].twin = false;
  }
  return people;
}

}  // namespace equilink::client::synth
