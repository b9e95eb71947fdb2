#ifndef EQUILINK_TESTS_TESTING_FAKE_STORE_H_
#define EQUILINK_TESTS_TESTING_FAKE_STORE_H_

// An in-memory store::Store for unit tests of code that sits above the store
// (authorisers, ingest, service adapters). It keeps the interface's observable
// contract (idempotent batches, records replaced by pseudonym, per-submission
// counts) without durability. set_error() makes every call fail, to test how
// callers handle a store that is busy or broken.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/store/store.h"

namespace equilink::testing {

class FakeStore final : public store::Store {
 public:
  FakeStore() = default;

  // Every method returns `error` until it is set back to OkStatus().
  void set_error(absl::Status error) {
    absl::MutexLock lock(&mu_);
    error_ = std::move(error);
  }

  // Number of CommitBatch calls that wrote something.
  int commits() const {
    absl::MutexLock lock(&mu_);
    return commits_;
  }

  absl::StatusOr<store::CommitResult> CommitBatch(
      store::BatchWrite batch) override {
    absl::MutexLock lock(&mu_);
    if (!error_.ok()) return error_;
    const BatchKey key{batch.organisation_code, batch.submission_id,
                       batch.sequence};
    if (auto it = acks_.find(key); it != acks_.end()) {
      return store::CommitResult{true, it->second};
    }
    for (store::RecordRow& row : batch.records) {
      records_[{batch.organisation_code, row.record_pseudonym}] =
          StoredRecord{batch.submission_id, std::move(row.payload),
                       batch.sequence, ++last_record_id_};
    }
    quarantined_[key] += batch.quarantined.size();
    admitted_by_[key] = {batch.agreement_id, batch.agreement_version};
    datasets_[key] = batch.dataset_id;
    acks_[key] = batch.ack;
    ++commits_;
    return store::CommitResult{false, std::move(batch.ack)};
  }

  // Quarantined records stored for a batch.
  uint64_t QuarantinedIn(const std::string& organisation_code,
                         const std::string& submission_id, uint64_t sequence) {
    absl::MutexLock lock(&mu_);
    auto it = quarantined_.find({organisation_code, submission_id, sequence});
    return it == quarantined_.end() ? 0 : it->second;
  }

  // Backdates a stored batch, for retention tests.
  void SetCommittedAt(const std::string& organisation_code,
                      const std::string& submission_id, uint64_t sequence,
                      int64_t unix_ms) {
    absl::MutexLock lock(&mu_);
    committed_at_[{organisation_code, submission_id, sequence}] = unix_ms;
  }

  absl::StatusOr<std::vector<uint64_t>> DurableSequences(
      const std::string& organisation_code,
      const std::string& submission_id) override {
    absl::MutexLock lock(&mu_);
    if (!error_.ok()) return error_;
    std::vector<uint64_t> sequences;
    for (const auto& [key, ack] : acks_) {
      if (std::get<0>(key) == organisation_code &&
          std::get<1>(key) == submission_id) {
        sequences.push_back(std::get<2>(key));  // map order: ascending
      }
    }
    return sequences;
  }

  absl::StatusOr<uint64_t> RecordsInSubmission(
      const std::string& organisation_code,
      const std::string& submission_id) override {
    absl::MutexLock lock(&mu_);
    if (!error_.ok()) return error_;
    uint64_t count = 0;
    for (const auto& [key, record] : records_) {
      if (key.first == organisation_code &&
          record.submission_id == submission_id) {
        ++count;
      }
    }
    return count;
  }

  absl::StatusOr<std::optional<store::Organisation>> FindOrganisation(
      const std::string& code) override {
    absl::MutexLock lock(&mu_);
    if (!error_.ok()) return error_;
    auto it = organisations_.find(code);
    if (it == organisations_.end()) return std::nullopt;
    return it->second;
  }

  absl::Status UpsertOrganisation(
      const store::Organisation& organisation) override {
    absl::MutexLock lock(&mu_);
    if (!error_.ok()) return error_;
    organisations_[organisation.code] = organisation;
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<store::Organisation>> ListOrganisations()
      override {
    absl::MutexLock lock(&mu_);
    if (!error_.ok()) return error_;
    std::vector<store::Organisation> out;
    for (const auto& [code, organisation] : organisations_) {
      out.push_back(organisation);
    }
    return out;
  }

  absl::StatusOr<std::vector<store::BatchRetention>> ListRetainedBatches()
      override {
    absl::MutexLock lock(&mu_);
    if (!error_.ok()) return error_;
    std::vector<store::BatchRetention> out;
    for (const auto& [key, ack] : acks_) {
      store::BatchRetention batch;
      std::tie(batch.organisation_code, batch.submission_id, batch.sequence) =
          key;
      std::tie(batch.agreement_id, batch.agreement_version) = admitted_by_[key];
      batch.committed_at_unix_ms = committed_at_[key];
      for (const auto& [record_key, record] : records_) {
        if (record_key.first == batch.organisation_code &&
            record.submission_id == batch.submission_id &&
            record.sequence == batch.sequence) {
          ++batch.live_records;
        }
      }
      batch.quarantined_records = quarantined_[key];
      if (batch.live_records > 0 || batch.quarantined_records > 0) {
        out.push_back(std::move(batch));
      }
    }
    return out;
  }

  absl::StatusOr<uint64_t> PurgeBatchRecords(
      const std::vector<store::BatchKey>& batches) override {
    absl::MutexLock lock(&mu_);
    if (!error_.ok()) return error_;
    uint64_t removed = 0;
    for (const store::BatchKey& batch : batches) {
      removed += std::erase_if(records_, [&](const auto& entry) {
        return entry.first.first == batch.organisation_code &&
               entry.second.submission_id == batch.submission_id &&
               entry.second.sequence == batch.sequence;
      });
      uint64_t& quarantined = quarantined_[{
          batch.organisation_code, batch.submission_id, batch.sequence}];
      removed += quarantined;
      quarantined = 0;
    }
    return removed;
  }

  absl::StatusOr<std::vector<store::OrganisationSummary>> Summarise() override {
    absl::MutexLock lock(&mu_);
    if (!error_.ok()) return error_;
    std::map<std::string, store::OrganisationSummary> by_code;
    std::set<std::pair<std::string, std::string>> submissions;
    for (const auto& [key, ack] : acks_) {
      store::OrganisationSummary& summary = by_code[std::get<0>(key)];
      summary.organisation_code = std::get<0>(key);
      ++summary.batches;
      if (submissions.insert({std::get<0>(key), std::get<1>(key)}).second) {
        ++summary.submissions;
      }
    }
    for (const auto& [key, record] : records_) {
      store::OrganisationSummary& summary = by_code[key.first];
      summary.organisation_code = key.first;
      ++summary.records;
    }
    std::vector<store::OrganisationSummary> out;
    for (auto& [code, summary] : by_code) out.push_back(std::move(summary));
    return out;
  }

  // Holds the store's lock for the whole scan: `visit` must not call back
  // into the store. The fake links nothing: every record is unlinked, and
  // `since` selects by record id alone.
  absl::Status ForEachCurrentRecord(
      const store::CurrentRecordScan& scan) override {
    absl::MutexLock lock(&mu_);
    if (!error_.ok()) return error_;
    if (scan.marks != nullptr) {
      *scan.marks = store::ChangeMarks{last_record_id_, 0};
    }
    for (int pass = 0; pass < scan.passes; ++pass) {
      for (const auto& [key, record] : records_) {
        const auto dataset =
            datasets_.find({key.first, record.submission_id, record.sequence});
        if (dataset == datasets_.end() || dataset->second != scan.dataset_id) {
          continue;
        }
        if (scan.since.has_value() &&
            record.record_id <= scan.since->record_id_through) {
          continue;
        }
        store::CurrentRecord row;
        row.record_id = record.record_id;
        row.organisation_code = key.first;
        row.record_pseudonym = key.second;
        row.payload = record.payload;
        if (absl::Status s = scan.visit(pass, row); !s.ok()) return s;
      }
      if (scan.pass_done) {
        if (absl::Status s = scan.pass_done(pass); !s.ok()) return s;
      }
    }
    return absl::OkStatus();
  }

 private:
  using BatchKey = std::tuple<std::string, std::string, uint64_t>;
  struct StoredRecord {
    std::string submission_id;  // the submission that last wrote it
    std::string payload;
    uint64_t sequence = 0;
    int64_t record_id = 0;  // a new one on every write, as in SqliteStore
  };

  mutable absl::Mutex mu_;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  int commits_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_record_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, store::Organisation> organisations_
      ABSL_GUARDED_BY(mu_);
  std::map<BatchKey, std::string> acks_ ABSL_GUARDED_BY(mu_);
  std::map<BatchKey, uint64_t> quarantined_ ABSL_GUARDED_BY(mu_);
  std::map<BatchKey, std::pair<std::string, uint32_t>> admitted_by_
      ABSL_GUARDED_BY(mu_);
  std::map<BatchKey, int64_t> committed_at_ ABSL_GUARDED_BY(mu_);
  std::map<BatchKey, std::string> datasets_ ABSL_GUARDED_BY(mu_);
  // (organisation, record_pseudonym) -> record
  std::map<std::pair<std::string, std::string>, StoredRecord> records_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace equilink::testing

#endif  // EQUILINK_TESTS_TESTING_FAKE_STORE_H_
