#include "server/backup/backup_manifest.h"

#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/status/status_macros.h"

namespace equilink::backup {
namespace {

constexpr char kFormatVersion[] = "1";
constexpr char kTimeFormat[] = "%Y-%m-%dT%H:%M:%SZ";

bool IsHex(absl::string_view text, size_t size) {
  if (size != 0 && text.size() != size) return false;
  for (char c : text) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c)) ||
        absl::ascii_isupper(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

// A file name a restore may open inside the backup directory: no directory
// part, no "." or "..", nothing hidden.
bool IsPlainFileName(absl::string_view name) {
  if (name.empty() || name.size() > 128 || name[0] == '.') return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

bool IsRole(absl::string_view role) {
  if (role.empty() || role.size() > 32) return false;
  for (char c : role) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c)) && c != '_') {
      return false;
    }
  }
  return true;
}

class LineParser {
 public:
  LineParser(absl::string_view source, int line)
      : source_(source), line_(line) {}

  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("backup manifest ", source_, " line ", line_, ": ", what));
  }

  absl::Status Parse(const std::vector<absl::string_view>& words,
                     BackupManifest& manifest,
                     absl::flat_hash_set<std::string>& seen_keys) const {
    const absl::string_view key = words[0];
    if (key != "file" && !seen_keys.insert(std::string(key)).second) {
      return Error(absl::StrCat("'", key, "' appears twice"));
    }
    if (key == "file") return ParseFile(words, manifest);
    if (words.size() != 2)
      return Error(absl::StrCat("'", key, "' takes one value"));
    const absl::string_view value = words[1];
    if (key == "format") {
      if (value != kFormatVersion) return Error("unsupported format version");
    } else if (key == "created") {
      std::string error;
      if (!absl::ParseTime(kTimeFormat, value, &manifest.created, &error)) {
        return Error("created is not a UTC time");
      }
    } else if (key == "store_schema_version") {
      if (!absl::SimpleAtoi(value, &manifest.store_schema_version) ||
          manifest.store_schema_version < 0) {
        return Error("store_schema_version is not a version number");
      }
    } else if (key == "audit_last_sequence") {
      if (!absl::SimpleAtoi(value, &manifest.audit_last_sequence)) {
        return Error("audit_last_sequence is not a number");
      }
    } else if (key == "audit_head_hash") {
      if (!IsHex(value, 64)) return Error("audit_head_hash is not SHA-256 hex");
      manifest.audit_head_hash_hex = std::string(value);
    } else if (key == "audit_checkpoint_key_id") {
      if (!IsHex(value, 0)) return Error("audit_checkpoint_key_id is not hex");
      manifest.audit_checkpoint_key_id = std::string(value);
    } else {
      return Error(absl::StrCat("unknown key '", key, "'"));
    }
    return absl::OkStatus();
  }

 private:
  absl::Status ParseFile(const std::vector<absl::string_view>& words,
                         BackupManifest& manifest) const {
    if (words.size() != 5) {
      return Error("file takes a role, a file name, a SHA-256 and a size");
    }
    ManifestFile file;
    file.role = std::string(words[1]);
    file.file_name = std::string(words[2]);
    file.sha256_hex = std::string(words[3]);
    if (!IsRole(file.role)) return Error("the file's role is malformed");
    if (!IsPlainFileName(file.file_name)) {
      return Error("the file name must be a plain name inside the directory");
    }
    if (!IsHex(file.sha256_hex, 64)) return Error("the SHA-256 is not hex");
    if (!absl::SimpleAtoi(words[4], &file.bytes)) {
      return Error("the size is not a number");
    }
    for (const ManifestFile& other : manifest.files) {
      if (other.role == file.role || other.file_name == file.file_name) {
        return Error("a role or file name is listed twice");
      }
    }
    manifest.files.push_back(std::move(file));
    return absl::OkStatus();
  }

  absl::string_view source_;
  int line_;
};

}  // namespace

const ManifestFile* BackupManifest::FindRole(absl::string_view role) const {
  for (const ManifestFile& file : files) {
    if (file.role == role) return &file;
  }
  return nullptr;
}

std::string FormatManifest(const BackupManifest& manifest) {
  std::string text = absl::StrCat(
      "# equilink-gateway backup manifest\n", "format ", kFormatVersion, "\n",
      "created ",
      absl::FormatTime(kTimeFormat, manifest.created, absl::UTCTimeZone()),
      "\n", "store_schema_version ", manifest.store_schema_version, "\n",
      "audit_last_sequence ", manifest.audit_last_sequence, "\n",
      "audit_head_hash ", manifest.audit_head_hash_hex, "\n",
      "audit_checkpoint_key_id ", manifest.audit_checkpoint_key_id, "\n");
  for (const ManifestFile& file : manifest.files) {
    absl::StrAppend(&text, "file ", file.role, " ", file.file_name, " ",
                    file.sha256_hex, " ", file.bytes, "\n");
  }
  return text;
}

absl::StatusOr<BackupManifest> ParseManifest(absl::string_view text,
                                             absl::string_view source) {
  BackupManifest manifest;
  absl::flat_hash_set<std::string> seen_keys;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    const std::vector<absl::string_view> words =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    EQ_RETURN_IF_ERROR(
        LineParser(source, line_number).Parse(words, manifest, seen_keys));
  }
  for (const char* required :
       {"format", "created", "store_schema_version", "audit_last_sequence",
        "audit_head_hash", "audit_checkpoint_key_id"}) {
    if (!seen_keys.contains(required)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "backup manifest ", source, ": '", required, "' is missing"));
    }
  }
  if (manifest.files.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("backup manifest ", source, " lists no file"));
  }
  return manifest;
}

}  // namespace equilink::backup
