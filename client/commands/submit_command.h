#ifndef EQUILINK_CLIENT_COMMANDS_SUBMIT_COMMAND_H_
#define EQUILINK_CLIENT_COMMANDS_SUBMIT_COMMAND_H_

// `equilink validate` and `equilink submit`: read an export through a mapping
// profile, validate and pseudonymise it on this machine, and (for submit) send
// it to the gateway over mutual TLS. Both write a rejects report that names
// row, field and rule, never a value.

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/pipeline/submission_client.h"
#include "equilink/v1/gateway_config.pb.h"

namespace equilink::client {

struct ExportOptions {
  std::string input_path;    // the CSV export
  std::string profile_path;  // mapping profile (text-format MappingProfile)
  std::string
      postcode_lookup_path;  // ONSPD-layout lookup; empty derives no LSOA
  std::string rejects_path;  // rejects report to write; empty writes none
  // The clkhash CLK secret file (mode 0600) for the profile's clk section;
  // required by submit when the profile has one, optional for validate (which
  // then also checks the CLK columns against the schema).
  std::string clk_secret_path;
  int rows_per_batch = 2000;
  int threads = 2;
  bool show_progress =
      false;  // progress line on stderr (only when it is a terminal)
};

struct SubmitOptions {
  ExportOptions export_options;
  std::string linkage_key_path;  // key file, mode 0600
  std::string gateway_address;   // host:port
  v1::TlsFiles tls;  // this organisation's certificate, key, and the CA
  std::string
      submission_id;  // empty derives one from the file (see submission_id.h)
  std::string purpose_id;
  WireObserver wire_observer;  // tests: sees each serialized batch
  // Tests and tools: sees each acknowledgement as it arrives (on the stream's
  // reader thread).
  std::function<void(const v1::BatchAck&)> ack_observer;
  // Tools: called with each batch's sequence as it is handed to the stream.
  std::function<void(uint64_t sequence)> send_observer;
  // Batches sent and not yet acknowledged, at most (bounds the client's
  // memory and how long a batch waits in the gateway's queue).
  int max_unacknowledged_batches = 16;
  // Times a run resumes after the gateway answered RESOURCE_EXHAUSTED with a
  // retry hint (it is full, or the organisation's rate limit is reached),
  // each after the hinted delay (at most kMaxRetryWait).
  int max_retries = 20;
};

inline constexpr absl::Duration kMaxRetryWait = absl::Seconds(60);

struct RunReport {
  std::string submission_id;
  int64_t rows_read = 0;
  int64_t rows_rejected = 0;  // by the client's validation (not sent)
  int64_t rows_with_warnings = 0;
  int64_t records_sent = 0;
  int64_t records_accepted = 0;  // durable at the gateway
  int64_t records_rejected_by_gateway = 0;
  // Held in quarantine by the gateway (outside the agreement's population,
  // S9) and dropped because of the national data opt-out: neither is linked.
  int64_t records_quarantined = 0;
  int64_t records_opted_out = 0;
  int64_t batches_sent = 0;
  int64_t batches_skipped = 0;  // durable before this run started (resume)
  int64_t batches_already_stored =
      0;               // re-sent and acknowledged as already stored
  double seconds = 0;  // every attempt, waits included
  // Resumptions after a retry hint. The counts above are the last attempt's:
  // batches stored by earlier attempts appear in batches_skipped.
  int retries = 0;
  std::map<std::string, int64_t> issues_by_rule;  // rule -> rows
};

// Reads, maps and validates the export, writes the rejects report, sends
// nothing.
absl::StatusOr<RunReport> RunValidate(const ExportOptions& options);

// Validates, pseudonymises and submits. Safe to re-run after a crash or kill:
// batches the gateway already holds are skipped and nothing is stored twice.
absl::StatusOr<RunReport> RunSubmit(const SubmitOptions& options);

// A short human-readable summary of a run, for the terminal.
std::string FormatReport(const RunReport& report, bool submitted);

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_COMMANDS_SUBMIT_COMMAND_H_
