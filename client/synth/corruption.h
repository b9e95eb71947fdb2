#ifndef EQUILINK_CLIENT_SYNTH_CORRUPTION_H_
#define EQUILINK_CLIENT_SYNTH_CORRUPTION_H_

// How a person's details end up in a VCSE record: the true identity, then the
// errors and gaps of real case-management data, each recorded as a bit so the
// truth file can say what was done to every record.

#include <cstdint>
#include <string>

#include "absl/time/civil_time.h"
#include "client/synth/population.h"
#include "client/synth/synth_options.h"
#include "client/synth/synth_random.h"

namespace equilink::client::synth {

enum Corruption : uint32_t {
  kNickname = 1u << 0,
  kSpellingVariant = 1u << 1,
  kForenameTypo = 1u << 2,
  kSurnameTypo = 1u << 3,
  kNameSwap = 1u << 4,
  kSurnameChange = 1u << 5,
  kMovedAddress = 1u << 6,
  kDobDayMonthSwap = 1u << 7,
  kDobDigitError = 1u << 8,
  kNhsMissing = 1u << 9,
  kNhsMistyped = 1u << 10,
  kPostcodeMissing = 1u << 11,
  kAddressMissing = 1u << 12,
  kSexMissing = 1u << 13,
  kEthnicityMissing = 1u << 14,
};
inline constexpr int kCorruptionKinds = 15;

// "nickname", "spelling_variant", ... for bit i.
const char* CorruptionName(int bit);
// The names of the bits set, joined with '|' ("" when none).
std::string CorruptionNames(uint32_t corruptions);

// One record's identifying fields as the export holds them.
struct SynthIdentity {
  std::string nhs_number;  // empty when missing
  std::string forename;
  std::string surname;
  absl::CivilDay dob;
  char sex = 0;                 // '1', '2', or 0 when missing
  bool sex_blank = false;       // missing as an empty cell (else "Not known")
  std::string ethnic_category;  // A-S, "Z" not stated, "99" not known, ""
  std::string address_line;     // empty when missing
  uint32_t postcode = 0;        // where the record places the person
  std::string postcode_text;    // as written; empty when missing
  bool locality_named = true;   // suburb, else the town ("Birmingham")
};

// The person's true details, exactly (the ICS register's form).
SynthIdentity TrueIdentity(const SynthPerson& person,
                           const SynthGeography& geography);

// Applies `rates` to the true identity of `person`. `nhs_missing` is the
// probability that the NHS number is left out (from the quintile and group
// table). Returns the Corruption bits applied.
uint32_t CorruptIdentity(const SynthPerson& person,
                         const SynthGeography& geography,
                         const CorruptionRates& rates, double nhs_missing,
                         SynthRandom& rng, SynthIdentity* out);

// The probability that a VCSE record of someone in IMD `quintile` (1-5) and
// `group` lacks an NHS number.
double NhsMissingRate(const CorruptionRates& rates, int quintile,
                      EthnicGroup group);

// One character inserted, deleted, replaced by a keyboard neighbour, or two
// neighbours transposed; only ASCII letters are touched, so UTF-8 stays valid.
std::string Typo(const std::string& name, SynthRandom& rng);

// One digit of a valid NHS number replaced, which always breaks the Modulus
// 11 check.
std::string MistypeNhsNumber(const std::string& digits, SynthRandom& rng);

}  // namespace equilink::client::synth

#endif  // EQUILINK_CLIENT_SYNTH_CORRUPTION_H_
