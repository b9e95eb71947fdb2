#include "server/governance/imd_local_authority_lookup.h"

#include <zlib.h>

#include <utility>
#include <vector>

#include "absl/memory/memory.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace equilink::governance {
namespace {

absl::StatusOr<std::string> ReadMaybeGzipped(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("local authority lookup ", path, ": cannot open"));
  }
  std::string content;
  char buffer[1 << 16];
  for (;;) {
    const int read = gzread(file, buffer, sizeof(buffer));
    if (read < 0) {
      gzclose(file);
      return absl::InvalidArgumentError(absl::StrCat(
          "local authority lookup ", path, ": not a readable gzip file"));
    }
    if (read == 0) break;
    content.append(buffer, static_cast<size_t>(read));
  }
  gzclose(file);
  return content;
}

// The first `count` fields of a CSV line (RFC 4180 quoting: names such as
// "Bristol, City of" are quoted because they hold a comma).
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

// E01000001, W01000001 (LSOA); E09000001, E08000025 (district).
bool IsGssCode(absl::string_view code) {
  if (code.size() != 9 || !absl::ascii_isupper(code[0])) return false;
  for (char c : code.substr(1)) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ImdLocalAuthorityLookup>>
ImdLocalAuthorityLookup::Load(const std::string& path) {
  absl::StatusOr<std::string> content = ReadMaybeGzipped(path);
  if (!content.ok()) return content.status();
  absl::flat_hash_map<std::string, std::string> map;
  map.reserve(34000);
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(*content, '\n')) {
    ++line_number;
    if (absl::EndsWith(line, "\r")) line.remove_suffix(1);
    if (line_number == 1) continue;  // header, possibly with a BOM
    if (line.empty()) continue;
    std::vector<std::string> fields = LeadingFields(line, 3);
    if (fields.size() < 3 || !IsGssCode(fields[0]) || !IsGssCode(fields[2])) {
      return absl::InvalidArgumentError(
          absl::StrCat("local authority lookup ", path, " line ", line_number,
                       ": expected an LSOA code in column 1 and a local "
                       "authority district code in column 3"));
    }
    if (!map.emplace(std::move(fields[0]), std::move(fields[2])).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("local authority lookup ", path, " line ", line_number,
                       ": the LSOA appears twice"));
    }
  }
  if (map.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("local authority lookup ", path, ": no rows"));
  }
  return absl::WrapUnique(new ImdLocalAuthorityLookup(std::move(map)));
}

std::optional<std::string> ImdLocalAuthorityLookup::LocalAuthorityOf(
    absl::string_view lsoa_code) const {
  auto it = local_authority_of_lsoa_.find(lsoa_code);
  if (it == local_authority_of_lsoa_.end()) return std::nullopt;
  return it->second;
}

}  // namespace equilink::governance
