#include "client/synth/synth_dataset.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace equilink::client::synth {
namespace {

constexpr uint64_t kPopulationFileStream = 4;

bool IsRate(double value) { return value >= 0 && value <= 1; }

absl::Status CheckOptions(const SynthOptions& options) {
  if (options.people < 1 || options.people > 20'000'000) {
    return absl::InvalidArgumentError("people must be 1..20000000");
  }
  if (options.organisations < 0 || options.organisations > 99) {
    return absl::InvalidArgumentError("organisations must be 0..99");
  }
  if (options.vcse_records < 0 || options.postcodes_per_lsoa < 1 ||
      options.postcodes_per_lsoa > 200) {
    return absl::InvalidArgumentError(
        "vcse_records must be >= 0 and postcodes_per_lsoa 1..200");
  }
  const CorruptionRates& r = options.corruption;
  const double rates[] = {options.re_referral, options.duplicate_client,
                          options.twin_births, options.population_nhs_missing,
                          r.nickname,          r.spelling_variant,
                          r.forename_typo,     r.surname_typo,
                          r.name_swap,         r.surname_change,
                          r.moved_address,     r.dob_day_month_swap,
                          r.dob_digit_error,   r.postcode_missing,
                          r.address_missing,   r.sex_missing,
                          r.ethnicity_missing, r.nhs_mistyped,
                          r.upper_case_names,  r.postcode_unspaced};
  for (double rate : rates) {
    if (!IsRate(rate)) {
      return absl::InvalidArgumentError("every rate must be within [0, 1]");
    }
  }
  for (double rate : r.nhs_missing_by_quintile) {
    if (!IsRate(rate)) {
      return absl::InvalidArgumentError(
          "NHS-missing rates by quintile must be within [0, 1]");
    }
  }
  for (double factor : r.nhs_missing_group_factor) {
    if (!(factor >= 0 && factor <= 20)) {
      return absl::InvalidArgumentError(
          "NHS-missing group factors must be within [0, 20]");
    }
  }
  return absl::OkStatus();
}

std::vector<SynthRecord> PopulationRecords(
    const SynthOptions& options, const SynthGeography& geography,
    const std::vector<SynthPerson>& people) {
  SynthRandom rng = SynthRandom::Stream(options.seed, kPopulationFileStream);
  std::vector<uint32_t> order(people.size());
  std::iota(order.begin(), order.end(), 0u);
  // A register is not kept in household order.
  for (size_t i = order.size(); i > 1; --i) {
    std::swap(order[i - 1],
              order[static_cast<size_t>(rng.Below(static_cast<int>(i)))]);
  }
  std::vector<SynthRecord> records;
  records.reserve(people.size());
  absl::flat_hash_set<int> used;
  for (uint32_t index : order) {
    SynthRecord record;
    record.person = index;
    int id = rng.Between(10'000'000, 99'999'999);
    while (!used.insert(id).second) id = rng.Between(10'000'000, 99'999'999);
    record.record_id = absl::StrCat("P", id);
    record.identity = TrueIdentity(people[index], geography);
    if (rng.Chance(options.population_nhs_missing)) {
      record.identity.nhs_number.clear();
      record.corruptions = kNhsMissing;
    }
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace

CorruptionRates ScaledCorruption(const CorruptionRates& rates, double factor) {
  CorruptionRates scaled = rates;
  for (double* rate :
       {&scaled.nickname, &scaled.spelling_variant, &scaled.forename_typo,
        &scaled.surname_typo, &scaled.name_swap, &scaled.surname_change,
        &scaled.moved_address, &scaled.dob_day_month_swap,
        &scaled.dob_digit_error, &scaled.postcode_missing,
        &scaled.address_missing, &scaled.sex_missing, &scaled.ethnicity_missing,
        &scaled.nhs_mistyped}) {
    *rate = std::clamp(*rate * factor, 0.0, 1.0);
  }
  return scaled;
}

std::string OrganisationCode(int index) {
  static constexpr const char* kFirst[] = {"8HX12", "8JK34", "8LM56", "8NP78"};
  if (index < 4) return kFirst[index];
  return absl::StrFormat("8QR%02d", index - 3);
}

absl::StatusOr<SynthDataset> GenerateSynthDataset(const SynthOptions& options) {
  if (absl::Status status = CheckOptions(options); !status.ok()) return status;
  SynthDataset dataset;
  dataset.options = options;
  dataset.geography = BuildGeography(options);
  dataset.people = GeneratePeople(options, dataset.geography);
  dataset.population =
      PopulationRecords(options, dataset.geography, dataset.people);
  const int total =
      options.vcse_records > 0 ? options.vcse_records : options.people / 2;
  // Organisations differ in size: shares fall as 1/sqrt(rank).
  std::vector<double> shares;
  double share_total = 0;
  for (int i = 0; i < options.organisations; ++i) {
    shares.push_back(1.0 / std::sqrt(i + 1.0));
    share_total += shares.back();
  }
  int assigned = 0;
  for (int i = 0; i < options.organisations; ++i) {
    const int records =
        i + 1 == options.organisations
            ? total - assigned
            : static_cast<int>(std::lround(total * shares[i] / share_total));
    assigned += records;
    dataset.organisation_codes.push_back(OrganisationCode(i));
    dataset.organisations.push_back(GenerateOrganisationRecords(
        options, dataset.geography, dataset.people, i, records));
  }
  return dataset;
}

}  // namespace equilink::client::synth
