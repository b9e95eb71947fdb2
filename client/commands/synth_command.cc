#include "client/commands/synth_command.h"

#include <array>
#include <memory>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "client/synth/synth_dataset.h"
#include "client/synth/synth_summary.h"
#include "client/synth/synth_writer.h"
#include "common/keys/linkage_key.h"
#include "common/pseudo/record_pseudonymiser.h"
#include "common/status/status_macros.h"

namespace equilink::client {
namespace {

// Parses exactly five comma-separated numbers into *out (unchanged when
// `text` is empty).
absl::Status ParseFive(absl::string_view flag, absl::string_view text,
                       std::array<double, 5>* out) {
  if (text.empty()) return absl::OkStatus();
  const std::vector<absl::string_view> parts = absl::StrSplit(text, ',');
  std::array<double, 5> values;
  if (parts.size() != values.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " needs five comma-separated numbers"));
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!absl::SimpleAtod(parts[i], &values[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, ": not a number at position ", i + 1));
    }
  }
  *out = values;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> RunSynth(const SynthCommandOptions& options) {
  const absl::Time start = absl::Now();
  if (options.out_dir.empty()) {
    return absl::InvalidArgumentError("--out_dir is required");
  }
  if (!(options.corruption_scale >= 0)) {
    return absl::InvalidArgumentError("--corruption_scale must be >= 0");
  }
  synth::SynthOptions synth_options = options.synth;
  synth_options.corruption = synth::ScaledCorruption(synth_options.corruption,
                                                     options.corruption_scale);
  EQ_RETURN_IF_ERROR(
      ParseFive("nhs_missing_by_quintile", options.nhs_missing_by_quintile,
                &synth_options.corruption.nhs_missing_by_quintile));
  EQ_RETURN_IF_ERROR(
      ParseFive("nhs_missing_group_factor", options.nhs_missing_group_factor,
                &synth_options.corruption.nhs_missing_group_factor));

  std::unique_ptr<RecordPseudonymiser> pseudonymiser;
  if (!options.linkage_key_path.empty()) {
    EQ_ASSIGN_OR_RETURN(LinkageKey key,
                        LinkageKey::ReadFromFile(options.linkage_key_path));
    EQ_ASSIGN_OR_RETURN(pseudonymiser, RecordPseudonymiser::Create(key));
  }
  EQ_ASSIGN_OR_RETURN(synth::SynthDataset dataset,
                      synth::GenerateSynthDataset(synth_options));
  synth::SynthWriteOptions write_options;
  write_options.out_dir = options.out_dir;
  write_options.pseudonymiser = pseudonymiser.get();
  write_options.threads = options.threads;
  EQ_ASSIGN_OR_RETURN(std::vector<synth::SynthFile> files,
                      synth::WriteSynthDataset(dataset, write_options));
  return synth::FormatSynthSummary(synth::SummariseSynthDataset(dataset), files,
                                   absl::ToDoubleSeconds(absl::Now() - start));
}

}  // namespace equilink::client
