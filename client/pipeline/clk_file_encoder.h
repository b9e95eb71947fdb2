#ifndef EQUILINK_CLIENT_PIPELINE_CLK_FILE_ENCODER_H_
#define EQUILINK_CLIENT_PIPELINE_CLK_FILE_ENCODER_H_

// Encodes every row of a CSV file into a record carrying its clkhash CLK
// (BLOOM_RECORD_CLK), the way clkhash's `hash` command encodes a file: for
// benchmarks and tools that link whole files (FEBRL), without a mapping
// profile.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/pseudo/clk/clk_encoder.h"
#include "common/pseudo/record_pseudonymiser.h"
#include "equilink/v1/record.pb.h"

namespace equilink::client {

struct ClkFileOptions {
  // The column each schema feature reads, by feature identifier. A feature
  // not listed reads the column named like its identifier (clkhash's FEBRL
  // tutorial schema names its features after the file's columns).
  std::map<std::string, std::string> columns;
  char delimiter = ',';
  // When both are set, each record's record_pseudonym (and the other
  // identity fields, from the record id alone) come from `pseudonymiser`
  // given organisation_code and the record_id_column's value.
  const RecordPseudonymiser* pseudonymiser = nullptr;
  std::string organisation_code;
  std::string record_id_column;
};

struct ClkEncodedFile {
  std::vector<v1::PseudonymisedRecord> records;  // one per data row, in order
  // The record_id_column's value for each record (for truth in benchmarks);
  // empty strings when no record_id_column was given.
  std::vector<std::string> record_ids;
  std::vector<int> row_numbers;  // spreadsheet rows (header = 1)
};

// Reads the whole file. Fails, naming the row, the column and the rule (never
// a value), on the first row whose values break the schema's formats, as
// clkhash refuses a file it cannot validate.
absl::StatusOr<ClkEncodedFile> EncodeCsvFileClks(const std::string& csv_path,
                                                 const clk::ClkEncoder& encoder,
                                                 const ClkFileOptions& options);

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_PIPELINE_CLK_FILE_ENCODER_H_
