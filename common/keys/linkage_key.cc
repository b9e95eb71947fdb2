#include "common/keys/linkage_key.h"

#include <openssl/rand.h>

#include <cstring>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/keys/secret_file.h"

namespace equilink {
namespace {

constexpr absl::string_view kMagicLine = "equilink-linkage-key-v1";
constexpr absl::string_view kKeyIdPrefix = "key_id: ";
constexpr absl::string_view kKeyPrefix = "key: ";
constexpr absl::string_view kFileRole = "key file";
// A valid file is under 150 bytes; anything much larger is not a key file and
// is refused before it is read into memory.
constexpr size_t kMaxFileBytes = 4096;

absl::Status ValidateKeyId(absl::string_view key_id) {
  if (key_id.empty() || key_id.size() > 64) {
    return absl::InvalidArgumentError("key id must be 1-64 characters");
  }
  for (char c : key_id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) {
      return absl::InvalidArgumentError(
          "key id may contain only A-Z a-z 0-9 . _ -");
    }
  }
  return absl::OkStatus();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::Status Malformed(absl::string_view path, absl::string_view rule) {
  return absl::InvalidArgumentError(
      absl::StrCat("key file ", path, " is malformed: ", rule));
}

// Parses the file body (docs/PSEUDONYMISATION.md, "Key file"). Error messages
// name the rule that failed, never the content.
absl::StatusOr<LinkageKey> ParseKeyFile(absl::string_view path,
                                        absl::string_view text) {
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  // One trailing newline is expected; nothing may follow it.
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.size() != 3) {
    return Malformed(path, "expected exactly three lines");
  }
  for (absl::string_view& line : lines) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  }
  if (lines[0] != kMagicLine) {
    return Malformed(path, absl::StrCat("line 1 must be '", kMagicLine, "'"));
  }
  if (!absl::ConsumePrefix(&lines[1], kKeyIdPrefix)) {
    return Malformed(path, "line 2 must start with 'key_id: '");
  }
  if (absl::Status s = ValidateKeyId(lines[1]); !s.ok()) {
    return Malformed(path, absl::StrCat("line 2: ", s.message()));
  }
  if (!absl::ConsumePrefix(&lines[2], kKeyPrefix)) {
    return Malformed(path, "line 3 must start with 'key: '");
  }
  if (lines[2].size() != 2 * LinkageKey::kKeyBytes) {
    return Malformed(path, "line 3 must hold exactly 64 hex characters");
  }
  SecretBytes secret(LinkageKey::kKeyBytes);
  uint8_t* bytes = secret.UnsafeMutableData();
  for (size_t i = 0; i < LinkageKey::kKeyBytes; ++i) {
    const int hi = HexValue(lines[2][2 * i]);
    const int lo = HexValue(lines[2][2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return Malformed(path, "line 3 must hold exactly 64 hex characters");
    }
    bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return LinkageKey::FromBytes(lines[1], std::move(secret));
}

}  // namespace

LinkageKey::LinkageKey(std::string key_id, SecretBytes secret)
    : key_id_(std::move(key_id)), secret_(std::move(secret)) {}

absl::StatusOr<LinkageKey> LinkageKey::FromBytes(absl::string_view key_id,
                                                 SecretBytes bytes) {
  if (absl::Status s = ValidateKeyId(key_id); !s.ok()) return s;
  if (bytes.size() != kKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("linkage key must be ", kKeyBytes, " bytes"));
  }
  return LinkageKey(std::string(key_id), std::move(bytes));
}

absl::StatusOr<LinkageKey> LinkageKey::Generate(absl::string_view key_id) {
  if (absl::Status s = ValidateKeyId(key_id); !s.ok()) return s;
  SecretBytes secret(kKeyBytes);
  if (RAND_bytes(secret.UnsafeMutableData(), static_cast<int>(kKeyBytes)) !=
      1) {
    return absl::InternalError("RAND_bytes failed");
  }
  return LinkageKey(std::string(key_id), std::move(secret));
}

absl::StatusOr<LinkageKey> LinkageKey::ReadFromFile(const std::string& path) {
  absl::StatusOr<SecretBytes> text =
      ReadSecretFile(path, kFileRole, kMaxFileBytes);
  if (!text.ok()) return text.status();
  return ParseKeyFile(path, text->UnsafeSecretView());
}

absl::Status LinkageKey::WriteToFile(const std::string& path) const {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::string header =
      absl::StrCat(kMagicLine, "\n", kKeyIdPrefix, key_id_, "\n", kKeyPrefix);
  SecretBytes content(header.size() + 2 * kKeyBytes + 1);
  uint8_t* p = content.UnsafeMutableData();
  std::memcpy(p, header.data(), header.size());
  p += header.size();
  absl::string_view key = secret_.UnsafeSecretView();
  for (unsigned char byte : key) {
    *p++ = static_cast<uint8_t>(kHex[byte >> 4]);
    *p++ = static_cast<uint8_t>(kHex[byte & 0xf]);
  }
  *p = '\n';

  return WriteNewSecretFile(path, content.UnsafeSecretView(), kFileRole);
}

}  // namespace equilink
