#ifndef EQUILINK_CLIENT_SYNTH_SYNTH_PROFILES_H_
#define EQUILINK_CLIENT_SYNTH_SYNTH_PROFILES_H_

// The two file layouts `equilink synth` writes and the mapping profiles that
// read them (shipped as client/profiles/synth_vcse.textproto and
// client/profiles/synth_population.textproto, for 8HX12 and QHL). The
// profiles are built from the same label tables the writer uses, so the files
// and the profiles cannot disagree; a test checks the shipped copies.

#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace equilink::client::synth {

// A service an organisation may run: its export label, canonical code, the
// ages it takes (at referral), and whether it measures wellbeing.
struct SynthService {
  absl::string_view label;
  absl::string_view code;
  int min_age;
  int max_age;
  bool measures_wellbeing;
};
absl::Span<const SynthService> SynthServices();

struct SynthLabel {
  absl::string_view label;
  absl::string_view code;
};
absl::Span<const SynthLabel> ReferralSourceLabels();
// Ethnicity wording of the VCSE layout for an NHS code (A-S, Z, 99); empty
// for an empty code.
absl::string_view EthnicityLabel(absl::string_view code);

// The VCSE layout's need columns, in header order: column name and need code.
absl::Span<const SynthLabel> NeedColumns();

// Header lines (no line ending).
absl::string_view VcseHeader();
absl::string_view PopulationHeader();

// Mapping profile text for one organisation's VCSE export, and for the ICS
// population register file.
std::string VcseProfileText(absl::string_view organisation_code);
std::string PopulationProfileText(absl::string_view organisation_code);

}  // namespace equilink::client::synth

#endif  // EQUILINK_CLIENT_SYNTH_SYNTH_PROFILES_H_
