#include "client/pipeline/record_pipeline.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "common/validate/record_rules.h"

namespace equilink::client {

absl::StatusOr<std::unique_ptr<RecordPipeline>> RecordPipeline::Start(
    const v1::MappingProfile& profile, const PostcodeLookup* postcodes,
    PipelineOptions options) {
  if (options.rows_per_batch <= 0 || options.threads <= 0) {
    return absl::InvalidArgumentError(
        "rows per batch and threads must be positive");
  }
  const char delimiter =
      profile.delimiter().empty() ? ',' : profile.delimiter()[0];
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<CsvReader> reader,
                      CsvReader::Open(options.input_path, delimiter));
  CsvRow header;
  EQ_ASSIGN_OR_RETURN(bool has_header, reader->Next(&header));
  if (!has_header) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.input_path, ": the file is empty"));
  }
  absl::StatusOr<std::unique_ptr<RowMapper>> mapper =
      RowMapper::Create(profile, header, postcodes);
  if (!mapper.ok()) {
    return absl::Status(
        mapper.status().code(),
        absl::StrCat(options.input_path, ": ", mapper.status().message()));
  }
  std::optional<ClkColumns> clk_columns;
  if (options.clk_encoder != nullptr) {
    if (!profile.has_clk()) {
      return absl::InvalidArgumentError(
          "a CLK secret was given but the mapping profile has no clk section");
    }
    absl::StatusOr<ClkColumns> columns = ClkColumns::Create(
        profile.clk(), options.clk_encoder->schema(), header.fields);
    if (!columns.ok()) {
      return absl::Status(
          columns.status().code(),
          absl::StrCat(options.input_path, ": ", columns.status().message()));
    }
    clk_columns = *std::move(columns);
  }
  auto pipeline = absl::WrapUnique(new RecordPipeline(
      std::move(reader), *std::move(mapper), std::move(options)));
  pipeline->clk_columns_ = std::move(clk_columns);
  for (int i = 0; i < pipeline->options_.threads; ++i) {
    pipeline->workers_.emplace_back([p = pipeline.get()] { p->WorkLoop(); });
  }
  return pipeline;
}

RecordPipeline::RecordPipeline(std::unique_ptr<CsvReader> reader,
                               std::unique_ptr<RowMapper> mapper,
                               PipelineOptions options)
    : mapper_(std::move(mapper)),
      options_(std::move(options)),
      reader_(std::move(reader)) {}

RecordPipeline::~RecordPipeline() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& worker : workers_) worker.join();
}

bool RecordPipeline::HasRoomOrStopping() const {
  return batches_alive_ < options_.threads + 2 || stopping_ || reading_done_;
}

bool RecordPipeline::NextIsDecided() const {
  return done_.contains(next_to_hand_out_) ||
         next_to_hand_out_ >= error_sequence_ ||
         (reading_done_ && next_to_hand_out_ >= batches_read_);
}

bool RecordPipeline::ReadBatch(Work& work) {
  absl::MutexLock read_lock(&read_mu_);
  if (reader_exhausted_) return false;
  const size_t rows_per_batch = static_cast<size_t>(options_.rows_per_batch);
  work.row_count = 0;
  absl::Status read_status;
  bool end_of_file = false;
  while (work.row_count < rows_per_batch) {
    if (work.row_count == work.rows.size()) work.rows.emplace_back();
    absl::StatusOr<bool> more = reader_->Next(&work.rows[work.row_count]);
    if (!more.ok()) {
      read_status = more.status();
      break;
    }
    if (!*more) {
      end_of_file = true;
      break;
    }
    ++work.row_count;
  }
  // A batch cut short by a read error is dropped: the error takes its place
  // in the sequence, after every batch before it.
  const bool has_batch = read_status.ok() && work.row_count > 0;
  if (has_batch) work.sequence = next_sequence_++;
  if (!read_status.ok() || end_of_file) {
    reader_exhausted_ = true;
    absl::MutexLock lock(&mu_);
    reading_done_ = true;
    batches_read_ = next_sequence_;
    if (!read_status.ok() && next_sequence_ < error_sequence_) {
      error_ = read_status;
      error_sequence_ = next_sequence_;
    }
  }
  return has_batch;
}

void RecordPipeline::WorkLoop() {
  // This worker's row buffers and mapped row, reused for every batch and row
  // so that reading and mapping reuse their strings' capacity.
  Work work;
  MappedRow mapped;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &RecordPipeline::HasRoomOrStopping));
      if (stopping_ || reading_done_) return;
      ++batches_alive_;  // this worker's next batch
    }
    if (!ReadBatch(work)) {
      absl::MutexLock lock(&mu_);
      --batches_alive_;
      return;
    }
    PipelineBatch batch;
    {
      absl::MutexLock lock(&mu_);
      if (!spare_batches_.empty()) {
        batch.outgoing.batch = std::move(spare_batches_.back());
        spare_batches_.pop_back();
      }
    }
    // Clear() keeps the records as cleared messages that add_records() hands
    // out again, with their strings' capacity.
    batch.outgoing.batch.Clear();
    batch.sequence = work.sequence;
    batch.rows = static_cast<int>(work.row_count);
    batch.skipped = options_.skip && options_.skip(work.sequence);
    absl::Status status = MapAndPseudonymise(work, mapped, batch);
    absl::MutexLock lock(&mu_);
    if (!status.ok() && work.sequence < error_sequence_) {
      error_ = status;
      error_sequence_ = work.sequence;
    }
    done_.emplace(work.sequence, std::move(batch));
  }
}

absl::Status RecordPipeline::MapAndPseudonymise(const Work& work,
                                                MappedRow& mapped,
                                                PipelineBatch& batch) const {
  const bool pseudonymise = !batch.skipped && options_.pseudonymiser != nullptr;
  if (pseudonymise) {
    batch.outgoing.batch.mutable_records()->Reserve(
        static_cast<int>(work.row_count));
    batch.outgoing.record_rows.reserve(work.row_count);
  }
  std::string clk;
  for (size_t i = 0; i < work.row_count; ++i) {
    mapper_->Map(work.rows[i], &mapped);
    for (RowIssue& issue : mapped.issues) {
      batch.issues.push_back(std::move(issue));
    }
    if (mapped.rejected) {
      ++batch.rows_rejected;
      mapped.ids.Cleanse();
      continue;
    }
    // The CLK reads the row's raw fields; a value its schema refuses rejects
    // the row, as clkhash's validation would refuse the file.
    if (clk_columns_.has_value()) {
      if (std::optional<RowIssue> issue =
              clk_columns_->Encode(*options_.clk_encoder, work.rows[i], &clk);
          issue.has_value()) {
        batch.issues.push_back(*std::move(issue));
        ++batch.rows_rejected;
        mapped.ids.Cleanse();
        continue;
      }
    }
    if (!pseudonymise) {
      mapped.ids.Cleanse();
      continue;
    }
    v1::PseudonymisedRecord* record = batch.outgoing.batch.add_records();
    record->Swap(&mapped.record);
    absl::Status status =
        options_.pseudonymiser->Pseudonymise(mapped.ids, record);
    mapped.ids.Cleanse();
    if (!status.ok()) {
      return absl::Status(status.code(), absl::StrCat("row ", mapped.row_number,
                                                      ": ", status.message()));
    }
    if (clk_columns_.has_value()) SetRecordClk(std::move(clk), record);
    batch.outgoing.record_rows.push_back(mapped.row_number);
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> RecordPipeline::Next(PipelineBatch* out) {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(this, &RecordPipeline::NextIsDecided));
  auto it = done_.find(next_to_hand_out_);
  if (it != done_.end()) {
    // One spare per worker is enough for the workers never to wait for one,
    // and keeps the memory bound close to what it was without recycling.
    if (out->outgoing.batch.records_size() > 0 &&
        spare_batches_.size() < static_cast<size_t>(options_.threads)) {
      spare_batches_.push_back(std::move(out->outgoing.batch));
    }
    *out = std::move(it->second);
    done_.erase(it);
    --batches_alive_;
    ++next_to_hand_out_;
    return true;
  }
  if (next_to_hand_out_ >= error_sequence_) {
    stopping_ = true;
    if (error_reported_) return false;
    error_reported_ = true;
    return error_;
  }
  return false;
}

}  // namespace equilink::client
