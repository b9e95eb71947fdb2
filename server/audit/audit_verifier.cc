#include "server/audit/audit_verifier.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "server/audit/audit_schema.h"
#include "server/audit/entry_hash.h"
#include "server/store/sqlite/database.h"

namespace equilink::audit {
namespace {

using equilink::v1::AuditCheckpoint;
using equilink::v1::AuditEntry;
using equilink::v1::AuditProblem;
using equilink::v1::AuditVerifyReport;
using store::sqlite::Database;
using store::sqlite::Statement;

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

absl::StatusOr<std::unique_ptr<Database>> OpenForReading(
    const std::string& path) {
  std::error_code error;
  // Database::Open would create a missing file; verifying must not.
  if (!std::filesystem::is_regular_file(path, error)) {
    return absl::NotFoundError(absl::StrCat("audit log ", path, " not found"));
  }
  Database::Options options;
  options.path = path;
  options.query_only = true;
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(options));
  EQ_ASSIGN_OR_RETURN(const int64_t version,
                      db->QueryInt64("PRAGMA user_version"));
  if (version != AuditSchemaVersion()) {
    return absl::FailedPreconditionError(
        absl::StrCat("audit log ", path, " has schema version ", version,
                     "; this verifier reads version ", AuditSchemaVersion()));
  }
  return db;
}

// True when `hash` is the entry hash of an entry other than `except`, i.e.
// the entry that points at it was moved away from its predecessor.
absl::StatusOr<bool> HashIsElsewhere(Database* db, const std::string& hash,
                                     uint64_t except) {
  EQ_ASSIGN_OR_RETURN(
      std::unique_ptr<Statement> find,
      db->GetUniqueStatement("SELECT 1 FROM audit_entry "
                             "WHERE entry_hash = ?1 AND sequence <> ?2"));
  EQ_RETURN_IF_ERROR(find->BindBlob(0, hash));
  EQ_RETURN_IF_ERROR(find->BindInt64(1, static_cast<int64_t>(except)));
  return find->Step();
}

// Classifies an entry whose previous_hash does not match its predecessor.
// A previous hash that matches no entry is read as a removal (with the later
// entries renumbered), the likely attack, rather than as an edit of that one
// column; either way the entry named is the right one.
absl::StatusOr<Finding> ClassifyBrokenLink(Database* db,
                                           const AuditEntry& entry) {
  EQ_ASSIGN_OR_RETURN(
      const bool moved,
      HashIsElsewhere(db, entry.previous_hash(), entry.sequence() - 1));
  if (moved) {
    return Finding{entry.sequence(), equilink::v1::AUDIT_ENTRY_REORDERED,
                   "the entry's previous hash names an entry elsewhere in the "
                   "log: entries were moved"};
  }
  return Finding{entry.sequence(), equilink::v1::AUDIT_ENTRY_REMOVED,
                 "the entry's previous hash matches no entry: an entry before "
                 "it was removed or rewritten"};
}

// Walks the entries in sequence order up to the first problem.
// REQUIRES: `checkpoints` is sorted by sequence.
absl::StatusOr<ChainResult> WalkChain(
    Database* db, const std::vector<AuditCheckpoint>& checkpoints) {
  ChainResult result;
  EQ_ASSIGN_OR_RETURN(
      std::unique_ptr<Statement> select,
      db->GetUniqueStatement(absl::StrCat(
          "SELECT ", kEntryColumns, " FROM audit_entry ORDER BY sequence")));
  std::string previous_hash = GenesisHash();
  while (true) {
    EQ_ASSIGN_OR_RETURN(const bool row, select->Step());
    if (!row) break;
    const AuditEntry entry = EntryFromRow(*select);
    const uint64_t expected = result.entries_checked + 1;
    if (entry.sequence() != expected) {
      result.finding = Finding{expected, equilink::v1::AUDIT_ENTRY_REMOVED,
                               "the sequence has a gap: the entry is missing"};
      break;
    }
    if (entry.previous_hash() != previous_hash) {
      EQ_ASSIGN_OR_RETURN(result.finding, ClassifyBrokenLink(db, entry));
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

absl::StatusOr<std::vector<AuditCheckpoint>> StoredCheckpoints(Database* db) {
  EQ_ASSIGN_OR_RETURN(
      std::unique_ptr<Statement> select,
      db->GetUniqueStatement(absl::StrCat("SELECT ", kCheckpointColumns,
                                          " FROM audit_checkpoint")));
  return ReadCheckpointRows(select.get());
}

}  // namespace

absl::StatusOr<AuditVerifyReport> VerifyAuditLog(
    const std::string& database_path, const CheckpointVerifier& verifier,
    absl::Span<const AuditCheckpoint> published_checkpoints) {
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<Database> db,
                      OpenForReading(database_path));
  EQ_ASSIGN_OR_RETURN(std::vector<AuditCheckpoint> checkpoints,
                      StoredCheckpoints(db.get()));
  checkpoints.insert(checkpoints.end(), published_checkpoints.begin(),
                     published_checkpoints.end());
  std::stable_sort(checkpoints.begin(), checkpoints.end(),
                   [](const AuditCheckpoint& a, const AuditCheckpoint& b) {
                     return a.sequence() < b.sequence();
                   });
  EQ_ASSIGN_OR_RETURN(const ChainResult chain,
                      WalkChain(db.get(), checkpoints));

  AuditVerifyReport report;
  report.set_entries_checked(chain.entries_checked);
  EQ_ASSIGN_OR_RETURN(
      const int64_t last_sequence,
      db->QueryInt64("SELECT coalesce(max(sequence), 0) FROM audit_entry"));
  report.set_last_sequence(static_cast<uint64_t>(last_sequence));

  std::optional<Finding> first = chain.finding;
  uint64_t checkpoints_checked = 0;
  for (const AuditCheckpoint& checkpoint : checkpoints) {
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

}  // namespace equilink::audit
