#ifndef EQUILINK_CLIENT_SYNTH_SYNTH_SUMMARY_H_
#define EQUILINK_CLIENT_SYNTH_SYNTH_SUMMARY_H_

// Counts that describe a synthetic cohort, printed by `equilink synth` (and
// handy in tests): who is in it, how much of it each organisation sees, and
// how many records each kind of corruption touched.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "client/synth/corruption.h"
#include "client/synth/synth_dataset.h"
#include "client/synth/synth_writer.h"

namespace equilink::client::synth {

struct SynthOrganisationSummary {
  std::string code;
  int64_t records = 0;
  int64_t people = 0;  // distinct true people
  int64_t nhs_missing = 0;
  int64_t expected_rejects = 0;
};

struct SynthSummary {
  int64_t people = 0;
  int64_t households = 0;
  int64_t twin_people = 0;  // people who are one of a pair of twins
  int64_t white_british = 0;
  std::array<int64_t, 5> people_by_imd_quintile = {};
  std::array<int64_t, kEthnicGroupCount> people_by_group = {};
  int64_t population_records = 0;
  int64_t population_nhs_missing = 0;
  std::vector<SynthOrganisationSummary> organisations;
  int64_t vcse_records = 0;
  int64_t people_in_several_organisations = 0;
  std::array<int64_t, kCorruptionKinds> corruption_counts = {};
};

SynthSummary SummariseSynthDataset(const SynthDataset& dataset);

// A few lines of text; never an identifier.
std::string FormatSynthSummary(const SynthSummary& summary,
                               const std::vector<SynthFile>& files,
                               double seconds);

}  // namespace equilink::client::synth

#endif  // EQUILINK_CLIENT_SYNTH_SYNTH_SUMMARY_H_
