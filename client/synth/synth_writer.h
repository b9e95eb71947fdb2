#ifndef EQUILINK_CLIENT_SYNTH_SYNTH_WRITER_H_
#define EQUILINK_CLIENT_SYNTH_SYNTH_WRITER_H_

// Writes a SynthDataset as the files a demo or benchmark needs, all into one
// directory:
//   population.csv            the ICS register (synth_population profile)
//   vcse_<CODE>.csv           one per organisation (synth_vcse profile)
//   profiles/synth_vcse_<CODE>.textproto, profiles/synth_population.textproto
//                             the profiles, with each file's organisation code
//   postcode_lookup.csv       synthetic postcodes -> real LSOA 2011 codes, in
//                             the ONSPD layout client/geo/postcode_lookup.h
//                             reads
//   truth.csv                 one row per record of every file: whose it is
//                             (see kTruthHeader in synth_writer.cc)

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/synth/synth_dataset.h"
#include "common/pseudo/record_pseudonymiser.h"

namespace equilink::client::synth {

struct SynthWriteOptions {
  std::string out_dir;  // created when missing
  // When set, truth.csv carries each record's record pseudonym (hex), as the
  // client will send it with the same key; otherwise that column is empty.
  const RecordPseudonymiser* pseudonymiser = nullptr;
  int threads = 2;  // for the pseudonyms
};

struct SynthFile {
  std::string path;
  int64_t rows = 0;  // data rows
};

// The files written, in the order above. Errors name the file, never a value.
absl::StatusOr<std::vector<SynthFile>> WriteSynthDataset(
    const SynthDataset& dataset, const SynthWriteOptions& options);

// The truth file's header line.
extern const char kTruthHeader[];

}  // namespace equilink::client::synth

#endif  // EQUILINK_CLIENT_SYNTH_SYNTH_WRITER_H_
