#include "server/store/record_index.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "common/fault/crash_point.h"
#include "common/status/status_macros.h"
#include "server/store/sqlite/statement.h"
#include "server/store/sqlite/transaction.h"

namespace equilink::store {
namespace {

using sqlite::Database;
using sqlite::ScopedStatement;

bool SameKey(const AppendedKey& a, const AppendedKey& b) {
  return a.pseudonym_prefix == b.pseudonym_prefix && a.org_code == b.org_code &&
         a.record_pseudonym == b.record_pseudonym;
}

// Key order (organisation, pseudonym bytes), then append order.
bool KeyOrderLess(const AppendedKey& a, const AppendedKey& b) {
  if (a.org_code != b.org_code) return a.org_code < b.org_code;
  if (a.pseudonym_prefix != b.pseudonym_prefix) {
    return a.pseudonym_prefix < b.pseudonym_prefix;
  }
  if (a.record_pseudonym != b.record_pseudonym) {
    return a.record_pseudonym < b.record_pseudonym;
  }
  return a.record_id < b.record_id;
}

absl::StatusOr<int64_t> IndexedThrough(Database* db) {
  EQ_ASSIGN_OR_RETURN(
      ScopedStatement query,
      db->GetCachedStatement(EQ_SQL_FROM_HERE,
                             "SELECT value FROM store_state WHERE name = "
                             "'keys_indexed_through'"));
  EQ_ASSIGN_OR_RETURN(bool row, query->Step());
  if (!row) return absl::DataLossError("store_state has no index watermark");
  return query->ColumnInt64(0);
}

// Deletes a superseded row and takes it off its batch's live count.
absl::Status DeleteSuperseded(Database* db, int64_t record_id) {
  EQ_ASSIGN_OR_RETURN(
      ScopedStatement remove,
      db->GetCachedStatement(EQ_SQL_FROM_HERE,
                             "DELETE FROM records WHERE record_id = ?1 "
                             "RETURNING org_code, submission_id, sequence"));
  EQ_RETURN_IF_ERROR(remove->BindInt64(0, record_id));
  EQ_ASSIGN_OR_RETURN(bool row, remove->Step());
  if (!row) {
    return absl::DataLossError("an indexed record row is missing");
  }
  const std::string org_code = remove->ColumnText(0);
  const std::string submission_id = remove->ColumnText(1);
  const int64_t sequence = remove->ColumnInt64(2);
  EQ_ASSIGN_OR_RETURN(bool more, remove->Step());
  if (more) return absl::InternalError("record_id matched two rows");
  EQ_ASSIGN_OR_RETURN(
      ScopedStatement decrement,
      db->GetCachedStatement(
          EQ_SQL_FROM_HERE,
          "UPDATE batches SET live_records = live_records - 1 "
          "WHERE org_code = ?1 AND submission_id = ?2 AND sequence = ?3"));
  EQ_RETURN_IF_ERROR(decrement->BindText(0, org_code));
  EQ_RETURN_IF_ERROR(decrement->BindText(1, submission_id));
  EQ_RETURN_IF_ERROR(decrement->BindInt64(2, sequence));
  return decrement->Run();
}

// Points the key at `newest`; returns true when it replaced an older row.
absl::StatusOr<bool> IndexKey(Database* db, const AppendedKey& newest) {
  EQ_ASSIGN_OR_RETURN(
      ScopedStatement insert,
      db->GetCachedStatement(
          EQ_SQL_FROM_HERE,
          "INSERT INTO record_keys (org_code, record_pseudonym, record_id) "
          "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING"));
  EQ_RETURN_IF_ERROR(insert->BindText(0, newest.org_code));
  EQ_RETURN_IF_ERROR(insert->BindBlob(1, newest.record_pseudonym));
  EQ_RETURN_IF_ERROR(insert->BindInt64(2, newest.record_id));
  EQ_RETURN_IF_ERROR(insert->Run());
  if (db->Changes() == 1) return false;  // a new key: the common case

  // Re-submitted: find the row it replaces (rare, so two statements are fine).
  EQ_ASSIGN_OR_RETURN(
      ScopedStatement lookup,
      db->GetCachedStatement(EQ_SQL_FROM_HERE,
                             "SELECT record_id FROM record_keys WHERE "
                             "org_code = ?1 AND record_pseudonym = ?2"));
  EQ_RETURN_IF_ERROR(lookup->BindText(0, newest.org_code));
  EQ_RETURN_IF_ERROR(lookup->BindBlob(1, newest.record_pseudonym));
  EQ_ASSIGN_OR_RETURN(bool found, lookup->Step());
  if (!found) return absl::InternalError("conflicting key not found");
  const int64_t previous = lookup->ColumnInt64(0);
  lookup->Reset();
  // Indexed already: a pass interrupted by a crash after some of its slices
  // committed is run again from the watermark.
  if (previous == newest.record_id) return false;
  EQ_ASSIGN_OR_RETURN(
      ScopedStatement update,
      db->GetCachedStatement(EQ_SQL_FROM_HERE,
                             "UPDATE record_keys SET record_id = ?3 WHERE "
                             "org_code = ?1 AND record_pseudonym = ?2"));
  EQ_RETURN_IF_ERROR(update->BindText(0, newest.org_code));
  EQ_RETURN_IF_ERROR(update->BindBlob(1, newest.record_pseudonym));
  EQ_RETURN_IF_ERROR(update->BindInt64(2, newest.record_id));
  EQ_RETURN_IF_ERROR(update->Run());
  EQ_RETURN_IF_ERROR(DeleteSuperseded(db, previous));
  return true;
}

}  // namespace

AppendedKey::AppendedKey(std::string organisation, std::string pseudonym,
                         int64_t id)
    : org_code(std::move(organisation)),
      record_pseudonym(std::move(pseudonym)),
      record_id(id) {
  // Zero-padded when shorter, so the prefix orders like the bytes do.
  for (size_t i = 0; i < 8; ++i) {
    pseudonym_prefix <<= 8;
    if (i < record_pseudonym.size()) {
      pseudonym_prefix |= static_cast<uint8_t>(record_pseudonym[i]);
    }
  }
}

namespace {

absl::StatusOr<std::vector<AppendedKey>> ReadKeysAfter(sqlite::Database* db,
                                                       int64_t through) {
  EQ_ASSIGN_OR_RETURN(
      ScopedStatement query,
      db->GetCachedStatement(
          EQ_SQL_FROM_HERE,
          "SELECT record_id, org_code, record_pseudonym FROM records "
          "WHERE record_id > ?1 ORDER BY record_id"));
  EQ_RETURN_IF_ERROR(query->BindInt64(0, through));
  std::vector<AppendedKey> keys;
  for (;;) {
    EQ_ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    keys.emplace_back(query->ColumnText(1), query->ColumnBlob(2),
                      query->ColumnInt64(0));
  }
  return keys;
}

}  // namespace

absl::StatusOr<std::vector<AppendedKey>> ReadUnindexedKeys(
    sqlite::Database* db) {
  EQ_ASSIGN_OR_RETURN(int64_t through, IndexedThrough(db));
  return ReadKeysAfter(db, through);
}

absl::StatusOr<int64_t> CountIndexedRecords(sqlite::Database* db) {
  return db->QueryInt64("SELECT count(*) FROM record_keys");
}

IndexPass::IndexPass(std::vector<AppendedKey> appended)
    : keys_(std::move(appended)) {}

absl::Status IndexPass::Prepare(sqlite::Database* db) {
  EQ_ASSIGN_OR_RETURN(const int64_t through, IndexedThrough(db));
  // The caller's list is what its own commits appended. Another process on
  // the same file (`equilink-gateway summary`, a second gateway started by
  // mistake) may have indexed some of those rows or appended rows of its own:
  // drop what is indexed already, and when the rest is not exactly the rows
  // past the watermark (dense, thanks to AUTOINCREMENT), read those instead.
  EQ_ASSIGN_OR_RETURN(
      const int64_t newest_appended,
      db->QueryInt64("SELECT coalesce(max(record_id), 0) FROM records"));
  std::erase_if(keys_, [through](const AppendedKey& key) {
    return key.record_id <= through;
  });
  bool exactly_the_unindexed_rows =
      through + static_cast<int64_t>(keys_.size()) == newest_appended;
  for (size_t i = 0; exactly_the_unindexed_rows && i < keys_.size(); ++i) {
    exactly_the_unindexed_rows =
        keys_[i].record_id == through + 1 + static_cast<int64_t>(i);
  }
  if (!exactly_the_unindexed_rows) {
    EQ_ASSIGN_OR_RETURN(keys_, ReadKeysAfter(db, through));
  }
  through_ = newest_appended;
  // Key order is what makes the pass cheap: consecutive inserts land on the
  // same index page, so each page is read and written once per pass however
  // many slices it is committed in.
  std::sort(keys_.begin(), keys_.end(), KeyOrderLess);
  prepared_ = true;
  return absl::OkStatus();
}

absl::StatusOr<IndexPassResult> IndexPass::IndexNextSlice(sqlite::Database* db,
                                                          size_t max_keys) {
  EQ_ASSIGN_OR_RETURN(sqlite::Transaction transaction,
                      sqlite::Transaction::Begin(db));
  if (!prepared_) EQ_RETURN_IF_ERROR(Prepare(db));
  size_t end = next_ + std::min(max_keys, keys_.size() - next_);
  // A key's rows stay in one slice: which of them survives is decided
  // together.
  while (end < keys_.size() && end > next_ &&
         SameKey(keys_[end - 1], keys_[end])) {
    ++end;
  }
  IndexPassResult result;
  for (size_t i = next_; i < end; ++i) {
    // Several appended rows of one key: only the last (newest) is indexed.
    if (i + 1 < end && SameKey(keys_[i], keys_[i + 1])) {
      EQ_RETURN_IF_ERROR(DeleteSuperseded(db, keys_[i].record_id));
      ++result.superseded;
      continue;
    }
    EQ_ASSIGN_OR_RETURN(bool replaced, IndexKey(db, keys_[i]));
    if (replaced) ++result.superseded;
  }
  if (end == keys_.size()) {
    // Only the last slice moves the watermark: until then a crash leaves
    // every row of the pass to be indexed again, which IndexKey makes
    // harmless for the rows already done. max(): another connection may have
    // indexed further meanwhile.
    EQ_ASSIGN_OR_RETURN(
        ScopedStatement advance,
        db->GetCachedStatement(
            EQ_SQL_FROM_HERE,
            "UPDATE store_state SET value = max(value, ?1) WHERE name = "
            "'keys_indexed_through'"));
    EQ_RETURN_IF_ERROR(advance->BindInt64(0, through_));
    EQ_RETURN_IF_ERROR(advance->Run());
  }
  fault::CrashPoint("store.index.before");
  EQ_RETURN_IF_ERROR(transaction.Commit());
  result.indexed = static_cast<int64_t>(end - next_);
  next_ = end;
  result.finished = finished();
  return result;
}

}  // namespace equilink::store
