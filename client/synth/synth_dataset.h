#ifndef EQUILINK_CLIENT_SYNTH_SYNTH_DATASET_H_
#define EQUILINK_CLIENT_SYNTH_SYNTH_DATASET_H_

// A synthetic cohort held in memory: the true population, the ICS's clean
// register of it, and each VCSE organisation's dirty referral records, every
// record knowing whose it really is. synth_writer.h turns it into files.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "client/synth/corruption.h"
#include "client/synth/population.h"
#include "client/synth/synth_options.h"

namespace equilink::client::synth {

// Need flags, bit i = NeedColumns()[i].
inline constexpr int kNeedCount = 5;

struct SynthServiceFacts {
  int service = 0;  // index into SynthServices()
  absl::CivilDay referral;
  int referral_source = 0;  // index into ReferralSourceLabels()
  std::optional<absl::CivilDay> first_contact;
  std::optional<absl::CivilDay> discharge;
  int sessions_offered = -1;  // -1: blank
  int sessions_attended = -1;
  int wemwbs_baseline = -1;
  int wemwbs_exit = -1;
  int sdq_baseline = -1;
  int sdq_exit = -1;
  uint8_t needs = 0;
};

struct SynthRecord {
  uint32_t person = 0;    // index into SynthDataset::people
  std::string client_id;  // empty in the population file
  std::string record_id;
  SynthIdentity identity;
  SynthServiceFacts facts;   // VCSE records only
  uint32_t corruptions = 0;  // Corruption bits
  // The client must reject this row (a date-of-birth error that puts the
  // birth after the referral).
  bool expect_reject = false;
};

struct SynthDataset {
  SynthOptions options;
  SynthGeography geography;
  std::vector<SynthPerson> people;
  std::vector<SynthRecord> population;  // the ICS register, one per person
  std::vector<std::string> organisation_codes;
  std::vector<std::vector<SynthRecord>> organisations;  // by organisation
};

// InvalidArgument for out-of-range options (people < 1, organisations outside
// 0..99, rates outside [0, 1]).
absl::StatusOr<SynthDataset> GenerateSynthDataset(const SynthOptions& options);

// One organisation's referral records, in referral-date order.
std::vector<SynthRecord> GenerateOrganisationRecords(
    const SynthOptions& options, const SynthGeography& geography,
    const std::vector<SynthPerson>& people, int organisation, int records);

}  // namespace equilink::client::synth

#endif  // EQUILINK_CLIENT_SYNTH_SYNTH_DATASET_H_
