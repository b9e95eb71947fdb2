#ifndef EQUILINK_SERVER_LINKAGE_LINKAGE_WORKER_H_
#define EQUILINK_SERVER_LINKAGE_LINKAGE_WORKER_H_

// The linkage worker: links every record the gateway commits, in the order it
// was committed (records.record_id), and keeps the result durable in the
// store (schema version 5: record_links, link_edges, person_events,
// linkage_models, linkage_state).
//
// Each batch of records is linked in memory and written in ONE transaction
// together with the cursor (linkage_state.linked_through), so a worker killed
// at any point resumes from the last committed cursor: nothing is lost and
// nothing is linked twice. At start the worker rebuilds the engine from the
// store (features of every linked record, the kept edges, person ids)
// without scoring a pair again.
//
// Person ids are stable: each re-clustered cluster keeps the id most of its
// records had (server/linkage/cluster/person_ids.h); merges, splits, new and
// retired ids are appended to person_events.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/linkage/linkage_engine.h"

namespace equilink::linkage {

struct LinkageWorkerOptions {
  std::string store_path;  // the gateway's SQLite store
  LinkageOptions engine;
  // Records read, linked and committed per transaction.
  size_t batch_records = 20000;
  // The background thread looks for new records this often even when ingest
  // does not notify it (e.g. records committed by another process).
  absl::Duration poll_interval = absl::Seconds(1);
  // With no model stored yet, the worker estimates one by EM once this many
  // records are linked and it has compared this many pairs that could link
  // (a register alone has none: its records are one per person), and
  // relinks them with it. Pairs are counted from when the worker opened.
  size_t estimate_after_records = 2000;
  size_t estimate_after_pairs = 5000;
};

struct LinkageStatus {
  int64_t linked_through = 0;  // highest record_id linked
  uint64_t records_linked = 0;
  uint64_t persons = 0;
  uint32_t model_version = 0;  // 0: the default starting model
  // Distinct record pairs blocking proposed since the worker was opened
  // (or last rebuilt): the linking cost, per record linked.
  uint64_t candidate_pairs = 0;
  // Wall time of each phase of incremental linking since the worker opened:
  // where a backlog's time goes (reading the store, building features and
  // blocks, scoring and clustering, assigning person ids, writing and
  // committing).
  struct PhaseSeconds {
    double read = 0;
    double features = 0;
    double link = 0;
    double assign = 0;
    double write = 0;
  } phase_seconds;
};

struct RelinkResult {
  uint64_t records = 0;
  uint64_t persons = 0;
  uint64_t pairs_compared = 0;
  uint32_t model_version = 0;
  uint64_t persons_created = 0;
  uint64_t persons_merged = 0;
  uint64_t persons_split = 0;
  uint64_t persons_retired = 0;
  uint64_t records_moved = 0;  // records whose person id changed
};

class LinkageWorker {
 public:
  // Opens the store file (already migrated by the store) on the worker's own
  // connection and restores the linked population.
  static absl::StatusOr<std::unique_ptr<LinkageWorker>> Open(
      LinkageWorkerOptions options);
  ~LinkageWorker();

  // Links every record committed after the cursor, a batch per transaction.
  // Returns how many records were linked. Not to be called while the
  // background thread runs.
  absl::StatusOr<uint64_t> LinkAvailable();

  // Re-estimates the model by EM (keeping what the settings fix), links the
  // whole current population again from scratch, keeps person ids stable and
  // records every merge and split, in one transaction. `reason` is recorded
  // with the new model.
  absl::StatusOr<RelinkResult> Relink(const std::string& reason);

  // The background thread: LinkAvailable whenever Notify is called or the
  // poll interval passes. Errors are logged (counts only) and retried.
  void Start();
  void Notify();
  void Stop();

  absl::StatusOr<LinkageStatus> Status();
  const LinkageEngine& engine() const { return *engine_; }

 private:
  struct Impl;
  explicit LinkageWorker(std::unique_ptr<Impl> impl);
  absl::Status Restore();

  std::unique_ptr<Impl> impl_;
  std::unique_ptr<LinkageEngine> engine_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool notified_ = false;
  bool stopping_ = false;
  // Read between batches without the mutex: a backlog of a million records
  // must not hold up a graceful shutdown (each batch is its own transaction,
  // so the rest is linked after the restart).
  std::atomic<bool> stop_requested_{false};
  std::thread thread_;
};

}  // namespace equilink::linkage

#endif  // EQUILINK_SERVER_LINKAGE_LINKAGE_WORKER_H_
