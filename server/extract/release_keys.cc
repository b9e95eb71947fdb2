#include "server/extract/release_keys.h"

#include <openssl/rand.h>

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/keys/secret_file.h"
#include "common/status/status_macros.h"

namespace equilink::extract {
namespace {

// Domain labels: one per kind of value, so a person id and a record key, or
// a pseudonym and a cursor tag, never MAC the same bytes.
constexpr absl::string_view kPersonLabel = "equilink.v1.release.person";
constexpr absl::string_view kRecordLabel = "equilink.v1.release.record";
constexpr absl::string_view kCursorLabel = "equilink.v1.pull-cursor";

constexpr size_t kMarksBytes = 16;
constexpr size_t kCursorBytes = kMarksBytes + HmacSha256::kOutputBytes;

void AppendBigEndian64(uint64_t value, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

uint64_t ReadBigEndian64(absl::string_view bytes) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) {
    value = (value << 8) | static_cast<uint8_t>(bytes[i]);
  }
  return value;
}

std::string Int64Bytes(int64_t value) {
  std::string out;
  AppendBigEndian64(static_cast<uint64_t>(value), &out);
  return out;
}

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  uint8_t diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<uint8_t>(a[i] ^ b[i]);
  }
  return diff == 0;
}

bool IsLowerHex(absl::string_view text) {
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

absl::Status BadCursor() {
  return absl::InvalidArgumentError(
      "the cursor is not one this gateway issued to this consumer for this "
      "purpose and dataset; pull without it for a full extract");
}

}  // namespace

ReleaseKeys::ReleaseKeys(std::unique_ptr<HmacSha256> mac)
    : mac_(std::move(mac)) {}

absl::StatusOr<std::unique_ptr<ReleaseKeys>> ReleaseKeys::Create(
    const SecretBytes& key) {
  if (key.size() != kReleaseKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("a release key is ", kReleaseKeyBytes, " bytes"));
  }
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<HmacSha256> mac, HmacSha256::Create(key));
  return std::unique_ptr<ReleaseKeys>(new ReleaseKeys(std::move(mac)));
}

absl::StatusOr<std::unique_ptr<ReleaseKeys>> ReleaseKeys::Load(
    const std::string& path) {
  // One byte over the size, so a longer file is reported as the wrong size.
  EQ_ASSIGN_OR_RETURN(SecretBytes key, ReadSecretFile(path, "release key file",
                                                      kReleaseKeyBytes + 1));
  if (key.size() != kReleaseKeyBytes) {
    return absl::InvalidArgumentError(absl::StrCat("release key file ", path,
                                                   " must hold exactly ",
                                                   kReleaseKeyBytes, " bytes"));
  }
  return Create(key);
}

absl::StatusOr<SecretBytes> ReleaseKeys::Generate() {
  SecretBytes key(kReleaseKeyBytes);
  if (RAND_bytes(key.UnsafeMutableData(), static_cast<int>(key.size())) != 1) {
    return absl::InternalError("RAND_bytes failed");
  }
  return key;
}

std::string ReleaseKeys::Mac(
    absl::string_view label,
    std::initializer_list<absl::string_view> parts) const {
  std::string message(label);
  message.push_back('\0');
  for (absl::string_view part : parts) {
    AppendBigEndian64(part.size(), &message);
    message.append(part.data(), part.size());
  }
  return mac_->ComputeString(message);
}

std::string ReleaseKeys::PersonPseudonym(absl::string_view consumer,
                                         int64_t person_id) const {
  return Mac(kPersonLabel, {consumer, Int64Bytes(person_id)});
}

std::string ReleaseKeys::RecordPseudonym(absl::string_view consumer,
                                         absl::string_view organisation_code,
                                         absl::string_view record_key) const {
  return Mac(kRecordLabel, {consumer, organisation_code, record_key});
}

std::string ReleaseKeys::EncodeCursor(const CursorScope& scope,
                                      const CursorMarks& marks) const {
  std::string bytes;
  AppendBigEndian64(static_cast<uint64_t>(marks.record_id_through), &bytes);
  AppendBigEndian64(static_cast<uint64_t>(marks.linked_at_through), &bytes);
  bytes += Mac(kCursorLabel,
               {scope.consumer, scope.purpose_id, scope.dataset_id, bytes});
  return absl::BytesToHexString(bytes);
}

absl::StatusOr<CursorMarks> ReleaseKeys::DecodeCursor(
    const CursorScope& scope, absl::string_view cursor) const {
  if (cursor.size() != 2 * kCursorBytes || !IsLowerHex(cursor)) {
    return BadCursor();
  }
  const std::string bytes = absl::HexStringToBytes(cursor);
  const absl::string_view marks = absl::string_view(bytes).substr(0, 16);
  const std::string expected =
      Mac(kCursorLabel,
          {scope.consumer, scope.purpose_id, scope.dataset_id, marks});
  if (!ConstantTimeEquals(expected, absl::string_view(bytes).substr(16))) {
    return BadCursor();
  }
  CursorMarks decoded;
  decoded.record_id_through = static_cast<int64_t>(ReadBigEndian64(marks));
  decoded.linked_at_through =
      static_cast<int64_t>(ReadBigEndian64(marks.substr(8)));
  if (decoded.record_id_through < 0 || decoded.linked_at_through < 0) {
    return BadCursor();
  }
  return decoded;
}

}  // namespace equilink::extract
