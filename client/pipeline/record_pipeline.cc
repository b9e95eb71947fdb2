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
  auto pipeline = absl::WrapUnique(new RecordPipeline(
      std::move(reader), *std::move(mapper), std::move(options)));
  pipeline->reader_thread_ =
      std::thread([p = pipeline.get()] { p->ReadLoop(); });
  for (int i = 0; i < pipeline->options_.threads; ++i) {
    pipeline->workers_.emplace_back([p = pipeline.get()] { p->WorkLoop(); });
  }
  return pipeline;
}

RecordPipeline::RecordPipeline(std::unique_ptr<CsvReader> reader,
                               std::unique_ptr<RowMapper> mapper,
                               PipelineOptions options)
    : reader_(std::move(reader)),
      mapper_(std::move(mapper)),
      options_(std::move(options)) {}

RecordPipeline::~RecordPipeline() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (reader_thread_.joinable()) reader_thread_.join();
  for (std::thread& worker : workers_) worker.join();
}

bool RecordPipeline::HasRoomOrStopping() const {
  return batches_alive_ < options_.threads + 2 || stopping_;
}

bool RecordPipeline::HasWorkOrFinished() const {
  return !todo_.empty() || reading_done_ || stopping_;
}

bool RecordPipeline::NextIsDecided() const {
  return done_.contains(next_to_hand_out_) ||
         next_to_hand_out_ >= error_sequence_ ||
         (reading_done_ && next_to_hand_out_ >= batches_read_);
}

bool RecordPipeline::HandOver(Work work) {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(this, &RecordPipeline::HasRoomOrStopping));
  if (stopping_) return false;
  todo_.push_back(std::move(work));
  ++batches_alive_;
  return true;
}

void RecordPipeline::ReadLoop() {
  const size_t rows_per_batch = static_cast<size_t>(options_.rows_per_batch);
  uint64_t sequence = 0;
  Work work;
  CsvRow row;
  absl::Status read_status;
  while (true) {
    absl::StatusOr<bool> more = reader_->Next(&row);
    if (!more.ok()) {
      read_status = more.status();
      break;
    }
    if (!*more) break;
    if (work.rows.empty()) {
      work.sequence = sequence;
      work.rows.reserve(rows_per_batch);
    }
    mapper_->Map(row, &work.rows.emplace_back());
    if (work.rows.size() == rows_per_batch) {
      if (!HandOver(std::move(work))) return;
      work = Work();
      ++sequence;
    }
  }
  if (read_status.ok() && !work.rows.empty()) {
    if (!HandOver(std::move(work))) return;
    ++sequence;
  }
  absl::MutexLock lock(&mu_);
  reading_done_ = true;
  batches_read_ = sequence;
  if (!read_status.ok() && sequence < error_sequence_) {
    error_ = read_status;
    error_sequence_ = sequence;
  }
}

void RecordPipeline::WorkLoop() {
  while (true) {
    Work work;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &RecordPipeline::HasWorkOrFinished));
      if (stopping_ || todo_.empty()) return;
      work = std::move(todo_.front());
      todo_.pop_front();
    }
    PipelineBatch batch;
    batch.sequence = work.sequence;
    batch.rows = static_cast<int>(work.rows.size());
    batch.skipped = options_.skip && options_.skip(work.sequence);
    absl::Status status = Pseudonymise(work.rows, batch);
    absl::MutexLock lock(&mu_);
    if (!status.ok() && work.sequence < error_sequence_) {
      error_ = status;
      error_sequence_ = work.sequence;
    }
    done_.emplace(work.sequence, std::move(batch));
  }
}

absl::Status RecordPipeline::Pseudonymise(std::vector<MappedRow>& rows,
                                          PipelineBatch& batch) const {
  for (MappedRow& row : rows) {
    for (RowIssue& issue : row.issues) batch.issues.push_back(std::move(issue));
    if (row.rejected) {
      ++batch.rows_rejected;
      row.ids.Cleanse();
      continue;
    }
    if (batch.skipped || options_.pseudonymiser == nullptr) {
      row.ids.Cleanse();
      continue;
    }
    v1::PseudonymisedRecord* record = batch.outgoing.batch.add_records();
    *record = std::move(row.record);
    absl::Status status = options_.pseudonymiser->Pseudonymise(row.ids, record);
    row.ids.Cleanse();
    if (!status.ok()) {
      return absl::Status(status.code(), absl::StrCat("row ", row.row_number,
                                                      ": ", status.message()));
    }
    batch.outgoing.record_rows.push_back(row.row_number);
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> RecordPipeline::Next(PipelineBatch* out) {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(this, &RecordPipeline::NextIsDecided));
  auto it = done_.find(next_to_hand_out_);
  if (it != done_.end()) {
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
