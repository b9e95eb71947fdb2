#ifndef EQUILINK_CLIENT_SYNTH_POPULATION_H_
#define EQUILINK_CLIENT_SYNTH_POPULATION_H_

// The true population behind a synthetic cohort: households of children and
// young people (0-25, mostly 5-18) living in Birmingham and Solihull LSOAs,
// drawn in proportion to each LSOA's children so that deprivation looks like
// Birmingham's, with ethnicity that varies by area and deprivation, names of
// the matching naming traditions, twins and siblings.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "client/synth/name_lists.h"
#include "client/synth/synth_options.h"
#include "client/synth/synth_random.h"

namespace equilink::client::synth {

// Synthetic postcodes: each LSOA gets `postcodes_per_lsoa` made-up postcodes
// in a Birmingham (B1-B48) or Solihull (B90-B94) district, each with one
// street. Postcode p lies in LSOA p / postcodes_per_lsoa.
struct SynthGeography {
  int postcodes_per_lsoa = 0;
  std::vector<std::string> postcodes;  // canonical form, "B12 3AB"
  std::vector<std::string> streets;    // by postcode
  std::vector<double> lsoa_cumulative_children;
  std::vector<int> lsoa_district;  // 12 for B12

  uint32_t LsoaOf(uint32_t postcode) const {
    return postcode / static_cast<uint32_t>(postcodes_per_lsoa);
  }
  // The suburb of `postcode` ("Sparkhill"), or its town ("Birmingham").
  absl::string_view Locality(uint32_t postcode, bool suburb) const;
  // An LSOA drawn in proportion to its children.
  uint32_t SampleLsoa(SynthRandom& rng) const;
};

SynthGeography BuildGeography(const SynthOptions& options);

struct SynthPerson {
  uint32_t household = 0;
  std::string forename;
  std::string surname;
  absl::CivilDay dob;
  char sex = '1';              // NHS code: '1' male, '2' female
  char ethnic_category = 'A';  // NHS ethnic category A-H, J-N, P, R, S
  NameGroup forename_group = NameGroup::kBritish;
  NameGroup surname_group = NameGroup::kBritish;
  uint32_t postcode = 0;     // home, index into SynthGeography::postcodes
  std::string address_line;  // "12 Church Road"
  std::string nhs_number;    // ten digits, valid Modulus 11, unique
  bool twin = false;
  double need = 1;  // latent need: how likely VCSE services see this person
};

EthnicGroup EthnicGroupOf(char ethnic_category);
absl::string_view EthnicGroupName(EthnicGroup group);  // "White", ...

// Exactly options.people people, in household order.
std::vector<SynthPerson> GeneratePeople(const SynthOptions& options,
                                        const SynthGeography& geography);

// A new home for someone who moved: a postcode in a different LSOA, with its
// address line.
void DrawOtherAddress(const SynthGeography& geography, uint32_t avoid_lsoa,
                      SynthRandom& rng, uint32_t* postcode,
                      std::string* address_line);

}  // namespace equilink::client::synth

#endif  // EQUILINK_CLIENT_SYNTH_POPULATION_H_
