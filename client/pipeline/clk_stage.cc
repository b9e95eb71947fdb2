#include "client/pipeline/clk_stage.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/keys/secret_file.h"
#include "common/status/status_macros.h"

namespace equilink::client {

absl::StatusOr<std::unique_ptr<clk::ClkEncoder>> LoadClkEncoder(
    const v1::ClkProfile& profile, const SecretBytes& secret) {
  if (profile.schema_path().empty()) {
    return absl::InvalidArgumentError("clk: schema_path is required");
  }
  EQ_ASSIGN_OR_RETURN(clk::ClkSchema schema,
                      clk::LoadClkSchemaFile(profile.schema_path()));
  absl::StatusOr<std::unique_ptr<clk::ClkEncoder>> encoder =
      clk::ClkEncoder::Create(schema, secret);
  if (!encoder.ok()) {
    return absl::Status(
        encoder.status().code(),
        absl::StrCat(profile.schema_path(), ": ", encoder.status().message()));
  }
  return encoder;
}

absl::StatusOr<SecretBytes> ReadClkSecretFile(const std::string& path) {
  EQ_ASSIGN_OR_RETURN(SecretBytes raw,
                      ReadSecretFile(path, "CLK secret file", 4096));
  absl::string_view bytes = raw.UnsafeSecretView();
  while (!bytes.empty() && (bytes.back() == '\n' || bytes.back() == '\r')) {
    bytes.remove_suffix(1);
  }
  if (bytes.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": the CLK secret file is empty"));
  }
  return SecretBytes(bytes);
}

absl::StatusOr<ClkColumns> ClkColumns::Create(
    const v1::ClkProfile& profile, const clk::ClkSchema& schema,
    const std::vector<std::string>& header) {
  absl::flat_hash_map<std::string, int> header_index;
  for (size_t i = 0; i < header.size(); ++i) {
    header_index.try_emplace(std::string(absl::StripAsciiWhitespace(header[i])),
                             static_cast<int>(i));
  }
  absl::flat_hash_map<std::string, const v1::ClkFeatureSource*> by_identifier;
  for (const v1::ClkFeatureSource& source : profile.sources()) {
    if (!by_identifier.try_emplace(source.identifier(), &source).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("clk: feature '", source.identifier(),
                       "' has more than one source column"));
    }
  }
  std::vector<Source> sources(schema.features.size());
  size_t used = 0;
  for (size_t i = 0; i < schema.features.size(); ++i) {
    const clk::ClkFeature& feature = schema.features[i];
    auto it = by_identifier.find(feature.identifier);
    if (it == by_identifier.end()) {
      if (feature.ignored) continue;
      return absl::InvalidArgumentError(
          absl::StrCat("clk: schema feature '", feature.identifier,
                       "' has no source column in the profile"));
    }
    ++used;
    const std::string column(absl::StripAsciiWhitespace(it->second->column()));
    auto column_it = header_index.find(column);
    if (column_it == header_index.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("MISSING_COLUMN: column '", column, "' (clk feature '",
                       feature.identifier, "') is not in the header"));
    }
    if (!feature.ignored)
      sources[i] = {.index = column_it->second, .column = column};
  }
  if (used != by_identifier.size()) {
    for (const auto& [identifier, source] : by_identifier) {
      bool known = false;
      for (const clk::ClkFeature& feature : schema.features) {
        known = known || feature.identifier == identifier;
      }
      if (!known) {
        return absl::InvalidArgumentError(
            absl::StrCat("clk: source names feature '", identifier,
                         "', which the schema does not have"));
      }
    }
  }
  return ClkColumns(std::move(sources));
}

std::optional<RowIssue> ClkColumns::Encode(const clk::ClkEncoder& encoder,
                                           const CsvRow& row,
                                           std::string* bits) const {
  std::vector<absl::string_view> values(sources_.size());
  for (size_t i = 0; i < sources_.size(); ++i) {
    const int index = sources_[i].index;
    if (index >= 0 && static_cast<size_t>(index) < row.fields.size()) {
      values[i] = row.fields[static_cast<size_t>(index)];
    }
  }
  int failed = -1;
  absl::StatusOr<std::string> encoded = encoder.Encode(values, &failed);
  if (!encoded.ok()) {
    return RowIssue{.row_number = row.row_number,
                    .field = failed >= 0
                                 ? sources_[static_cast<size_t>(failed)].column
                                 : std::string(),
                    .rule = std::string(rules::kClkFormat),
                    .severity = Severity::kReject};
  }
  *bits = *std::move(encoded);
  return std::nullopt;
}

void SetRecordClk(std::string bits, v1::PseudonymisedRecord* record) {
  v1::BloomEncoding* encoding = nullptr;
  for (v1::BloomEncoding& existing : *record->mutable_bloom()) {
    if (existing.field() == v1::BLOOM_RECORD_CLK) encoding = &existing;
  }
  if (encoding == nullptr) encoding = record->add_bloom();
  encoding->set_field(v1::BLOOM_RECORD_CLK);
  encoding->set_bits(std::move(bits));
}

}  // namespace equilink::client
