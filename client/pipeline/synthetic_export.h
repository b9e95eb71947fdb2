#ifndef EQUILINK_CLIENT_PIPELINE_SYNTHETIC_EXPORT_H_
#define EQUILINK_CLIENT_PIPELINE_SYNTHETIC_EXPORT_H_

// Writes a synthetic export in the column layout of
// client/profiles/charitylog.textproto, for benchmarks and large tests. Every
// person in it is made up: names are drawn from lists of common names, NHS
// numbers are random ten-digit numbers with a valid check digit, postcodes
// come from the lookup file given in the options.

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace equilink::client {

struct SyntheticExportOptions {
  int64_t rows = 1000;
  uint64_t seed = 1;  // the same seed and options give the same bytes
  // Row i gets local ids CL(1000000 + first_row + i) and R(5000000 +
  // first_row + i): files with disjoint ranges hold different records.
  int64_t first_row = 0;
  // An ONSPD-layout lookup (deploy/data/postcode_lookup_demo.csv); postcodes
  // are drawn from its live rows. Required.
  std::string postcode_lookup_path;
  double nhs_presence = 0.7;      // rows with an NHS number
  double invalid_nhs_rate = 0.0;  // of those, share failing Modulus 11
  // Share of rows with one deliberate error, cycling through DATE_FORMAT
  // (referral date), CODESET (ethnicity), SCORE_RANGE (WEMWBS) and REQUIRED
  // (referral id).
  double bad_row_rate = 0.0;
};

// Writes the file (UTF-8 BOM, CRLF, as Excel saves a Charitylog export).
// InvalidArgument for bad options or an empty lookup; the lookup's load
// errors; DataLoss when writing fails.
absl::Status WriteSyntheticExport(const SyntheticExportOptions& options,
                                  const std::string& path);

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_PIPELINE_SYNTHETIC_EXPORT_H_
