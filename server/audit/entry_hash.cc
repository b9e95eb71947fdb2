#include "server/audit/entry_hash.h"

#include <openssl/sha.h>

#include <cstdint>

#include "absl/strings/string_view.h"

namespace equilink::audit {
namespace {

// The NUL keeps a tag from being a prefix of another tag plus data.
constexpr absl::string_view kEntryTag("equilink.audit.entry.v1\0", 24);
constexpr absl::string_view kCheckpointTag("equilink.audit.checkpoint.v1\0",
                                           29);

void AppendU64(std::string* out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

// Length-prefixed, so adjacent strings cannot trade bytes ("ab","c" versus
// "a","bc") and still hash the same.
void AppendString(std::string* out, absl::string_view value) {
  const auto size = static_cast<uint32_t>(value.size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((size >> shift) & 0xff));
  }
  out->append(value.data(), value.size());
}

std::string Sha256(absl::string_view data) {
  std::string digest(kHashBytes, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

}  // namespace

std::string GenesisHash() { return std::string(kHashBytes, '\0'); }

std::string ComputeEntryHash(const equilink::v1::AuditEntry& entry) {
  std::string message(kEntryTag);
  message.append(entry.previous_hash());
  AppendU64(&message, entry.sequence());
  AppendU64(&message, static_cast<uint64_t>(entry.time_unix_micros()));
  AppendString(&message, entry.principal().organisation_code());
  AppendString(&message, entry.principal().role());
  AppendString(&message, entry.principal().person());
  AppendString(&message, entry.action());
  AppendU64(&message, static_cast<uint64_t>(entry.decision()));
  AppendString(&message, entry.rule_id());
  AppendString(&message, entry.reason());
  AppendString(&message, entry.agreement_id());
  AppendU64(&message, entry.agreement_version());
  AppendString(&message, entry.agreement_version_hash());
  AppendU64(&message, entry.counts().records_accepted());
  AppendU64(&message, entry.counts().records_rejected());
  AppendU64(&message, entry.counts().records_quarantined());
  AppendU64(&message, entry.counts().records_opted_out());
  AppendString(&message, entry.request_id());
  return Sha256(message);
}

std::string CheckpointSignedBytes(const equilink::v1::AuditCheckpoint& cp) {
  std::string message(kCheckpointTag);
  AppendU64(&message, cp.sequence());
  AppendString(&message, cp.entry_hash());
  AppendU64(&message, static_cast<uint64_t>(cp.time_unix_micros()));
  AppendString(&message, cp.key_id());
  return message;
}

}  // namespace equilink::audit
