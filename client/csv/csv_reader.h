#ifndef EQUILINK_CLIENT_CSV_CSV_READER_H_
#define EQUILINK_CLIENT_CSV_CSV_READER_H_

// A streaming reader for the CSV files case-management systems export, built
// on libcsv. It reads in bounded memory (one input chunk plus the rows parsed
// from one slice of it), so a multi-gigabyte export streams at constant memory.
//
// Accepted input: RFC 4180 quoting ("a,b", doubled quotes, newlines inside
// quotes), CRLF, LF or CR line ends, a configurable one-byte delimiter, and a
// UTF-8 byte-order mark at the start of the file (dropped). libcsv runs in
// lenient mode: a stray quote inside an unquoted field is kept as data, and
// spaces and tabs around unquoted fields are trimmed.

#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

struct csv_parser;

namespace equilink::client {

// One record of the file. The reader reuses the strings, so pass the same
// CsvRow to every Next() call.
struct CsvRow {
  // The row as a person sees it in a spreadsheet: the header is row 1 and the
  // first data row is row 2. Counts records, not lines: a record with a
  // newline inside a quoted field is one row, as a spreadsheet shows it. Blank
  // lines and rows whose every field is empty are counted but not returned.
  int row_number = 0;
  std::vector<std::string> fields;
  // Indexes into `fields` of values that are not well-formed UTF-8 (export
  // saved as Windows-1252, or corrupt). Usually empty.
  std::vector<int> invalid_utf8_fields;
};

struct CsvReaderOptions {
  char delimiter = ',';
  // Bytes read from the file at a time.
  size_t chunk_bytes = size_t{1} << 20;
  // A longer field is an error rather than unbounded memory: an unbalanced
  // quote would otherwise swallow the rest of the file into one field.
  size_t max_field_bytes = size_t{1} << 20;
  // The same for a whole row (a file with no line ends at all).
  size_t max_row_bytes = size_t{8} << 20;
};

// Not thread-safe: one reader belongs to one thread.
class CsvReader {
 public:
  // Opens `path`. Returns NotFound (or the errno's code) when it cannot be
  // read, InvalidArgument for a delimiter that cannot work (quote, CR, LF).
  static absl::StatusOr<std::unique_ptr<CsvReader>> Open(
      const std::string& path, const CsvReaderOptions& options);
  static absl::StatusOr<std::unique_ptr<CsvReader>> Open(
      const std::string& path, char delimiter = ',');
  // Reads from memory, for tests and small inputs.
  static absl::StatusOr<std::unique_ptr<CsvReader>> FromString(
      std::string contents, const CsvReaderOptions& options);
  static absl::StatusOr<std::unique_ptr<CsvReader>> FromString(
      std::string contents, char delimiter = ',');

  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Fills *row with the next non-empty record and returns true, or returns
  // false at the end of the input. Errors: DataLoss when reading the file
  // fails, ResourceExhausted when a field exceeds max_field_bytes (the message
  // names the row number, never content).
  absl::StatusOr<bool> Next(CsvRow* row);

 private:
  struct FieldRef {
    size_t offset;
    size_t length;
    bool invalid_utf8;
  };
  struct PendingRow {
    size_t first_field;
    size_t field_count;
    int row_number;
  };

  CsvReader(std::FILE* file, std::string contents,
            const CsvReaderOptions& options);
  static absl::StatusOr<std::unique_ptr<CsvReader>> Create(
      std::FILE* file, std::string contents, const CsvReaderOptions& options);

  static void OnField(void* data, size_t length, void* self);
  static void OnRowEnd(int terminator, void* self);
  void EndRow(int terminator);

  void ResetBuffers();
  // Parses input until at least one row is pending or the input is done.
  absl::Status Fill();
  // Makes the next slice of input available; empty at end of input.
  absl::StatusOr<absl::string_view> NextSlice();
  absl::Status ReadChunk();

  std::FILE* const file_;     // owned; null for the in-memory form
  const std::string memory_;  // the in-memory input
  const CsvReaderOptions options_;
  std::unique_ptr<csv_parser> parser_;

  std::string chunk_;  // file bytes; for memory input unused
  size_t chunk_pos_ = 0;
  size_t chunk_len_ = 0;
  size_t memory_pos_ = 0;
  bool first_read_ = true;
  bool input_done_ = false;
  bool finished_ = false;

  // Rows parsed from the current slice, not yet returned.
  std::string arena_;
  std::vector<FieldRef> fields_;
  std::vector<PendingRow> rows_;
  size_t next_row_ = 0;
  size_t row_start_field_ = 0;
  int row_counter_ = 0;
  int last_terminator_ = -1;
};

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_CSV_CSV_READER_H_
