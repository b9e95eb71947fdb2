#include "client/pipeline/clk_file_encoder.h"

#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/csv/csv_reader.h"
#include "client/pipeline/clk_stage.h"
#include "common/pseudo/person_identifiers.h"
#include "common/status/status_macros.h"
#include "equilink/v1/mapping.pb.h"

namespace equilink::client {

absl::StatusOr<ClkEncodedFile> EncodeCsvFileClks(
    const std::string& csv_path, const clk::ClkEncoder& encoder,
    const ClkFileOptions& options) {
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<CsvReader> reader,
                      CsvReader::Open(csv_path, options.delimiter));
  CsvRow row;
  EQ_ASSIGN_OR_RETURN(bool has_header, reader->Next(&row));
  if (!has_header) {
    return absl::InvalidArgumentError(
        absl::StrCat(csv_path, ": the file is empty"));
  }
  v1::ClkProfile profile;
  for (const clk::ClkFeature& feature : encoder.schema().features) {
    if (feature.ignored) continue;
    auto it = options.columns.find(feature.identifier);
    v1::ClkFeatureSource* source = profile.add_sources();
    source->set_identifier(feature.identifier);
    source->set_column(it == options.columns.end() ? feature.identifier
                                                   : it->second);
  }
  absl::StatusOr<ClkColumns> columns =
      ClkColumns::Create(profile, encoder.schema(), row.fields);
  if (!columns.ok()) {
    return absl::Status(
        columns.status().code(),
        absl::StrCat(csv_path, ": ", columns.status().message()));
  }
  int record_id_index = -1;
  if (!options.record_id_column.empty()) {
    for (size_t i = 0; i < row.fields.size(); ++i) {
      if (absl::StripAsciiWhitespace(row.fields[i]) ==
          options.record_id_column) {
        record_id_index = static_cast<int>(i);
        break;
      }
    }
    if (record_id_index < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(csv_path, ": MISSING_COLUMN: column '",
                       options.record_id_column, "' is not in the header"));
    }
  }

  ClkEncodedFile file;
  std::string bits;
  PersonIdentifiers ids;
  while (true) {
    EQ_ASSIGN_OR_RETURN(bool more, reader->Next(&row));
    if (!more) break;
    if (std::optional<RowIssue> issue = columns->Encode(encoder, row, &bits);
        issue.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat(csv_path, ": row ", issue->row_number, ": column '",
                       issue->field, "': ", issue->rule));
    }
    std::string record_id;
    if (record_id_index >= 0 &&
        static_cast<size_t>(record_id_index) < row.fields.size()) {
      record_id = row.fields[static_cast<size_t>(record_id_index)];
    }
    v1::PseudonymisedRecord& record = file.records.emplace_back();
    if (options.pseudonymiser != nullptr && record_id_index >= 0) {
      ids = PersonIdentifiers();
      ids.organisation_code = options.organisation_code;
      ids.local_record_id = record_id;
      absl::Status status = options.pseudonymiser->Pseudonymise(ids, &record);
      ids.Cleanse();
      if (!status.ok()) {
        return absl::Status(status.code(),
                            absl::StrCat(csv_path, ": row ", row.row_number,
                                         ": ", status.message()));
      }
    }
    SetRecordClk(std::move(bits), &record);
    file.record_ids.push_back(std::move(record_id));
    file.row_numbers.push_back(row.row_number);
  }
  return file;
}

}  // namespace equilink::client
