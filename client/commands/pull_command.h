#ifndef EQUILINK_CLIENT_COMMANDS_PULL_COMMAND_H_
#define EQUILINK_CLIENT_COMMANDS_PULL_COMMAND_H_

// `equilink pull`: an ICS consumer's extract of linked, pseudonymised records
// (ExtractService.Pull), streamed to a CSV file.
//
// The CSV has a header row: record_release_pseudonym,
// person_release_pseudonym (both lowercase hex; the person's is empty while
// the record is not linked yet), linked (0/1), link_stage,
// match_probability, then the record fields the gateway released, in
// field-number order. Repeated fields are joined with ';'. Rows are written
// as they arrive, to FILE.partial, renamed to FILE only when the pull
// completed, so a failed pull never leaves a file that looks complete.
//
// With a cursor file: its content (when the file exists) is sent as the
// cursor, so only records added, re-submitted or re-linked since the pull
// that wrote it come back; after a complete pull the next cursor replaces
// it. A consumer keeps one cursor file per purpose and dataset; the rows of
// an incremental pull supersede earlier rows with the same
// record_release_pseudonym.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/commands/governance_connection.h"
#include "equilink/v1/extract.pb.h"
#include "google/protobuf/descriptor.h"

namespace equilink::client {

struct PullOptions {
  GatewayConnection gateway;
  std::string purpose_id;
  std::string dataset_id;
  std::vector<std::string> fields;  // empty: every field the agreement allows
  std::string cursor_file;          // empty: a full pull, no cursor saved
  std::string out_path;             // the CSV file
  std::string request_id;           // cited in the gateway's audit entry
};

struct PullReport {
  uint64_t rows = 0;
  uint64_t linked_rows = 0;
  bool incremental = false;  // a cursor was sent
  std::string next_cursor;
};

// Pulls and writes the CSV (and the cursor file). Errors from the gateway
// come back with their canonical code (PERMISSION_DENIED for a refusal,
// INVALID_ARGUMENT for a bad cursor).
absl::StatusOr<PullReport> RunPull(const PullOptions& options);

// The CSV of a pull: the fixed columns, then `fields` (record field names;
// a name the record type lacks gives an empty column). Descriptors are
// resolved once, not per row.
class PullCsvFormatter {
 public:
  explicit PullCsvFormatter(std::vector<std::string> fields);

  // The header line, without a newline.
  std::string Header() const;
  // Appends the line for `record` and its `row`, without a newline.
  void AppendLine(const v1::PseudonymisedRecord& record,
                  const v1::ReleasedRow& row, std::string* out) const;

 private:
  std::vector<std::string> names_;
  std::vector<const google::protobuf::FieldDescriptor*> fields_;
};

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_COMMANDS_PULL_COMMAND_H_
