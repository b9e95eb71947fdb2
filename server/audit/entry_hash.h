#ifndef EQUILINK_SERVER_AUDIT_ENTRY_HASH_H_
#define EQUILINK_SERVER_AUDIT_ENTRY_HASH_H_

// The hashes and signed bytes of the audit trail. This is the format an
// external verifier must reimplement, so it is defined byte by byte here
// rather than left to protobuf serialization, which is not canonical.
//
// Encoding: u64 = 8 bytes big-endian (int64 as its two's complement, enums as
// their number); str = u32 big-endian length, then the bytes.
//
// entry_hash = SHA-256("equilink.audit.entry.v1\0" || previous_hash (32) ||
//   u64 sequence || u64 time_unix_micros || str organisation_code || str role
//   || str person || str action || u64 decision || str rule_id || str reason
//   || str agreement_id || u64 agreement_version || str agreement_version_hash
//   || u64 accepted || u64 rejected || u64 quarantined || u64 opted_out
//   || str request_id)
//
// checkpoint signed bytes = "equilink.audit.checkpoint.v1\0" || u64 sequence
//   || str entry_hash || u64 time_unix_micros || str key_id
//
// Adding a field to either means a new ".v2" tag, never a silent change. (The
// person field joined v1 before the format was first released, so v1 has
// always meant this layout in any released gateway.)

#include <string>

#include "equilink/v1/audit.pb.h"

namespace equilink::audit {

inline constexpr size_t kHashBytes = 32;

// The previous_hash of entry 1.
std::string GenesisHash();

// SHA-256 over the encoding above, using entry.previous_hash() as given and
// ignoring entry.entry_hash(). REQUIRES: previous_hash is kHashBytes long
// (a shorter one would still hash, but never to a stored value).
std::string ComputeEntryHash(const equilink::v1::AuditEntry& entry);

// The bytes an Ed25519 checkpoint signature covers; ignores signature().
std::string CheckpointSignedBytes(const equilink::v1::AuditCheckpoint& cp);

}  // namespace equilink::audit

#endif  // EQUILINK_SERVER_AUDIT_ENTRY_HASH_H_
