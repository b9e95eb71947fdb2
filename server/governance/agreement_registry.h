#ifndef EQUILINK_SERVER_GOVERNANCE_AGREEMENT_REGISTRY_H_
#define EQUILINK_SERVER_GOVERNANCE_AGREEMENT_REGISTRY_H_

// The gateway's record of data sharing agreements: every version's canonical
// bytes and its append-only lifecycle history, in the gateway's SQLite file
// (schema version 3, server/store/schema.cc). The rules themselves live in the
// pure library (agreement_validator.h, agreement_lifecycle.h); this class
// only persists what they decide, so the rules can be tested without a
// database and the database cannot bypass them.
//
// Every load recomputes the version hash from the stored canonical bytes, so
// content edited in the file behind the registry's back is reported as
// DataLoss instead of authorising data flows it was never approved for.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "equilink/v1/agreement.pb.h"
#include "server/governance/agreement_lifecycle.h"
#include "server/store/sqlite/database.h"

namespace equilink::governance {

// One stored agreement version as of its latest event.
struct StoredAgreement {
  // The agreed content, with status set to `status`.
  v1::Agreement agreement;
  // Lowercase hex SHA-256 of the canonical bytes (AgreementVersionHash).
  std::string version_hash;
  // Oldest first. The first event records the creation (action UNSPECIFIED,
  // to_status DRAFT, principal the author), so the history says who put the
  // version into the registry and when.
  std::vector<v1::AgreementEvent> history;
  v1::AgreementStatus status = v1::AGREEMENT_STATUS_UNSPECIFIED;
};

// Thread-safe. Several registries (or a registry and the store) may share one
// file: each holds its own connection, and every write is one BEGIN IMMEDIATE
// transaction, so writers on different connections serialise in SQLite.
class AgreementRegistry {
 public:
  // Opens (creating if needed) the SQLite file at `path` and applies the
  // store's migrations, so the registry works whether or not the gateway's
  // store opened the file first.
  static absl::StatusOr<std::unique_ptr<AgreementRegistry>> Open(
      const std::string& path);

  AgreementRegistry(const AgreementRegistry&) = delete;
  AgreementRegistry& operator=(const AgreementRegistry&) = delete;

  // Stores a new version as a DRAFT. InvalidArgument naming the broken rules
  // unless ValidateAgreement passes. Re-creating a stored version with the
  // same content returns the stored one; different content under the same id
  // and version is FailedPrecondition (rule L6: versions are immutable). A
  // version after the first must follow the stored previous version
  // (CheckSuccessorVersion, rule L7); FailedPrecondition when that version is
  // not stored. The agreement's status field is ignored.
  absl::StatusOr<StoredAgreement> Create(const v1::Agreement& agreement,
                                         absl::Time now);
  // The same, calling `before_commit` with the creation event inside the
  // write transaction, just before COMMIT, so a caller can make its audit
  // append part of the decision: an error from it rolls the version back and
  // is returned. Not called when the same content was already stored (nothing
  // is written then).
  absl::StatusOr<StoredAgreement> Create(
      const v1::Agreement& agreement, absl::Time now,
      absl::FunctionRef<absl::Status(const v1::AgreementEvent&)> before_commit);

  // Applies `request` to the stored version and appends the resulting event,
  // all in one write transaction so concurrent transitions see each other.
  // NotFound for an unknown version; errors from ApplyTransition are returned
  // unchanged (they name the rule).
  absl::StatusOr<v1::AgreementEvent> Transition(
      const std::string& agreement_id, uint32_t version,
      const TransitionRequest& request);
  // The same, calling `before_commit` with the event inside the write
  // transaction, just before COMMIT; an error from it rolls the event back
  // and is returned. Not called when the transition is refused.
  absl::StatusOr<v1::AgreementEvent> Transition(
      const std::string& agreement_id, uint32_t version,
      const TransitionRequest& request,
      absl::FunctionRef<absl::Status(const v1::AgreementEvent&)> before_commit);

  // NotFound for an unknown version; DataLoss when the stored content no
  // longer matches its hash.
  absl::StatusOr<StoredAgreement> Get(const std::string& agreement_id,
                                      uint32_t version);

  // Every stored version, ordered by id then version. DataLoss as for Get.
  absl::StatusOr<std::vector<StoredAgreement>> List();

  // The versions whose EffectiveStatus on `day` is ACTIVE, for the submission
  // and extract checks. DataLoss as for Get: a tampered agreement fails the
  // whole call rather than being skipped, so the checks fail closed.
  absl::StatusOr<std::vector<v1::Agreement>> EffectiveActive(
      absl::CivilDay day);

  // Bumped after every committed Create or Transition through this registry,
  // so a cache of EffectiveActive (agreement_cache.h) knows when to reload
  // without a query per read. Changes made through another connection to the
  // file are not seen here.
  uint64_t generation() const {
    return generation_.load(std::memory_order_acquire);
  }

 private:
  explicit AgreementRegistry(std::unique_ptr<store::sqlite::Database> db)
      : db_(std::move(db)) {}

  absl::StatusOr<StoredAgreement> LoadLocked(const std::string& agreement_id,
                                             uint32_t version)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::vector<StoredAgreement>> ListLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status AppendEventLocked(const v1::AgreementEvent& event, int64_t seq)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::atomic<uint64_t> generation_{0};
  absl::Mutex mu_;
  // The connection is not thread-safe; mu_ serialises every use of it.
  const std::unique_ptr<store::sqlite::Database> db_ ABSL_PT_GUARDED_BY(mu_);
};

}  // namespace equilink::governance

#endif  // EQUILINK_SERVER_GOVERNANCE_AGREEMENT_REGISTRY_H_
