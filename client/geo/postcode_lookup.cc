#include "client/geo/postcode_lookup.h"

#include <algorithm>
#include <utility>

#include "absl/memory/memory.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/csv/csv_reader.h"
#include "common/normalise/postcode.h"
#include "common/status/status_macros.h"
#include "common/validate/record_rules.h"

namespace equilink::client {
namespace {

int FindColumn(const std::vector<std::string>& header, absl::string_view name) {
  for (size_t i = 0; i < header.size(); ++i) {
    if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(header[i]), name)) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostcodeLookup>> PostcodeLookup::Load(
    const std::string& path, const PostcodeLookupOptions& options) {
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<CsvReader> reader,
                      CsvReader::Open(path, options.delimiter));
  absl::StatusOr<std::unique_ptr<PostcodeLookup>> lookup =
      Build(*reader, options);
  if (!lookup.ok()) {
    return absl::Status(lookup.status().code(),
                        absl::StrCat(path, ": ", lookup.status().message()));
  }
  return lookup;
}

absl::StatusOr<std::unique_ptr<PostcodeLookup>> PostcodeLookup::FromString(
    std::string contents, const PostcodeLookupOptions& options) {
  EQ_ASSIGN_OR_RETURN(
      std::unique_ptr<CsvReader> reader,
      CsvReader::FromString(std::move(contents), options.delimiter));
  return Build(*reader, options);
}

absl::StatusOr<std::unique_ptr<PostcodeLookup>> PostcodeLookup::Build(
    CsvReader& reader, const PostcodeLookupOptions& options) {
  CsvRow row;
  EQ_ASSIGN_OR_RETURN(bool has_header, reader.Next(&row));
  if (!has_header)
    return absl::InvalidArgumentError("postcode lookup is empty");
  const int pcds = FindColumn(row.fields, "pcds");
  const int doterm = FindColumn(row.fields, "doterm");
  const int lsoa = FindColumn(row.fields, options.lsoa_column);
  if (pcds < 0 || doterm < 0 || lsoa < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("postcode lookup header needs columns pcds, doterm and ",
                     options.lsoa_column, " (ONS Postcode Directory layout)"));
  }
  auto lookup = absl::WrapUnique(new PostcodeLookup());
  const size_t needed = static_cast<size_t>(std::max({pcds, doterm, lsoa})) + 1;
  while (true) {
    EQ_ASSIGN_OR_RETURN(bool more, reader.Next(&row));
    if (!more) break;
    if (row.fields.size() < needed) {
      return absl::InvalidArgumentError(absl::StrCat(
          "postcode lookup row ", row.row_number, " has too few columns"));
    }
    if (!absl::StripAsciiWhitespace(row.fields[doterm]).empty()) {
      ++lookup->stats_.terminated;
      continue;
    }
    lookup->Add(row.fields[pcds], absl::StripAsciiWhitespace(row.fields[lsoa]));
  }
  return lookup;
}

void PostcodeLookup::Add(absl::string_view pcds, absl::string_view lsoa) {
  if (!IsValidLsoaCode(lsoa)) {
    ++stats_.no_lsoa;
    return;
  }
  std::optional<std::string> postcode = CanonicalPostcode(pcds);
  if (!postcode.has_value()) {
    ++stats_.bad_postcode;
    return;
  }
  auto [index_it, added_code] =
      lsoa_index_.try_emplace(lsoa, static_cast<uint32_t>(lsoa_codes_.size()));
  if (added_code) lsoa_codes_.emplace_back(lsoa);
  if (!lsoa_by_postcode_.try_emplace(*postcode, index_it->second).second) {
    ++stats_.duplicate;
    return;
  }
  ++stats_.loaded;
}

std::optional<absl::string_view> PostcodeLookup::FindLsoa(
    absl::string_view canonical_postcode) const {
  auto it = lsoa_by_postcode_.find(canonical_postcode);
  if (it == lsoa_by_postcode_.end()) return std::nullopt;
  return absl::string_view(lsoa_codes_[it->second]);
}

std::vector<std::string> PostcodeLookup::Postcodes() const {
  std::vector<std::string> postcodes;
  postcodes.reserve(lsoa_by_postcode_.size());
  for (const auto& entry : lsoa_by_postcode_) postcodes.push_back(entry.first);
  std::sort(postcodes.begin(), postcodes.end());
  return postcodes;
}

}  // namespace equilink::client
