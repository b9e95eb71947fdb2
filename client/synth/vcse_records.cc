// GenerateOrganisationRecords (synth_dataset.h): who an organisation serves,
// what it did for them, and how their details were typed in.

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "client/synth/bsol_lsoas.h"
#include "client/synth/synth_dataset.h"
#include "client/synth/synth_profiles.h"

namespace equilink::client::synth {
namespace {

constexpr uint64_t kOrganisationStreamBase = 1000;

// Indexes into SynthServices() of what each organisation runs.
constexpr int kOrganisationServices[4][4] = {
    {0, 1, 2, 3},    // 8HX12: young carers, wellbeing, HAF, family support
    {1, 4, 5, 6},    // 8JK34: wellbeing, counselling, youth club, mentoring
    {2, 7, 8, 9},    // 8LM56: HAF, healthy lifestyles, asthma, parenting
    {10, 11, 6, 5},  // 8NP78: social prescribing, advice, mentoring, youth
};

std::vector<int> ServicesOf(int organisation) {
  if (organisation < 4) {
    return {std::begin(kOrganisationServices[organisation]),
            std::end(kOrganisationServices[organisation])};
  }
  const int n = static_cast<int>(SynthServices().size());
  return {organisation % n, (organisation + 3) % n, (organisation + 5) % n,
          (organisation + 7) % n};
}

int AgeOn(absl::CivilDay dob, absl::CivilDay day) {
  int age = static_cast<int>(day.year() - dob.year());
  if (day.month() < dob.month() ||
      (day.month() == dob.month() && day.day() < dob.day())) {
    --age;
  }
  return age;
}

bool Fits(const SynthService& service, int age) {
  return age >= service.min_age && age <= service.max_age;
}

// Where an organisation's clients come from: 8HX12 works mostly in
// Birmingham, 8JK34 draws more from Solihull.
double AreaFactor(int organisation, const BsolLsoa& lsoa) {
  if (organisation == 0) return lsoa.local_authority == 0 ? 1.3 : 0.6;
  if (organisation == 1) return lsoa.local_authority == 1 ? 2.5 : 1.0;
  return 1.0;
}

int Clamp(double value, int low, int high) {
  return std::clamp(static_cast<int>(std::lround(value)), low, high);
}

SynthServiceFacts DrawFacts(const SynthOptions& options,
                            const SynthPerson& person,
                            const std::vector<int>& services,
                            absl::CivilDay referral, SynthRandom& rng) {
  const absl::Span<const SynthService> catalogue = SynthServices();
  const BsolLsoa& lsoa =
      BsolLsoas()[person.postcode /
                  static_cast<uint32_t>(options.postcodes_per_lsoa)];
  SynthServiceFacts facts;
  facts.referral = referral;
  const int age = AgeOn(person.dob, referral);
  std::vector<int> fitting;
  for (int s : services) {
    if (Fits(catalogue[s], age)) fitting.push_back(s);
  }
  facts.service = fitting.empty() ? services[0] : rng.Pick<int>(fitting);
  const SynthService& service = catalogue[facts.service];
  static constexpr double kSourceWeights[] = {0.30, 0.15, 0.12, 0.15, 0.08,
                                              0.06, 0.05, 0.04, 0.02, 0.03};
  facts.referral_source = rng.Weighted(kSourceWeights);
  if (rng.Chance(0.85) && referral + 3 <= options.as_of) {
    facts.first_contact = std::min(options.as_of, referral + 3 + rng.Below(40));
    const absl::CivilDay discharge = *facts.first_contact + 30 + rng.Below(200);
    if (discharge <= options.as_of && rng.Chance(0.9)) {
      facts.discharge = discharge;
    }
    if (rng.Chance(0.6)) {
      facts.sessions_offered = 4 + rng.Below(9);
      facts.sessions_attended = facts.discharge
                                    ? rng.Between(0, facts.sessions_offered)
                                    : rng.Below(facts.sessions_offered / 2 + 1);
    }
  }
  if (service.measures_wellbeing && facts.first_contact && rng.Chance(0.55)) {
    const bool ended = facts.discharge.has_value() && rng.Chance(0.65);
    if (age >= 13) {
      facts.wemwbs_baseline = Clamp(40 + 9 * rng.Normal(), 14, 70);
      if (ended) {
        facts.wemwbs_exit =
            Clamp(facts.wemwbs_baseline + 3 + 6 * rng.Normal(), 14, 70);
      }
    } else {
      facts.sdq_baseline = Clamp(15 + 6 * rng.Normal(), 0, 40);
      if (ended) {
        facts.sdq_exit =
            Clamp(facts.sdq_baseline - 2 + 4 * rng.Normal(), 0, 40);
      }
    }
  }
  const double deprivation = (10 - lsoa.imd_decile) / 9.0;  // 1 most deprived
  const double need_chance[kNeedCount] = {
      service.code == "YOUNG_CARERS" ? 1.0 : 0.06,
      0.05 + 0.20 * deprivation,  // food insecurity
      age >= 4 && age <= 16 ? 0.08 + 0.35 * deprivation : 0.0,  // FSM
      0.13,                                                     // SEND
      0.02};                                                    // looked after
  for (int n = 0; n < kNeedCount; ++n) {
    if (rng.Chance(need_chance[n])) facts.needs |= static_cast<uint8_t>(1 << n);
  }
  return facts;
}

// Up to `count` people drawn without replacement with probability in
// proportion to `weights` (Efraimidis-Spirakis).
std::vector<uint32_t> WeightedSample(const std::vector<double>& weights,
                                     size_t count, SynthRandom& rng) {
  std::vector<std::pair<double, uint32_t>> keys;
  keys.reserve(weights.size());
  for (uint32_t i = 0; i < weights.size(); ++i) {
    const double u = rng.Uniform();
    if (weights[i] <= 0) continue;
    keys.emplace_back(std::log(1.0 - u) / weights[i], i);
  }
  count = std::min(count, keys.size());
  std::nth_element(keys.begin(), keys.begin() + static_cast<ptrdiff_t>(count),
                   keys.end(), std::greater<>());
  std::vector<uint32_t> chosen;
  chosen.reserve(count);
  for (size_t i = 0; i < count; ++i) chosen.push_back(keys[i].second);
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

std::string UniqueId(absl::string_view prefix, int low, int high,
                     absl::flat_hash_set<int>& used, SynthRandom& rng) {
  int value = rng.Between(low, high);
  while (!used.insert(value).second) value = rng.Between(low, high);
  return absl::StrCat(prefix, value);
}

}  // namespace

std::vector<SynthRecord> GenerateOrganisationRecords(
    const SynthOptions& options, const SynthGeography& geography,
    const std::vector<SynthPerson>& people, int organisation, int records) {
  SynthRandom rng = SynthRandom::Stream(
      options.seed,
      kOrganisationStreamBase + static_cast<uint64_t>(organisation));
  const std::vector<int> services = ServicesOf(organisation);
  const absl::Span<const SynthService> catalogue = SynthServices();
  const absl::Span<const BsolLsoa> lsoas = BsolLsoas();

  std::vector<double> weights(people.size());
  for (size_t i = 0; i < people.size(); ++i) {
    const SynthPerson& person = people[i];
    const int age = AgeOn(person.dob, options.as_of);
    bool eligible = false;
    for (int s : services) {
      // A year's slack: the referral may have been a year before as_of.
      eligible |=
          age >= catalogue[s].min_age && age <= catalogue[s].max_age + 1;
    }
    eligible &= person.dob + 30 <= options.as_of;
    weights[i] =
        eligible
            ? person.need * AreaFactor(organisation,
                                       lsoas[geography.LsoaOf(person.postcode)])
            : 0.0;
  }
  // Referrals per person: one, or more for the re-referred.
  const double per_person = 1 + options.re_referral * 1.15;
  std::vector<uint32_t> chosen = WeightedSample(
      weights, static_cast<size_t>(std::ceil(records / per_person)), rng);
  std::vector<int> counts(chosen.size(), 1);
  int total = static_cast<int>(chosen.size());
  for (int& count : counts) {
    if (total >= records || !rng.Chance(options.re_referral)) continue;
    const int extra = rng.Chance(0.15) ? 2 : 1;
    count += extra;
    total += extra;
  }
  // Chance may leave the count short: top it up with more re-referrals.
  while (total < records && !counts.empty()) {
    ++counts[static_cast<size_t>(rng.Below(static_cast<int>(counts.size())))];
    ++total;
  }
  for (size_t i = counts.size(); total > records && i-- > 0;) {
    while (counts[i] > 1 && total > records) --counts[i], --total;
  }
  while (total > records && !counts.empty()) {
    counts.pop_back();
    chosen.pop_back();
    --total;
  }

  const CorruptionRates& rates = options.corruption;
  std::vector<SynthRecord> out;
  out.reserve(static_cast<size_t>(std::max(0, total)));
  absl::flat_hash_set<int> client_ids;
  for (size_t c = 0; c < chosen.size(); ++c) {
    const SynthPerson& person = people[chosen[c]];
    const BsolLsoa& lsoa = lsoas[geography.LsoaOf(person.postcode)];
    const double nhs_missing =
        NhsMissingRate(rates, ImdQuintile(lsoa.imd_decile),
                       EthnicGroupOf(person.ethnic_category));
    // Referrals in the two years to as_of, none before the child was a
    // month old.
    const absl::CivilDay earliest =
        std::max(options.as_of - 729, person.dob + 30);
    std::vector<absl::CivilDay> dates;
    for (int k = 0; k < counts[c]; ++k) {
      dates.push_back(
          earliest + rng.Below(static_cast<int>(options.as_of - earliest) + 1));
    }
    std::sort(dates.begin(), dates.end());
    const size_t first = out.size();
    for (int k = 0; k < counts[c]; ++k) {
      SynthRecord record;
      record.person = chosen[c];
      if (k > 0 && !rng.Chance(options.duplicate_client)) {
        // The same client file: details as first typed, perhaps with the
        // NHS number found since.
        const SynthRecord& previous = out[first];
        record.client_id = previous.client_id;
        record.identity = previous.identity;
        record.corruptions = previous.corruptions;
        if ((record.corruptions & kNhsMissing) != 0 && rng.Chance(0.3)) {
          record.identity.nhs_number = person.nhs_number;
          record.corruptions &= ~static_cast<uint32_t>(kNhsMissing);
        }
      } else {
        record.client_id = UniqueId("C", 100000, 999999, client_ids, rng);
        record.corruptions = CorruptIdentity(
            person, geography, rates, nhs_missing, rng, &record.identity);
      }
      record.facts = DrawFacts(options, person, services, dates[k], rng);
      record.expect_reject = record.identity.dob > record.facts.referral;
      out.push_back(std::move(record));
    }
  }
  // Exports list referrals in the order they came in, numbered as they came.
  std::stable_sort(out.begin(), out.end(),
                   [](const SynthRecord& a, const SynthRecord& b) {
                     return a.facts.referral < b.facts.referral;
                   });
  int next_referral = rng.Between(1000000, 4000000);
  for (SynthRecord& record : out) {
    next_referral += 1 + rng.Below(4);
    record.record_id = absl::StrCat("R", next_referral);
  }
  return out;
}

}  // namespace equilink::client::synth
