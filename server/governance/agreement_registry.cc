#include "server/governance/agreement_registry.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "server/governance/agreement_file.h"
#include "server/governance/agreement_validator.h"
#include "server/store/schema.h"
#include "server/store/sqlite/migration.h"
#include "server/store/sqlite/transaction.h"

namespace equilink::governance {
namespace {

using store::sqlite::Database;
using store::sqlite::ScopedStatement;
using store::sqlite::Transaction;

// Names the version but nothing of its content, so the message is safe for
// logs and callers.
absl::Status Tampered(const std::string& agreement_id, uint32_t version,
                      absl::string_view what) {
  return absl::DataLossError(absl::StrCat("agreement ", agreement_id,
                                          " version ", version, ": ", what));
}

// A deferred read transaction, so the agreement row and its events come from
// one snapshot even while another connection appends an event. Ended on
// destruction; a read transaction has nothing to lose by ending either way.
class ReadSnapshot {
 public:
  static absl::StatusOr<ReadSnapshot> Begin(Database* db) {
    EQ_RETURN_IF_ERROR(db->Execute("BEGIN DEFERRED"));
    return ReadSnapshot(db);
  }
  ReadSnapshot(ReadSnapshot&& other) noexcept
      : db_(std::exchange(other.db_, nullptr)) {}
  ReadSnapshot& operator=(ReadSnapshot&&) = delete;
  ~ReadSnapshot() {
    if (db_ != nullptr && db_->InTransaction()) {
      (void)db_->Execute("COMMIT");
    }
  }

 private:
  explicit ReadSnapshot(Database* db) : db_(db) {}
  Database* db_;
};

int64_t UnixMillis(absl::Time time) { return absl::ToUnixMillis(time); }

void SetEventTime(absl::Time time, v1::AgreementEvent* event) {
  const int64_t micros = absl::ToUnixMicros(time);
  event->mutable_time()->set_seconds(micros / 1000000);
  event->mutable_time()->set_nanos(static_cast<int32_t>(micros % 1000000) *
                                   1000);
}

absl::Time EventTime(const v1::AgreementEvent& event) {
  return absl::FromUnixSeconds(event.time().seconds()) +
         absl::Nanoseconds(event.time().nanos());
}

absl::Status NoHook(const v1::AgreementEvent&) { return absl::OkStatus(); }

}  // namespace

absl::StatusOr<std::unique_ptr<AgreementRegistry>> AgreementRegistry::Open(
    const std::string& path) {
  if (path.empty()) {
    return absl::InvalidArgumentError("agreement registry: empty path");
  }
  Database::Options options;
  options.path = path;
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(options));
  EQ_RETURN_IF_ERROR(
      store::sqlite::Migrate(db.get(), store::StoreMigrations()));
  return std::unique_ptr<AgreementRegistry>(
      new AgreementRegistry(std::move(db)));
}

absl::StatusOr<StoredAgreement> AgreementRegistry::Create(
    const v1::Agreement& agreement, absl::Time now) {
  return Create(agreement, now, NoHook);
}

absl::StatusOr<StoredAgreement> AgreementRegistry::Create(
    const v1::Agreement& agreement, absl::Time now,
    absl::FunctionRef<absl::Status(const v1::AgreementEvent&)> before_commit) {
  EQ_RETURN_IF_ERROR(ValidateAgreement(agreement));
  // Status is state, not content: a version is stored as a DRAFT whatever
  // the file said, and only events move it on.
  v1::Agreement content = agreement;
  content.clear_status();
  const std::string canonical = CanonicalAgreementBytes(content);
  const std::string hash = VersionHashOfCanonicalBytes(canonical);
  const std::string& id = content.agreement_id();
  const uint32_t version = content.version();

  absl::MutexLock lock(&mu_);
  EQ_ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(db_.get()));
  {
    EQ_ASSIGN_OR_RETURN(
        ScopedStatement existing,
        db_->GetCachedStatement(EQ_SQL_FROM_HERE,
                                "SELECT version_hash FROM agreements "
                                "WHERE agreement_id = ? AND version = ?"));
    EQ_RETURN_IF_ERROR(existing->BindText(0, id));
    EQ_RETURN_IF_ERROR(existing->BindInt64(1, version));
    EQ_ASSIGN_OR_RETURN(const bool found, existing->Step());
    if (found) {
      if (existing->ColumnText(0) != hash) {
        return absl::FailedPreconditionError(
            "lifecycle rule L6: agreement versions are immutable: changed "
            "content needs a new version number");
      }
      // The same content again: a retried or repeated load, not a change.
      return LoadLocked(id, version);
    }
  }
  if (version > 1) {
    absl::StatusOr<StoredAgreement> previous = LoadLocked(id, version - 1);
    if (absl::IsNotFound(previous.status())) {
      return absl::FailedPreconditionError(
          "lifecycle rule L7: the version this one supersedes is not in the "
          "registry");
    }
    EQ_RETURN_IF_ERROR(previous.status());
    EQ_RETURN_IF_ERROR(CheckSuccessorVersion(previous->agreement, content));
  }
  {
    EQ_ASSIGN_OR_RETURN(
        ScopedStatement insert,
        db_->GetCachedStatement(
            EQ_SQL_FROM_HERE,
            "INSERT INTO agreements (agreement_id, version, version_hash, "
            "canonical, author, created_at) VALUES (?, ?, ?, ?, ?, ?)"));
    EQ_RETURN_IF_ERROR(insert->BindText(0, id));
    EQ_RETURN_IF_ERROR(insert->BindInt64(1, version));
    EQ_RETURN_IF_ERROR(insert->BindText(2, hash));
    EQ_RETURN_IF_ERROR(insert->BindBlob(3, canonical));
    EQ_RETURN_IF_ERROR(insert->BindText(4, content.author()));
    EQ_RETURN_IF_ERROR(insert->BindInt64(5, UnixMillis(now)));
    EQ_RETURN_IF_ERROR(insert->Run());
  }
  // The creation event: the lifecycle library reads an empty history as
  // DRAFT too, but recording it keeps who created the version, and when,
  // next to the decisions made about it.
  v1::AgreementEvent created;
  created.set_agreement_id(id);
  created.set_version(version);
  created.set_agreement_hash(hash);
  created.set_action(v1::AGREEMENT_ACTION_UNSPECIFIED);
  created.set_from_status(v1::AGREEMENT_STATUS_UNSPECIFIED);
  created.set_to_status(v1::AGREEMENT_DRAFT);
  created.set_principal(content.author());
  SetEventTime(now, &created);
  EQ_RETURN_IF_ERROR(AppendEventLocked(created, /*seq=*/0));
  EQ_RETURN_IF_ERROR(before_commit(created));
  EQ_RETURN_IF_ERROR(transaction.Commit());
  generation_.fetch_add(1, std::memory_order_release);

  StoredAgreement stored;
  stored.agreement = std::move(content);
  stored.agreement.set_status(v1::AGREEMENT_DRAFT);
  stored.version_hash = hash;
  stored.history.push_back(std::move(created));
  stored.status = v1::AGREEMENT_DRAFT;
  return stored;
}

absl::StatusOr<v1::AgreementEvent> AgreementRegistry::Transition(
    const std::string& agreement_id, uint32_t version,
    const TransitionRequest& request) {
  return Transition(agreement_id, version, request, NoHook);
}

absl::StatusOr<v1::AgreementEvent> AgreementRegistry::Transition(
    const std::string& agreement_id, uint32_t version,
    const TransitionRequest& request,
    absl::FunctionRef<absl::Status(const v1::AgreementEvent&)> before_commit) {
  absl::MutexLock lock(&mu_);
  // BEGIN IMMEDIATE before reading the history: two connections approving at
  // once then decide one after the other, each on the other's event, so
  // four-eyes cannot be met by one principal twice.
  EQ_ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(db_.get()));
  EQ_ASSIGN_OR_RETURN(StoredAgreement stored,
                      LoadLocked(agreement_id, version));
  EQ_ASSIGN_OR_RETURN(
      v1::AgreementEvent event,
      ApplyTransition(stored.agreement, stored.history, request));
  EQ_RETURN_IF_ERROR(
      AppendEventLocked(event, static_cast<int64_t>(stored.history.size())));
  EQ_RETURN_IF_ERROR(before_commit(event));
  EQ_RETURN_IF_ERROR(transaction.Commit());
  generation_.fetch_add(1, std::memory_order_release);
  return event;
}

absl::StatusOr<StoredAgreement> AgreementRegistry::Get(
    const std::string& agreement_id, uint32_t version) {
  absl::MutexLock lock(&mu_);
  EQ_ASSIGN_OR_RETURN(ReadSnapshot snapshot, ReadSnapshot::Begin(db_.get()));
  return LoadLocked(agreement_id, version);
}

absl::StatusOr<std::vector<StoredAgreement>> AgreementRegistry::List() {
  absl::MutexLock lock(&mu_);
  EQ_ASSIGN_OR_RETURN(ReadSnapshot snapshot, ReadSnapshot::Begin(db_.get()));
  return ListLocked();
}

absl::StatusOr<std::vector<v1::Agreement>> AgreementRegistry::EffectiveActive(
    absl::CivilDay day) {
  std::vector<StoredAgreement> all;
  {
    absl::MutexLock lock(&mu_);
    EQ_ASSIGN_OR_RETURN(ReadSnapshot snapshot, ReadSnapshot::Begin(db_.get()));
    EQ_ASSIGN_OR_RETURN(all, ListLocked());
  }
  std::vector<v1::Agreement> active;
  for (StoredAgreement& stored : all) {
    if (EffectiveStatus(stored.agreement, day) == v1::AGREEMENT_ACTIVE) {
      active.push_back(std::move(stored.agreement));
    }
  }
  return active;
}

absl::StatusOr<StoredAgreement> AgreementRegistry::LoadLocked(
    const std::string& agreement_id, uint32_t version) {
  StoredAgreement stored;
  {
    EQ_ASSIGN_OR_RETURN(
        ScopedStatement row,
        db_->GetCachedStatement(EQ_SQL_FROM_HERE,
                                "SELECT version_hash, canonical FROM "
                                "agreements WHERE agreement_id = ? AND "
                                "version = ?"));
    EQ_RETURN_IF_ERROR(row->BindText(0, agreement_id));
    EQ_RETURN_IF_ERROR(row->BindInt64(1, version));
    EQ_ASSIGN_OR_RETURN(const bool found, row->Step());
    if (!found) return absl::NotFoundError("agreement version not found");
    stored.version_hash = row->ColumnText(0);
    const std::string canonical = row->ColumnBlob(1);
    // The stored bytes are hashed as they are, not re-serialised, so any
    // change to them shows, even one that would parse to the same message.
    if (VersionHashOfCanonicalBytes(canonical) != stored.version_hash) {
      return Tampered(agreement_id, version,
                      "stored content does not match its version hash");
    }
    // A row whose bytes and hash were both copied from another version would
    // pass the hash check; the content must also be for this key.
    if (!stored.agreement.ParseFromString(canonical) ||
        stored.agreement.agreement_id() != agreement_id ||
        stored.agreement.version() != version) {
      return Tampered(agreement_id, version,
                      "stored content is not this agreement version");
    }
  }
  {
    EQ_ASSIGN_OR_RETURN(
        ScopedStatement events,
        db_->GetCachedStatement(EQ_SQL_FROM_HERE,
                                "SELECT event_seq, event, status FROM "
                                "agreement_events WHERE agreement_id = ? AND "
                                "version = ? ORDER BY event_seq"));
    EQ_RETURN_IF_ERROR(events->BindText(0, agreement_id));
    EQ_RETURN_IF_ERROR(events->BindInt64(1, version));
    while (true) {
      EQ_ASSIGN_OR_RETURN(const bool more, events->Step());
      if (!more) break;
      v1::AgreementEvent event;
      // Events are numbered from 0 without gaps and each is about this exact
      // content; anything else means rows were removed or moved by hand.
      if (events->ColumnInt64(0) !=
              static_cast<int64_t>(stored.history.size()) ||
          !event.ParseFromString(events->ColumnBlob(1)) ||
          event.agreement_id() != agreement_id || event.version() != version ||
          event.agreement_hash() != stored.version_hash ||
          events->ColumnInt64(2) != event.to_status()) {
        return Tampered(agreement_id, version,
                        "stored history is inconsistent");
      }
      stored.history.push_back(std::move(event));
    }
  }
  if (stored.history.empty()) {
    return Tampered(agreement_id, version, "stored history is missing");
  }
  stored.status = StatusAfter(stored.history);
  stored.agreement.set_status(stored.status);
  return stored;
}

absl::StatusOr<std::vector<StoredAgreement>> AgreementRegistry::ListLocked() {
  std::vector<std::pair<std::string, uint32_t>> keys;
  {
    EQ_ASSIGN_OR_RETURN(
        ScopedStatement rows,
        db_->GetCachedStatement(EQ_SQL_FROM_HERE,
                                "SELECT agreement_id, version FROM agreements "
                                "ORDER BY agreement_id, version"));
    while (true) {
      EQ_ASSIGN_OR_RETURN(const bool more, rows->Step());
      if (!more) break;
      keys.emplace_back(rows->ColumnText(0),
                        static_cast<uint32_t>(rows->ColumnInt64(1)));
    }
  }
  std::vector<StoredAgreement> all;
  all.reserve(keys.size());
  for (const auto& [id, version] : keys) {
    EQ_ASSIGN_OR_RETURN(StoredAgreement stored, LoadLocked(id, version));
    all.push_back(std::move(stored));
  }
  return all;
}

absl::Status AgreementRegistry::AppendEventLocked(
    const v1::AgreementEvent& event, int64_t seq) {
  std::string bytes;
  if (!event.SerializeToString(&bytes)) {
    return absl::InternalError("agreement event did not serialise");
  }
  EQ_ASSIGN_OR_RETURN(
      ScopedStatement insert,
      db_->GetCachedStatement(
          EQ_SQL_FROM_HERE,
          "INSERT INTO agreement_events (agreement_id, version, event_seq, "
          "event, status, at) VALUES (?, ?, ?, ?, ?, ?)"));
  EQ_RETURN_IF_ERROR(insert->BindText(0, event.agreement_id()));
  EQ_RETURN_IF_ERROR(insert->BindInt64(1, event.version()));
  EQ_RETURN_IF_ERROR(insert->BindInt64(2, seq));
  EQ_RETURN_IF_ERROR(insert->BindBlob(3, bytes));
  EQ_RETURN_IF_ERROR(insert->BindInt64(4, event.to_status()));
  EQ_RETURN_IF_ERROR(insert->BindInt64(5, UnixMillis(EventTime(event))));
  return insert->Run();
}

}  // namespace equilink::governance
