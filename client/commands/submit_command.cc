#include "client/commands/submit_command.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client/geo/postcode_lookup.h"
#include "client/mapping/mapping_profile.h"
#include "client/mapping/rejects_report.h"
#include "client/pipeline/clk_stage.h"
#include "client/pipeline/record_pipeline.h"
#include "client/pipeline/submission_id.h"
#include "common/keys/linkage_key.h"
#include "common/rpc/channel_options.h"
#include "common/rpc/tls_credentials.h"
#include "common/status/retry_after.h"
#include "common/status/status_macros.h"
#include "grpcpp/create_channel.h"

namespace equilink::client {
namespace {

// What one run needs from the export side, opened once.
struct ExportInputs {
  v1::MappingProfile profile;
  std::unique_ptr<PostcodeLookup> postcodes;  // null when no lookup was given
  std::unique_ptr<RejectsReport> rejects;  // null when no report was asked for
  // The record-CLK encoder; null unless a CLK secret was given.
  std::unique_ptr<clk::ClkEncoder> clk_encoder;
};

absl::StatusOr<ExportInputs> OpenExportInputs(const ExportOptions& options) {
  ExportInputs inputs;
  if (options.input_path.empty())
    return absl::InvalidArgumentError("--input is required");
  if (options.profile_path.empty())
    return absl::InvalidArgumentError("--profile is required");
  EQ_ASSIGN_OR_RETURN(inputs.profile, LoadMappingProfile(options.profile_path));
  if (!options.postcode_lookup_path.empty()) {
    EQ_ASSIGN_OR_RETURN(inputs.postcodes,
                        PostcodeLookup::Load(options.postcode_lookup_path));
  }
  if (!options.clk_secret_path.empty()) {
    if (!inputs.profile.has_clk()) {
      return absl::InvalidArgumentError(
          "--clk_secret was given but the mapping profile has no clk section");
    }
    EQ_ASSIGN_OR_RETURN(SecretBytes secret,
                        ReadClkSecretFile(options.clk_secret_path));
    EQ_ASSIGN_OR_RETURN(inputs.clk_encoder,
                        LoadClkEncoder(inputs.profile.clk(), secret));
  }
  if (!options.rejects_path.empty()) {
    EQ_ASSIGN_OR_RETURN(inputs.rejects,
                        RejectsReport::Create(options.rejects_path));
  }
  return inputs;
}

// Prints a progress line on stderr at most twice a second, only on a terminal.
class Progress {
 public:
  explicit Progress(bool enabled)
      : enabled_(enabled && isatty(STDERR_FILENO) != 0) {}
  void Update(const RunReport& report) {
    if (!enabled_ || absl::Now() - last_ < absl::Milliseconds(500)) return;
    last_ = absl::Now();
    const double seconds = absl::ToDoubleSeconds(last_ - start_);
    std::fprintf(stderr,
                 "\r%lld rows read, %lld records acknowledged, %.0f rows/s   ",
                 static_cast<long long>(report.rows_read),
                 static_cast<long long>(report.records_accepted),
                 seconds > 0 ? report.rows_read / seconds : 0.0);
  }
  void Finish() {
    if (enabled_) std::fprintf(stderr, "\n");
  }

 private:
  const bool enabled_;
  const absl::Time start_ = absl::Now();
  absl::Time last_ = absl::InfinitePast();
};

void CountIssues(const PipelineBatch& batch, RunReport& report,
                 RejectsReport* rejects) {
  report.rows_read += batch.rows;
  report.rows_rejected += batch.rows_rejected;
  int last_warned_row = -1;
  for (const RowIssue& issue : batch.issues) {
    ++report.issues_by_rule[issue.rule];
    if (issue.severity == Severity::kWarning &&
        issue.row_number != last_warned_row) {
      ++report.rows_with_warnings;
      last_warned_row = issue.row_number;
    }
    if (rejects != nullptr) rejects->Add(issue);
  }
}

}  // namespace

absl::StatusOr<RunReport> RunValidate(const ExportOptions& options) {
  const absl::Time start = absl::Now();
  EQ_ASSIGN_OR_RETURN(ExportInputs inputs, OpenExportInputs(options));
  PipelineOptions pipeline_options;
  pipeline_options.input_path = options.input_path;
  pipeline_options.rows_per_batch = options.rows_per_batch;
  pipeline_options.threads = options.threads;
  pipeline_options.clk_encoder = inputs.clk_encoder.get();
  EQ_ASSIGN_OR_RETURN(
      std::unique_ptr<RecordPipeline> pipeline,
      RecordPipeline::Start(inputs.profile, inputs.postcodes.get(),
                            std::move(pipeline_options)));
  RunReport report;
  Progress progress(options.show_progress);
  PipelineBatch batch;
  while (true) {
    EQ_ASSIGN_OR_RETURN(bool more, pipeline->Next(&batch));
    if (!more) break;
    CountIssues(batch, report, inputs.rejects.get());
    progress.Update(report);
  }
  progress.Finish();
  if (inputs.rejects != nullptr) EQ_RETURN_IF_ERROR(inputs.rejects->Close());
  report.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return report;
}

namespace {

// One pass over the export: every batch the gateway does not hold yet.
absl::StatusOr<RunReport> SubmitOnce(const SubmitOptions& options) {
  const absl::Time start = absl::Now();
  const ExportOptions& export_options = options.export_options;
  if (options.gateway_address.empty())
    return absl::InvalidArgumentError("--gateway is required");
  if (options.linkage_key_path.empty()) {
    return absl::InvalidArgumentError("--linkage_key is required");
  }
  EQ_ASSIGN_OR_RETURN(ExportInputs inputs, OpenExportInputs(export_options));
  if (inputs.profile.has_clk() && inputs.clk_encoder == nullptr) {
    return absl::InvalidArgumentError(
        "the mapping profile asks for a record CLK: --clk_secret is required");
  }
  EQ_ASSIGN_OR_RETURN(LinkageKey key,
                      LinkageKey::ReadFromFile(options.linkage_key_path));
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<RecordPseudonymiser> pseudonymiser,
                      RecordPseudonymiser::Create(key));
  EQ_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ChannelCredentials> credentials,
                      MakeChannelCredentials(options.tls));

  RunReport report;
  report.submission_id = options.submission_id;
  if (report.submission_id.empty()) {
    EQ_ASSIGN_OR_RETURN(
        report.submission_id,
        DeriveSubmissionId(export_options.input_path,
                           inputs.profile.organisation_code(),
                           inputs.profile.profile_id(), key.key_id(),
                           export_options.rows_per_batch));
  }

  SubmissionClient client(
      grpc::CreateCustomChannel(
          options.gateway_address, credentials,
          ClientChannelArguments(kDefaultMaxMessageBytes)),
      SubmissionClientOptions{.max_unacknowledged_batches =
                                  options.max_unacknowledged_batches});
  EQ_ASSIGN_OR_RETURN(v1::SubmissionStatus durable,
                      client.GetStatus(report.submission_id));
  const absl::flat_hash_set<uint64_t> durable_sequences(
      durable.durable_sequences().begin(), durable.durable_sequences().end());

  PipelineOptions pipeline_options;
  pipeline_options.input_path = export_options.input_path;
  pipeline_options.rows_per_batch = export_options.rows_per_batch;
  pipeline_options.threads = export_options.threads;
  pipeline_options.pseudonymiser = pseudonymiser.get();
  pipeline_options.clk_encoder = inputs.clk_encoder.get();
  pipeline_options.skip = [&durable_sequences](uint64_t sequence) {
    return durable_sequences.contains(sequence);
  };
  EQ_ASSIGN_OR_RETURN(
      std::unique_ptr<RecordPipeline> pipeline,
      RecordPipeline::Start(inputs.profile, inputs.postcodes.get(),
                            std::move(pipeline_options)));

  // The source runs on this thread and the sink on the stream's reader thread.
  absl::Mutex report_mu;
  Progress progress(export_options.show_progress);
  // Outlives the calls so that Next() can recycle the records of the batch
  // the stream has finished with (the move below swaps them in here).
  PipelineBatch batch;
  BatchSource source = [&](OutgoingBatch* out) -> absl::StatusOr<bool> {
    while (true) {
      EQ_ASSIGN_OR_RETURN(bool more, pipeline->Next(&batch));
      if (!more) return false;
      absl::MutexLock lock(&report_mu);
      CountIssues(batch, report, inputs.rejects.get());
      progress.Update(report);
      if (batch.skipped) {
        ++report.batches_skipped;
        continue;
      }
      *out = std::move(batch.outgoing);
      v1::SubmissionBatch& wire = out->batch;
      wire.set_submission_id(report.submission_id);
      wire.set_sequence(batch.sequence);
      wire.set_dataset_id(inputs.profile.dataset_id());
      wire.set_key_id(key.key_id());
      wire.set_mapping_profile_id(inputs.profile.profile_id());
      wire.set_purpose_id(options.purpose_id);
      ++report.batches_sent;
      report.records_sent += wire.records_size();
      if (options.send_observer) options.send_observer(batch.sequence);
      return true;
    }
  };
  AckSink sink = [&](const v1::BatchAck& ack,
                     const std::vector<int>& record_rows) {
    absl::MutexLock lock(&report_mu);
    report.records_accepted += ack.records_accepted();
    report.records_rejected_by_gateway += ack.records_rejected();
    report.records_quarantined += ack.records_quarantined();
    report.records_opted_out += ack.records_opted_out();
    if (ack.already_stored()) ++report.batches_already_stored;
    for (const v1::RecordRejection& rejection : ack.rejections()) {
      RowIssue issue;
      issue.row_number = rejection.index() < record_rows.size()
                             ? record_rows[rejection.index()]
                             : 0;
      issue.field = rejection.field();
      issue.rule = absl::StrCat(
          "GATEWAY_", v1::RecordRejectReason_Name(rejection.reason()));
      ++report.issues_by_rule[issue.rule];
      if (inputs.rejects != nullptr) inputs.rejects->Add(issue);
    }
    if (ack.outcome() == v1::BATCH_REJECTED && ack.rejections_size() == 0) {
      ++report.issues_by_rule[absl::StrCat("GATEWAY_BATCH_REJECTED: ",
                                           ack.reason())];
    }
    progress.Update(report);
    if (options.ack_observer) options.ack_observer(ack);
  };
  absl::Status streamed = client.Stream(source, sink, options.wire_observer);
  progress.Finish();
  if (inputs.rejects != nullptr) EQ_RETURN_IF_ERROR(inputs.rejects->Close());
  if (!streamed.ok()) {
    absl::Status failed(
        streamed.code(),
        absl::StrCat(streamed.message(),
                     " (batches acknowledged so far are stored; run the same "
                     "command again to send the rest)"));
    if (std::optional<absl::Duration> hint = RetryAfter(streamed)) {
      failed = WithRetryAfter(std::move(failed), *hint);
    }
    return failed;
  }
  report.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return report;
}

}  // namespace

absl::StatusOr<RunReport> RunSubmit(const SubmitOptions& options) {
  const absl::Time start = absl::Now();
  for (int retries = 0;; ++retries) {
    absl::StatusOr<RunReport> report = SubmitOnce(options);
    if (report.ok()) {
      report->retries = retries;
      report->seconds = absl::ToDoubleSeconds(absl::Now() - start);
      return report;
    }
    // Only a gateway that is full and says when to come back is retried
    // here; anything else is for the operator, who re-runs the command.
    const std::optional<absl::Duration> hint = RetryAfter(report.status());
    if (!hint.has_value() || retries >= options.max_retries) return report;
    const absl::Duration wait = std::min(*hint, kMaxRetryWait);
    std::fprintf(stderr,
                 "the gateway is busy and asked to retry in %.1f s; "
                 "resuming then (retry %d of %d)\n",
                 absl::ToDoubleSeconds(wait), retries + 1, options.max_retries);
    absl::SleepFor(wait);
  }
}

std::string FormatReport(const RunReport& report, bool submitted) {
  std::string out;
  if (submitted)
    absl::StrAppendFormat(&out, "submission      %s\n", report.submission_id);
  absl::StrAppendFormat(&out, "rows read       %d\n", report.rows_read);
  absl::StrAppendFormat(&out, "rows rejected   %d (not sent)\n",
                        report.rows_rejected);
  absl::StrAppendFormat(&out, "rows warned     %d (sent)\n",
                        report.rows_with_warnings);
  if (submitted) {
    absl::StrAppendFormat(
        &out, "records sent    %d in %d batches (%d already held, skipped)\n",
        report.records_sent, report.batches_sent, report.batches_skipped);
    absl::StrAppendFormat(&out, "records stored  %d (durable at the gateway)\n",
                          report.records_accepted);
    absl::StrAppendFormat(&out, "gateway refused %d\n",
                          report.records_rejected_by_gateway);
    absl::StrAppendFormat(&out,
                          "quarantined     %d (outside the agreement's "
                          "population, held for review)\n",
                          report.records_quarantined);
    absl::StrAppendFormat(&out, "opted out       %d (dropped, not stored)\n",
                          report.records_opted_out);
  }
  for (const auto& [rule, count] : report.issues_by_rule) {
    absl::StrAppendFormat(&out, "  %-28s %d\n", rule, count);
  }
  absl::StrAppendFormat(&out, "took            %.2f s\n", report.seconds);
  return out;
}

}  // namespace equilink::client
