#include "server/audit/audit_verifier.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "common/status/status_macros.h"
#include "server/audit/audit_reader.h"
#include "server/audit/entry_hash.h"

namespace equilink::audit {
namespace {

using equilink::v1::AuditCheckpoint;
using equilink::v1::AuditEntry;
using equilink::v1::AuditProblem;
using equilink::v1::AuditVerifyReport;

struct Finding {
  uint64_t sequence;
  AuditProblem problem;
  const char* detail;
};

// What walking the chain established.
struct ChainResult {
  uint64_t entries_checked = 0;  // entries 1..entries_checked are sound
  std::optional<Finding> finding;
  // The stored entry hash at each checkpointed sequence that was reached.
  std::map<uint64_t, std::string> hash_at;
};

// Where each entry hash sits, to tell an entry moved elsewhere (its previous
// hash names another entry) from one whose predecessor is gone.
class HashIndex {
 public:
  explicit HashIndex(absl::Span<const AuditEntry> entries) {
    index_.reserve(entries.size());
    for (const AuditEntry& entry : entries) {
      auto [it, inserted] =
          index_.try_emplace(entry.entry_hash(), entry.sequence());
      if (!inserted) it->second = kSeveral;
    }
  }

  // True when `hash` is the entry hash of an entry other than `except`.
  bool IsElsewhere(const std::string& hash, uint64_t except) const {
    auto it = index_.find(hash);
    return it != index_.end() && it->second != except;
  }

 private:
  static constexpr uint64_t kSeveral = std::numeric_limits<uint64_t>::max();
  absl::flat_hash_map<absl::string_view, uint64_t> index_;
};

// Classifies an entry whose previous_hash does not match its predecessor.
// A previous hash that matches no entry is read as a removal (with the later
// entries renumbered), the likely attack, rather than as an edit of that one
// column; either way the entry named is the right one.
Finding ClassifyBrokenLink(absl::Span<const AuditEntry> entries,
                           const AuditEntry& entry) {
  if (HashIndex(entries).IsElsewhere(entry.previous_hash(),
                                     entry.sequence() - 1)) {
    return Finding{entry.sequence(), equilink::v1::AUDIT_ENTRY_REORDERED,
                   "the entry's previous hash names an entry elsewhere in the "
                   "log: entries were moved"};
  }
  return Finding{entry.sequence(), equilink::v1::AUDIT_ENTRY_REMOVED,
                 "the entry's previous hash matches no entry: an entry before "
                 "it was removed or rewritten"};
}

// Walks the entries in stored order up to the first problem.
// REQUIRES: `checkpoints` is sorted by sequence.
ChainResult WalkChain(absl::Span<const AuditEntry> entries,
                      const std::vector<AuditCheckpoint>& checkpoints) {
  ChainResult result;
  std::string previous_hash = GenesisHash();
  for (const AuditEntry& entry : entries) {
    const uint64_t expected = result.entries_checked + 1;
    if (entry.sequence() != expected) {
      result.finding = Finding{expected, equilink::v1::AUDIT_ENTRY_REMOVED,
                               "the sequence has a gap: the entry is missing"};
      break;
    }
    if (entry.previous_hash() != previous_hash) {
      result.finding = ClassifyBrokenLink(entries, entry);
      break;
    }
    if (ComputeEntryHash(entry) != entry.entry_hash()) {
      result.finding =
          Finding{expected, equilink::v1::AUDIT_ENTRY_ALTERED,
                  "the entry's content does not match its entry hash"};
      break;
    }
    // `checkpoints` is sorted by sequence, so this stays cheap for a log of
    // millions of entries with thousands of checkpoints.
    const bool checkpointed = std::ranges::binary_search(
        checkpoints, expected, {}, &AuditCheckpoint::sequence);
    if (checkpointed) result.hash_at[expected] = entry.entry_hash();
    previous_hash = entry.entry_hash();
    result.entries_checked = expected;
  }
  return result;
}

// The first problem with `checkpoint`, if any, given a sound chain up to
// chain.entries_checked.
std::optional<Finding> CheckCheckpoint(const AuditCheckpoint& checkpoint,
                                       const CheckpointVerifier& verifier,
                                       const ChainResult& chain) {
  const uint64_t sequence = checkpoint.sequence();
  if (checkpoint.key_id() != verifier.key_id()) {
    return Finding{sequence, equilink::v1::AUDIT_CHECKPOINT_UNKNOWN_KEY,
                   "the checkpoint was signed by another key"};
  }
  if (!verifier.Verify(CheckpointSignedBytes(checkpoint),
                       checkpoint.signature())) {
    return Finding{sequence, equilink::v1::AUDIT_CHECKPOINT_BAD_SIGNATURE,
                   "the checkpoint's signature does not verify"};
  }
  if (sequence > chain.entries_checked && !chain.finding.has_value()) {
    return Finding{chain.entries_checked + 1, equilink::v1::AUDIT_ENTRY_REMOVED,
                   "a signed checkpoint covers entries that are no longer in "
                   "the log: the log was truncated"};
  }
  auto stored = chain.hash_at.find(sequence);
  if (stored == chain.hash_at.end() ||
      stored->second != checkpoint.entry_hash()) {
    return Finding{sequence, equilink::v1::AUDIT_CHECKPOINT_HASH_MISMATCH,
                   "the log's entry at the checkpoint has a different hash: "
                   "the log was rewritten up to here"};
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<AuditVerifyReport> VerifyAuditEntries(
    absl::Span<const AuditEntry> entries_in_stored_order,
    absl::Span<const AuditCheckpoint> checkpoints,
    const CheckpointVerifier& verifier) {
  std::vector<AuditCheckpoint> sorted(checkpoints.begin(), checkpoints.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const AuditCheckpoint& a, const AuditCheckpoint& b) {
                     return a.sequence() < b.sequence();
                   });
  const ChainResult chain = WalkChain(entries_in_stored_order, sorted);

  AuditVerifyReport report;
  report.set_entries_checked(chain.entries_checked);
  uint64_t last_sequence = 0;
  for (const AuditEntry& entry : entries_in_stored_order) {
    last_sequence = std::max(last_sequence, entry.sequence());
  }
  report.set_last_sequence(last_sequence);

  std::optional<Finding> first = chain.finding;
  uint64_t checkpoints_checked = 0;
  for (const AuditCheckpoint& checkpoint : sorted) {
    // An entry problem at or before this checkpoint comes first, and nothing
    // after it can be checked against the chain anyway.
    if (chain.finding.has_value() &&
        checkpoint.sequence() >= chain.finding->sequence) {
      break;
    }
    if (std::optional<Finding> bad =
            CheckCheckpoint(checkpoint, verifier, chain)) {
      first = bad;
      break;
    }
    ++checkpoints_checked;
  }
  report.set_checkpoints_checked(checkpoints_checked);
  report.set_ok(!first.has_value());
  if (first.has_value()) {
    report.set_problem(first->problem);
    report.set_problem_sequence(first->sequence);
    report.set_detail(first->detail);
  }
  return report;
}

absl::StatusOr<AuditVerifyReport> VerifyAuditLog(
    const std::string& database_path, const CheckpointVerifier& verifier,
    absl::Span<const AuditCheckpoint> published_checkpoints) {
  EQ_ASSIGN_OR_RETURN(StoredAuditLog stored,
                      ReadStoredAuditLog(database_path, 0, 0));
  stored.checkpoints.insert(stored.checkpoints.end(),
                            published_checkpoints.begin(),
                            published_checkpoints.end());
  return VerifyAuditEntries(stored.entries, stored.checkpoints, verifier);
}

}  // namespace equilink::audit
