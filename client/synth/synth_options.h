#ifndef EQUILINK_CLIENT_SYNTH_SYNTH_OPTIONS_H_
#define EQUILINK_CLIENT_SYNTH_SYNTH_OPTIONS_H_

// What `equilink synth` generates and how dirty the VCSE records are. Every
// rate is a probability per VCSE record unless it says otherwise; the
// population (ICS register) file is clean apart from
// population_nhs_missing.

#include <array>
#include <cstdint>
#include <string>

#include "absl/time/civil_time.h"

namespace equilink::client::synth {

// The NHS five-group ethnicity classification, in this order everywhere.
enum class EthnicGroup : uint8_t { kWhite, kMixed, kAsian, kBlack, kOther };
inline constexpr int kEthnicGroupCount = 5;

struct CorruptionRates {
  double nickname = 0.08;          // Thomas -> Tom, when the name has one
  double spelling_variant = 0.15;  // Mohammed -> Muhammad, when it has one
                                   // (forename and surname each)
  double forename_typo = 0.03;     // one character inserted, deleted, replaced
  double surname_typo = 0.03;      // or two neighbours transposed
  double name_swap = 0.01;       // forename and surname in each other's column
  double surname_change = 0.02;  // one part of a double-barrelled surname,
                                 // or another family surname
  double moved_address = 0.10;   // a different address, postcode and LSOA
  double dob_day_month_swap = 0.004;  // only where the result is a real date
  double dob_digit_error = 0.004;     // one digit of the date wrong
  double postcode_missing = 0.05;
  double address_missing = 0.04;
  double sex_missing = 0.02;        // blank or "Not known"
  double ethnicity_missing = 0.10;  // blank, "Not known" or "Prefer not to say"
  double nhs_mistyped = 0.01;  // of the NHS numbers present: one digit wrong,
                               // so the Modulus 11 check fails
  // NHS number missing, by IMD 2019 quintile of the true home (1 = most
  // deprived) ...
  std::array<double, 5> nhs_missing_by_quintile = {0.20, 0.17, 0.14, 0.11,
                                                   0.08};
  // ... times a factor by EthnicGroup (White, Mixed, Asian, Black, Other);
  // the product is capped at 0.95.
  std::array<double, kEthnicGroupCount> nhs_missing_group_factor = {
      1.0, 1.2, 1.25, 1.5, 1.6};
  // Harmless formatting noise the client must absorb (not corruption):
  double upper_case_names = 0.05;   // "SMITH"
  double postcode_unspaced = 0.10;  // "b123ab"
};

// Multiplies every corruption rate (not the NHS-missing table) by `factor`;
// 0 gives clean VCSE records apart from missing NHS numbers.
CorruptionRates ScaledCorruption(const CorruptionRates& rates, double factor);

struct SynthOptions {
  uint64_t seed = 1;  // the same seed and options give the same bytes
  int people = 20000;
  int organisations = 4;
  // VCSE records over all organisations; 0 means people / 2.
  int vcse_records = 0;
  // Of the people an organisation serves, the share referred again (a new
  // referral id) ...
  double re_referral = 0.12;
  // ... and of those, the share registered again as a new client, with their
  // details typed afresh.
  double duplicate_client = 0.25;
  double twin_births = 0.015;  // share of births (maternities) that are twins
  // Service dates fall in the two years to this day; ages are taken on it.
  absl::CivilDay as_of = absl::CivilDay(2026, 3, 31);
  // The ICS register's organisation code (its records' source).
  std::string population_code = "QHL";
  double population_nhs_missing = 0.005;
  // An LSOA has about 1,500 residents in 30-50 postcodes; with 6 (the first
  // setting) a million synthetic children put over 200 in each postcode, and
  // every postcode key became a large block.
  int postcodes_per_lsoa = 40;
  CorruptionRates corruption;
};

// The organisation codes used for `count` organisations: 8HX12, 8JK34, 8LM56,
// 8NP78, then 8QR01, 8QR02, ...
std::string OrganisationCode(int index);

}  // namespace equilink::client::synth

#endif  // EQUILINK_CLIENT_SYNTH_SYNTH_OPTIONS_H_
