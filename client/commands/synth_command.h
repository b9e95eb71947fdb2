#ifndef EQUILINK_CLIENT_COMMANDS_SYNTH_COMMAND_H_
#define EQUILINK_CLIENT_COMMANDS_SYNTH_COMMAND_H_

#include <string>

#include "absl/status/statusor.h"
#include "client/synth/synth_options.h"

namespace equilink::client {

struct SynthCommandOptions {
  synth::SynthOptions synth;
  std::string out_dir;
  // A linkage key file: truth.csv then carries each record's record
  // pseudonym as the client computes it with this key.
  std::string linkage_key_path;
  // Multiplies every corruption rate (synth::ScaledCorruption); 0 = clean.
  double corruption_scale = 1.0;
  // Five comma-separated rates (IMD quintile 1..5) and five factors (White,
  // Mixed, Asian, Black, Other) for missing NHS numbers; empty = defaults.
  std::string nhs_missing_by_quintile;
  std::string nhs_missing_group_factor;
  int threads = 2;
};

// `equilink synth`: generates a synthetic cohort of children and young people
// in Birmingham and Solihull (client/synth/) and writes it to out_dir. Returns
// the summary to print (counts only, never an identifier).
absl::StatusOr<std::string> RunSynth(const SynthCommandOptions& options);

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_COMMANDS_SYNTH_COMMAND_H_
