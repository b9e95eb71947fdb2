#ifndef EQUILINK_CLIENT_MAPPING_REJECTS_REPORT_H_
#define EQUILINK_CLIENT_MAPPING_REJECTS_REPORT_H_

// The rejects report: one CSV line per row issue, `row,field,rule,severity`,
// for the data officer to fix the export. It never holds a value from the
// export, so it can be emailed or attached to a ticket.

#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "client/mapping/mapped_row.h"

namespace equilink::client {

struct RuleCounts {
  int rejects = 0;
  int warnings = 0;
};

// Streams lines to a file (or to memory), so a million-row export with an
// issue per row needs no more memory than one with none. Not thread-safe.
class RejectsReport {
 public:
  // Creates (truncates) `path` and writes the header line.
  static absl::StatusOr<std::unique_ptr<RejectsReport>> Create(
      const std::string& path);
  // Keeps the report in memory; see contents().
  static std::unique_ptr<RejectsReport> InMemory();

  ~RejectsReport();
  RejectsReport(const RejectsReport&) = delete;
  RejectsReport& operator=(const RejectsReport&) = delete;

  // Writes one line and counts it. A failed write is remembered and returned
  // by Close(), so a caller adding issues in a loop checks once.
  void Add(const RowIssue& issue);
  void AddAll(absl::Span<const RowIssue> issues);
  // Flushes and closes the file. Returns DataLoss when any write or the close
  // failed. Later Adds only count. Idempotent.
  absl::Status Close();

  // Counts by rule name, sorted by rule.
  const std::map<std::string, RuleCounts>& counts_by_rule() const {
    return counts_;
  }
  int total_rejects() const { return total_rejects_; }
  int total_warnings() const { return total_warnings_; }
  // "CODESET: 2 rejects; NHS_NUMBER_CHECKSUM: 1 warning", for the console.
  std::string Summary() const;
  // The CSV text of an in-memory report (header included).
  const std::string& contents() const { return memory_; }

 private:
  explicit RejectsReport(std::FILE* file);
  void Write(absl::string_view text);

  std::FILE* file_;  // owned; null for in-memory or after Close
  bool in_memory_;
  std::string memory_;
  std::string line_;  // reused per line
  absl::Status write_status_;
  std::map<std::string, RuleCounts> counts_;
  int total_rejects_ = 0;
  int total_warnings_ = 0;
};

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_MAPPING_REJECTS_REPORT_H_
