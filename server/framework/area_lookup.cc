#include "server/framework/area_lookup.h"

#include <zlib.h>

#include <utility>

#include "absl/memory/memory.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace equilink::framework {
namespace {

absl::StatusOr<std::string> ReadMaybeGzipped(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("area lookup ", path, ": cannot open"));
  }
  std::string content;
  char buffer[1 << 16];
  for (;;) {
    const int read = gzread(file, buffer, sizeof(buffer));
    if (read < 0) {
      gzclose(file);
      return absl::InvalidArgumentError(
          absl::StrCat("area lookup ", path, ": not a readable gzip file"));
    }
    if (read == 0) break;
    content.append(buffer, static_cast<size_t>(read));
  }
  gzclose(file);
  return content;
}

// The first `count` fields of a CSV line (RFC 4180 quoting: names such as
// "Bristol, City of" and numbers such as "29,199" are quoted).
std::vector<std::string> LeadingFields(absl::string_view line, size_t count) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < line.size() && fields.size() < count; ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else {
      field.push_back(c);
    }
  }
  if (fields.size() < count) fields.push_back(std::move(field));
  return fields;
}

// E01000001 (LSOA), E09000001 (district): a capital and eight digits.
bool IsGssCode(absl::string_view code) {
  if (code.size() != 9 || !absl::ascii_isupper(code[0])) return false;
  for (char c : code.substr(1)) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// "29,199" -> 29199: the publisher writes thousands separators.
bool ParseCount(absl::string_view text, int64_t* value) {
  return absl::SimpleAtoi(absl::StrReplaceAll(text, {{",", ""}}), value) &&
         *value >= 0;
}

// Calls `row(fields, line_number)` for each data line of a CSV file.
template <typename Row>
absl::Status ForEachRow(const std::string& path, size_t fields_wanted,
                        Row&& row) {
  absl::StatusOr<std::string> content = ReadMaybeGzipped(path);
  if (!content.ok()) return content.status();
  int line_number = 0;
  bool any = false;
  for (absl::string_view line : absl::StrSplit(*content, '\n')) {
    ++line_number;
    if (absl::EndsWith(line, "\r")) line.remove_suffix(1);
    if (line_number == 1 || line.empty()) continue;  // header, maybe a BOM
    any = true;
    absl::Status status = row(LeadingFields(line, fields_wanted), line_number);
    if (!status.ok()) return status;
  }
  if (!any) {
    return absl::InvalidArgumentError(
        absl::StrCat("area lookup ", path, ": no rows"));
  }
  return absl::OkStatus();
}

absl::Status LineError(const std::string& path, int line,
                       absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("area lookup ", path, " line ", line, ": ", what));
}

}  // namespace

absl::StatusOr<std::unique_ptr<AreaLookup>> AreaLookup::LoadImd(
    const std::string& imd_file) {
  auto lookup = absl::WrapUnique(new AreaLookup());
  lookup->areas_.reserve(33000);
  lookup->index_of_lsoa_.reserve(33000);
  absl::Status status = ForEachRow(
      imd_file, 6,
      [&](std::vector<std::string> fields, int line) -> absl::Status {
        if (fields.size() < 6 || !IsGssCode(fields[0]) ||
            !IsGssCode(fields[2])) {
          return LineError(imd_file, line,
                           "expected an LSOA code in column 1 and a local "
                           "authority district code in column 3");
        }
        int64_t rank = 0;
        int64_t decile = 0;
        if (!ParseCount(fields[4], &rank) || rank < 1) {
          return LineError(imd_file, line,
                           "column 5 (IMD rank) is not a positive number");
        }
        if (!ParseCount(fields[5], &decile) || decile < 1 || decile > 10) {
          return LineError(imd_file, line,
                           "column 6 (IMD decile) is not 1 to 10");
        }
        const size_t index = lookup->areas_.size();
        if (!lookup->index_of_lsoa_.emplace(fields[0], index).second) {
          return LineError(imd_file, line, "the LSOA appears twice");
        }
        lookup->areas_.push_back(Area{
            .lsoa_code = std::move(fields[0]),
            .local_authority_code = std::move(fields[2]),
            .local_authority_name = std::move(fields[3]),
            .imd_rank = static_cast<int32_t>(rank),
            .imd_decile = static_cast<int>(decile),
            .imd_quintile = static_cast<int>((decile + 1) / 2),
        });
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return lookup;
}

absl::StatusOr<std::unique_ptr<AreaLookup>> AreaLookup::Load(
    const std::string& imd_file, const std::string& population_file) {
  absl::StatusOr<std::unique_ptr<AreaLookup>> lookup = LoadImd(imd_file);
  if (!lookup.ok()) return lookup.status();
  AreaLookup& areas = **lookup;
  std::vector<bool> seen(areas.areas_.size(), false);
  absl::Status status = ForEachRow(
      population_file, 6,
      [&](std::vector<std::string> fields, int line) -> absl::Status {
        if (fields.size() < 6 || !IsGssCode(fields[0])) {
          return LineError(population_file, line,
                           "expected an LSOA code in column 1");
        }
        const auto it = areas.index_of_lsoa_.find(fields[0]);
        if (it == areas.index_of_lsoa_.end()) {
          return LineError(population_file, line,
                           "the LSOA is not in the IMD file");
        }
        if (seen[it->second]) {
          return LineError(population_file, line, "the LSOA appears twice");
        }
        seen[it->second] = true;
        Area& area = areas.areas_[it->second];
        if (!ParseCount(fields[4], &area.population)) {
          return LineError(population_file, line,
                           "column 5 (total population) is not a count");
        }
        if (!ParseCount(fields[5], &area.children_0_15) ||
            area.children_0_15 > area.population) {
          return LineError(population_file, line,
                           "column 6 (children aged 0-15) is not a count "
                           "within the total population");
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  for (size_t i = 0; i < seen.size(); ++i) {
    if (!seen[i]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "area lookup ", population_file, ": LSOA ", areas.areas_[i].lsoa_code,
          " of the IMD file has no population row"));
    }
  }
  areas.has_population_ = true;
  return lookup;
}

const Area* AreaLookup::Find(absl::string_view lsoa_code) const {
  const auto it = index_of_lsoa_.find(lsoa_code);
  return it == index_of_lsoa_.end() ? nullptr : &areas_[it->second];
}

}  // namespace equilink::framework
