#ifndef EQUILINK_SERVER_STORE_STORE_H_
#define EQUILINK_SERVER_STORE_STORE_H_

// The gateway's durable store. SQLite (sqlite_store.h) is the embedded default;
// the interface is what a shared PostgreSQL implementation will provide later
// so several gateway replicas can serve one linkage domain.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace equilink::store {

struct Organisation {
  std::string code;  // from the certificate's urn:equilink:org:<code>
  std::string name;
  std::vector<std::string>
      roles;  // submitter, governance, consumer, auditor, admin
  bool active = true;
  // Lowercase hex SHA-256 of the one certificate (DER) the organisation is
  // bound to; empty accepts any certificate the CA issued for its code.
  std::string certificate_sha256;
};

// One record as the store keeps it: the keys it is looked up by, and the
// serialized equilink.v1.PseudonymisedRecord.
struct RecordRow {
  std::string record_pseudonym;  // 32 bytes; unique per organisation
  std::string payload;           // serialized PseudonymisedRecord
};

// A record held apart because it is outside the admitting agreement's
// population scope (rule S9): kept for governance review, never in the
// linkage feed.
struct QuarantinedRow {
  std::string record_pseudonym;
  std::string rule;     // the governance rule that quarantined it, e.g. "S9"
  std::string payload;  // serialized PseudonymisedRecord
};

struct BatchWrite {
  std::string organisation_code;
  std::string submission_id;
  uint64_t sequence = 0;
  std::string dataset_id;
  std::string key_id;
  std::vector<RecordRow>
      records;  // already validated; may be empty (every record rejected)
  // Written in the same transaction as `records`, into quarantined_records.
  std::vector<QuarantinedRow> quarantined;
  // The agreement version that admitted the batch (empty and 0 when none
  // did): its retention period decides when the batch's records are purged.
  std::string agreement_id;
  uint32_t agreement_version = 0;
  // The serialized BatchAck the gateway answers with; stored so that a re-sent
  // batch gets the same answer back.
  std::string ack;
};

struct CommitResult {
  bool already_stored =
      false;  // (organisation, submission_id, sequence) was durable already
  std::string
      ack;  // the ack stored with the batch (the earlier one when re-sent)
};

struct OrganisationSummary {
  std::string organisation_code;
  uint64_t records =
      0;  // distinct records held (re-submissions update in place)
  uint64_t batches = 0;
  uint64_t submissions = 0;
};

// What the retention purge needs to know about a stored batch.
struct BatchRetention {
  std::string organisation_code;
  std::string submission_id;
  uint64_t sequence = 0;
  std::string agreement_id;  // empty: admitted before agreements were enforced
  uint32_t agreement_version = 0;
  int64_t committed_at_unix_ms = 0;
  uint64_t live_records = 0;         // rows of the batch still in `records`
  uint64_t quarantined_records = 0;  // rows of the batch in quarantine
};

// High-water marks of a store snapshot, for incremental reads: every record
// appended since has a larger record id, and every link written since has a
// larger linked_at (the linkage worker gives each of its transactions a
// linked_at above every earlier one, so no two share a value).
struct ChangeMarks {
  int64_t record_id_through = 0;  // store_state.keys_indexed_through
  int64_t linked_at_through = 0;  // max(record_links.linked_at), 0 when none
};

// One current record with its link, as a scan visits it.
struct CurrentRecord {
  int64_t record_id = 0;  // the stored version's id (new on re-submission)
  std::string organisation_code;
  std::string record_pseudonym;  // the provider's record key
  std::string payload;           // serialized PseudonymisedRecord
  // The linked person; 0 when the linkage worker has not linked it yet.
  int64_t person_id = 0;
  int32_t link_stage = 0;
  double match_probability = 0;
};

// A read of the current records of one dataset (Store::ForEachCurrentRecord).
struct CurrentRecordScan {
  std::string dataset_id;
  // Set: only records appended (added or re-submitted) after
  // since->record_id_through or whose link was written after
  // since->linked_at_through.
  std::optional<ChangeMarks> since;
  // When not null, set to the snapshot's marks before the first visit: the
  // `since` of the next incremental read.
  ChangeMarks* marks = nullptr;
  // Passes over the same snapshot. An extract counts what it will release in
  // the first pass and sends it in the second, so the counts it audited
  // before sending are exactly what it sends.
  int passes = 1;
  // Called for every current record in every pass; an error stops the scan
  // and is returned as is.
  std::function<absl::Status(int pass, const CurrentRecord& record)> visit;
  // Called after each pass, before the next; may be empty. An error stops
  // the scan and is returned as is.
  std::function<absl::Status(int pass)> pass_done;
};

struct BatchKey {
  std::string organisation_code;
  std::string submission_id;
  uint64_t sequence = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Writes the batch and its records in one transaction and returns only once
  // that transaction is durable (committed with synchronous=FULL). Concurrent
  // callers are folded into one transaction (group commit); each still sees its
  // own result. A record whose (organisation, record_pseudonym) exists already
  // replaces the stored one. When (organisation, submission_id, sequence) is
  // already stored nothing is written and already_stored is true. Unavailable
  // when the store is closing. Thread-safe.
  virtual absl::StatusOr<CommitResult> CommitBatch(BatchWrite batch) = 0;

  // The sequences of a submission that are durable, ascending. Thread-safe.
  virtual absl::StatusOr<std::vector<uint64_t>> DurableSequences(
      const std::string& organisation_code,
      const std::string& submission_id) = 0;

  // Records currently held for a submission's batches (for SubmissionStatus).
  // Thread-safe.
  virtual absl::StatusOr<uint64_t> RecordsInSubmission(
      const std::string& organisation_code,
      const std::string& submission_id) = 0;

  virtual absl::StatusOr<std::optional<Organisation>> FindOrganisation(
      const std::string& code) = 0;
  // Inserts or replaces by code. Thread-safe.
  virtual absl::Status UpsertOrganisation(const Organisation& organisation) = 0;
  // Every registered organisation, ordered by code. Thread-safe.
  virtual absl::StatusOr<std::vector<Organisation>> ListOrganisations() = 0;

  // Per-organisation counts, ordered by code.
  virtual absl::StatusOr<std::vector<OrganisationSummary>> Summarise() = 0;

  // Every batch that still holds records or quarantined records, for the
  // retention purge. Thread-safe.
  virtual absl::StatusOr<std::vector<BatchRetention>> ListRetainedBatches() = 0;

  // Deletes the records and quarantined records of `batches` (the batch rows
  // stay, so a re-send is still answered as already stored) and returns how
  // many rows were removed. Keeps the record store's invariants: rows leave
  // the linkage feed and the key index together, live_records follows, and
  // record ids are never reused. Thread-safe.
  virtual absl::StatusOr<uint64_t> PurgeBatchRecords(
      const std::vector<BatchKey>& batches) = 0;

  // Streams the current records (the newest version of each) of the batches
  // submitted for scan.dataset_id, every pass from one consistent snapshot,
  // one record in memory at a time. Thread-safe; a long scan does not hold
  // up other reads or the writer.
  virtual absl::Status ForEachCurrentRecord(const CurrentRecordScan& scan) = 0;
};

}  // namespace equilink::store

#endif  // EQUILINK_SERVER_STORE_STORE_H_
