#include "client/csv/csv_reader.h"

#include <csv.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <utility>

#include "absl/memory/memory.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/csv/utf8.h"

namespace equilink::client {
namespace {

// How much input goes to libcsv per call. Rows are buffered only per slice,
// so this bounds the buffered rows independently of chunk_bytes.
constexpr size_t kSliceBytes = 64 * 1024;

constexpr absl::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Blank lines are reported (CSV_REPALL_NL) so that row numbers match a
// spreadsheet's; CSV_STRICT stays off because real exports are not strict.
constexpr unsigned char kParserOptions = CSV_REPALL_NL;

absl::Status ValidateOptions(const CsvReaderOptions& options) {
  const char d = options.delimiter;
  if (d == '"' || d == '\r' || d == '\n' || d == '\0') {
    return absl::InvalidArgumentError(
        "CSV delimiter must not be a quote, a line end or NUL");
  }
  if (options.chunk_bytes == 0 || options.max_field_bytes == 0 ||
      options.max_row_bytes == 0) {
    return absl::InvalidArgumentError("CSV chunk and field sizes must be > 0");
  }
  return absl::OkStatus();
}

}  // namespace

CsvReader::CsvReader(std::FILE* file, std::string contents,
                     const CsvReaderOptions& options)
    : file_(file),
      memory_(std::move(contents)),
      options_(options),
      parser_(std::make_unique<csv_parser>()) {}

CsvReader::~CsvReader() {
  csv_free(parser_.get());
  if (file_ != nullptr) std::fclose(file_);
}

absl::StatusOr<std::unique_ptr<CsvReader>> CsvReader::Create(
    std::FILE* file, std::string contents, const CsvReaderOptions& options) {
  auto reader =
      absl::WrapUnique(new CsvReader(file, std::move(contents), options));
  if (csv_init(reader->parser_.get(), kParserOptions) != 0) {
    return absl::ResourceExhaustedError("cannot initialise the CSV parser");
  }
  csv_set_delim(reader->parser_.get(),
                static_cast<unsigned char>(options.delimiter));
  // libcsv grows its field buffer linearly by this much; the default (128)
  // makes long free-text fields cost many reallocations.
  csv_set_blk_size(reader->parser_.get(), 4096);
  if (file != nullptr) reader->chunk_.resize(options.chunk_bytes);
  return reader;
}

absl::StatusOr<std::unique_ptr<CsvReader>> CsvReader::Open(
    const std::string& path, const CsvReaderOptions& options) {
  if (absl::Status s = ValidateOptions(options); !s.ok()) return s;
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    const int err = errno;
    const std::string message =
        absl::StrCat("cannot open CSV file ", path, ": ", std::strerror(err));
    if (err == ENOENT) return absl::NotFoundError(message);
    if (err == EACCES) return absl::PermissionDeniedError(message);
    return absl::UnavailableError(message);
  }
  return Create(file, std::string(), options);
}

absl::StatusOr<std::unique_ptr<CsvReader>> CsvReader::Open(
    const std::string& path, char delimiter) {
  CsvReaderOptions options;
  options.delimiter = delimiter;
  return Open(path, options);
}

absl::StatusOr<std::unique_ptr<CsvReader>> CsvReader::FromString(
    std::string contents, const CsvReaderOptions& options) {
  if (absl::Status s = ValidateOptions(options); !s.ok()) return s;
  return Create(nullptr, std::move(contents), options);
}

absl::StatusOr<std::unique_ptr<CsvReader>> CsvReader::FromString(
    std::string contents, char delimiter) {
  CsvReaderOptions options;
  options.delimiter = delimiter;
  return FromString(std::move(contents), options);
}

void CsvReader::OnField(void* data, size_t length, void* self) {
  auto* reader = static_cast<CsvReader*>(self);
  const char* bytes = static_cast<const char*>(data);
  const absl::string_view value(bytes == nullptr ? "" : bytes, length);
  reader->fields_.push_back(
      FieldRef{reader->arena_.size(), length, !IsValidUtf8(value)});
  reader->arena_.append(value.data(), value.size());
}

void CsvReader::OnRowEnd(int terminator, void* self) {
  static_cast<CsvReader*>(self)->EndRow(terminator);
}

void CsvReader::EndRow(int terminator) {
  const size_t count = fields_.size() - row_start_field_;
  const int previous = last_terminator_;
  last_terminator_ = terminator;
  if (count == 0) {
    // With CSV_REPALL_NL the LF of a CRLF arrives as an empty row of its own;
    // any other empty row is a blank line, which a spreadsheet shows as a row.
    if (!(terminator == '\n' && previous == '\r')) ++row_counter_;
    return;
  }
  ++row_counter_;
  bool all_empty = true;
  for (size_t i = row_start_field_; i < fields_.size(); ++i) {
    if (fields_[i].length != 0) {
      all_empty = false;
      break;
    }
  }
  if (all_empty) {
    // ",,,," lines: spreadsheets leave them behind after deleting content.
    fields_.resize(row_start_field_);
    return;
  }
  rows_.push_back(PendingRow{row_start_field_, count, row_counter_});
  row_start_field_ = fields_.size();
}

absl::Status CsvReader::ReadChunk() {
  chunk_len_ = std::fread(chunk_.data(), 1, chunk_.size(), file_);
  chunk_pos_ = 0;
  if (chunk_len_ < chunk_.size() && std::ferror(file_)) {
    return absl::DataLossError("error reading the CSV file");
  }
  if (chunk_len_ == 0) input_done_ = true;
  return absl::OkStatus();
}

absl::StatusOr<absl::string_view> CsvReader::NextSlice() {
  absl::string_view available;
  if (file_ == nullptr) {
    available = absl::string_view(memory_).substr(memory_pos_);
  } else {
    if (chunk_pos_ == chunk_len_ && !input_done_) {
      if (absl::Status s = ReadChunk(); !s.ok()) return s;
    }
    available =
        absl::string_view(chunk_.data() + chunk_pos_, chunk_len_ - chunk_pos_);
  }
  if (first_read_) {
    first_read_ = false;
    if (absl::StartsWith(available, kUtf8Bom)) {
      available.remove_prefix(kUtf8Bom.size());
      (file_ == nullptr ? memory_pos_ : chunk_pos_) += kUtf8Bom.size();
    }
  }
  const absl::string_view slice =
      available.substr(0, std::min(available.size(), kSliceBytes));
  (file_ == nullptr ? memory_pos_ : chunk_pos_) += slice.size();
  if (slice.empty()) input_done_ = true;
  return slice;
}

void CsvReader::ResetBuffers() {
  // Every pending row was returned. The fields of a row still open at the end
  // of the last slice are the tail of fields_ and of arena_: keep them.
  if (row_start_field_ == fields_.size()) {
    arena_.clear();
    fields_.clear();
  } else {
    const size_t arena_start = fields_[row_start_field_].offset;
    arena_.erase(0, arena_start);
    fields_.erase(fields_.begin(),
                  fields_.begin() + static_cast<ptrdiff_t>(row_start_field_));
    for (FieldRef& field : fields_) field.offset -= arena_start;
  }
  row_start_field_ = 0;
  rows_.clear();
  next_row_ = 0;
}

absl::Status CsvReader::Fill() {
  ResetBuffers();
  while (rows_.empty() && !finished_) {
    // Limits are checked before more input is parsed, so rows completed in
    // the last slice are returned before the error.
    const size_t open_row_bytes =
        row_start_field_ < fields_.size()
            ? arena_.size() - fields_[row_start_field_].offset
            : 0;
    if (open_row_bytes > options_.max_row_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("a CSV row after row ", row_counter_, " is longer than ",
                       options_.max_row_bytes, " bytes"));
    }
    if (csv_get_buffer_size(parser_.get()) > options_.max_field_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "a CSV field after row ", row_counter_, " is longer than ",
          options_.max_field_bytes, " bytes (is a quote unbalanced?)"));
    }
    absl::StatusOr<absl::string_view> slice = NextSlice();
    if (!slice.ok()) return slice.status();
    if (slice->empty()) {
      csv_fini(parser_.get(), &CsvReader::OnField, &CsvReader::OnRowEnd, this);
      finished_ = true;
      break;
    }
    const size_t used =
        csv_parse(parser_.get(), slice->data(), slice->size(),
                  &CsvReader::OnField, &CsvReader::OnRowEnd, this);
    if (used != slice->size()) {
      return absl::ResourceExhaustedError(
          absl::StrCat("CSV parser out of memory after row ", row_counter_));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> CsvReader::Next(CsvRow* row) {
  if (next_row_ == rows_.size()) {
    if (finished_) return false;
    if (absl::Status s = Fill(); !s.ok()) return s;
    if (rows_.empty()) return false;
  }
  const PendingRow& pending = rows_[next_row_++];
  row->row_number = pending.row_number;
  row->fields.resize(pending.field_count);
  row->invalid_utf8_fields.clear();
  for (size_t i = 0; i < pending.field_count; ++i) {
    const FieldRef& ref = fields_[pending.first_field + i];
    row->fields[i].assign(arena_, ref.offset, ref.length);
    if (ref.invalid_utf8)
      row->invalid_utf8_fields.push_back(static_cast<int>(i));
  }
  return true;
}

}  // namespace equilink::client
