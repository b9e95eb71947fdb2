#ifndef EQUILINK_CLIENT_PIPELINE_RECORD_PIPELINE_H_
#define EQUILINK_CLIENT_PIPELINE_RECORD_PIPELINE_H_

// CSV export -> mapped and validated rows -> pseudonymised records, in batches,
// in order.
//
// Worker threads take turns at the CSV reader: each reads the next batch of a
// fixed number of rows into its own reused row buffers, then maps, validates
// and pseudonymises that batch while another worker reads; Next() hands
// batches back in sequence order. There is no separate reader thread: with
// one, three threads shared two cores (measured: the extra thread's context
// switches and the rows crossing cores cost the pipeline about a tenth of its
// rate), and reading is a small part of a batch's work, so the turns rarely
// wait. At most `threads + 2` batches exist at once, so memory stays constant
// however large the file is. Batch k always holds the data rows [k*B, (k+1)*B)
// of the file, so a re-run of the same file produces the same sequence numbers
// and the gateway can recognise what it already holds.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "client/mapping/row_mapper.h"
#include "client/pipeline/clk_stage.h"
#include "client/pipeline/submission_client.h"
#include "common/pseudo/record_pseudonymiser.h"
#include "equilink/v1/mapping.pb.h"

namespace equilink::client {

struct PipelineOptions {
  std::string input_path;
  int rows_per_batch = 2000;
  int threads = 2;
  // Pseudonymises nothing when null (validate without a key): batches then
  // carry no records.
  const RecordPseudonymiser* pseudonymiser = nullptr;
  // Batches for which this returns true are counted but not pseudonymised
  // (already durable).
  std::function<bool(uint64_t sequence)> skip;
  // When set, every record also carries a BLOOM_RECORD_CLK made as the
  // profile's ClkProfile says (the profile must have one); must outlive the
  // pipeline. A row whose CLK values break the schema's formats is rejected
  // (rule CLK_FORMAT).
  const clk::ClkEncoder* clk_encoder = nullptr;
};

// One batch of the file, in order.
struct PipelineBatch {
  uint64_t sequence = 0;
  bool skipped = false;
  int rows = 0;  // data rows the batch covers
  int rows_rejected =
      0;  // rows with a reject-severity issue (not in the batch)
  std::vector<RowIssue>
      issues;  // every issue of the batch's rows, rejects and warnings
  OutgoingBatch outgoing;  // records and their row numbers (empty when skipped)
};

class RecordPipeline {
  // CSV rows read but not yet mapped. `rows` only grows: its first
  // `row_count` entries are this batch's, and the strings of all of them keep
  // their capacity when the buffer is recycled.
  struct Work {
    uint64_t sequence = 0;
    std::vector<CsvRow> rows;
    size_t row_count = 0;
  };

 public:
  // Opens the file, reads the header, checks it against the profile, and starts
  // the threads. Errors name the file and the header rule that failed (a
  // missing mapped column, say).
  static absl::StatusOr<std::unique_ptr<RecordPipeline>> Start(
      const v1::MappingProfile& profile, const PostcodeLookup* postcodes,
      PipelineOptions options);

  // Joins the threads (stopping them early if the caller did not drain the
  // pipeline).
  ~RecordPipeline();

  // The next batch in sequence order: true and *out filled, or false at the
  // end. A reading or pseudonymisation error is returned once, after the
  // batches before it. The records *out still holds from the previous call
  // are recycled for later batches, so pass the same PipelineBatch each time
  // (or move its contents away first to keep them).
  absl::StatusOr<bool> Next(PipelineBatch* out);

 private:
  RecordPipeline(std::unique_ptr<CsvReader> reader,
                 std::unique_ptr<RowMapper> mapper, PipelineOptions options);
  void WorkLoop();
  // Reads the next batch of rows into `work` (this worker's buffers). False
  // when there are no more rows: the end of the file, a read error (recorded
  // for Next()), or another worker already got there.
  bool ReadBatch(Work& work) ABSL_LOCKS_EXCLUDED(mu_, read_mu_);
  bool HasRoomOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool NextIsDecided() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Maps every row of `work` (through `mapped`, reused across rows) and
  // pseudonymises the accepted ones into `batch`.
  absl::Status MapAndPseudonymise(const Work& work, MappedRow& mapped,
                                  PipelineBatch& batch) const;

  std::unique_ptr<RowMapper> mapper_;
  const PipelineOptions options_;
  // Set (before the workers start) when options_.clk_encoder is.
  std::optional<ClkColumns> clk_columns_;

  // The reader's turn: taken before mu_ when both are needed.
  absl::Mutex read_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::unique_ptr<CsvReader> reader_ ABSL_GUARDED_BY(read_mu_);
  uint64_t next_sequence_ ABSL_GUARDED_BY(read_mu_) = 0;
  bool reader_exhausted_ ABSL_GUARDED_BY(read_mu_) = false;

  absl::Mutex mu_;
  // Batches the caller of Next() has finished with, for the workers to refill:
  // their records are reused as cleared messages, so building a record in
  // the steady state allocates (and later frees) almost nothing.
  std::vector<v1::SubmissionBatch> spare_batches_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, PipelineBatch> done_
      ABSL_GUARDED_BY(mu_);  // finished, by sequence
  // Being read, worked on or waiting for Next(): reserved before reading.
  int batches_alive_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_to_hand_out_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t batches_read_ ABSL_GUARDED_BY(mu_) = 0;
  bool reading_done_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  uint64_t error_sequence_ ABSL_GUARDED_BY(mu_) = UINT64_MAX;
  bool error_reported_ ABSL_GUARDED_BY(mu_) = false;

  std::vector<std::thread> workers_;
};

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_PIPELINE_RECORD_PIPELINE_H_
