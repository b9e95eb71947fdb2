#include "server/metrics/gateway_metrics.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/memory/memory.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "equilink/v1/submission.pb.h"

namespace equilink::metrics {
namespace {

std::vector<std::string> BatchRules() {
  std::vector<std::string> rules = {kIngestRule};
  for (int i = 1; i <= 13; ++i) rules.push_back(absl::StrCat("S", i));
  return rules;
}

std::vector<std::string> RecordRejectLabels() {
  std::vector<std::string> labels;
  const google::protobuf::EnumDescriptor* reasons =
      v1::RecordRejectReason_descriptor();
  for (int i = 0; i < reasons->value_count(); ++i) {
    const int number = reasons->value(i)->number();
    if (number == v1::RECORD_REJECT_REASON_UNSPECIFIED) continue;
    labels.push_back(RecordRejectLabel(number));
  }
  return labels;
}

std::vector<std::string> Decisions() { return {"allowed", "denied", "error"}; }

double SecondsBetween(absl::Time from, absl::Time to) {
  return absl::ToDoubleSeconds(to - from);
}

}  // namespace

GatewayCounters::GatewayCounters(Registry& registry)
    : batches_received(registry.AddCounter(
          "equilink_batches_received_total",
          "Submission batches handed to the ingest checks.")),
      batches_accepted(registry.AddCounter(
          "equilink_batches_accepted_total",
          "Batches with some or all of their records stored.")),
      batches_rejected(registry.AddCounterFamily(
          "equilink_batches_rejected_total",
          "Batches refused as a whole, by the rule that refused them "
          "(INGEST: the envelope checks; S1-S13: docs/GOVERNANCE.md).",
          "rule", BatchRules())),
      batches_already_stored(registry.AddCounter(
          "equilink_batches_already_stored_total",
          "Re-sent batches answered with the acknowledgement already stored.")),
      records_accepted(registry.AddCounter("equilink_records_accepted_total",
                                           "Records stored durably.")),
      records_rejected(registry.AddCounterFamily(
          "equilink_records_rejected_total",
          "Records refused by the gateway's own validation, by reason code.",
          "reason", RecordRejectLabels())),
      records_quarantined(registry.AddCounter(
          "equilink_records_quarantined_total",
          "Records held apart as outside the agreement's population scope "
          "(S9).")),
      records_opted_out(registry.AddCounter(
          "equilink_records_opted_out_total",
          "Records dropped under the national data opt-out.")),
      extract_pulls(registry.AddCounterFamily(
          "equilink_extract_pulls_total",
          "Extract pulls by decision (allowed, denied, error).", "decision",
          Decisions())),
      indicator_releases(registry.AddCounterFamily(
          "equilink_indicator_releases_total",
          "Indicator requests by decision (allowed, denied, error).",
          "decision", Decisions())) {}

absl::string_view DecisionOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return "allowed";
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kResourceExhausted:
      return "denied";
    default:
      return "error";
  }
}

std::string RecordRejectLabel(int reason) {
  if (!v1::RecordRejectReason_IsValid(reason)) return "other";
  std::string name =
      v1::RecordRejectReason_Name(static_cast<v1::RecordRejectReason>(reason));
  constexpr absl::string_view kPrefix = "REJECT_";
  if (absl::StartsWith(name, kPrefix)) name.erase(0, kPrefix.size());
  absl::AsciiStrToLower(&name);
  return name;
}

absl::StatusOr<std::unique_ptr<GatewayMetrics>> GatewayMetrics::Create(
    GatewayGaugeSources sources) {
  auto metrics = absl::WrapUnique(
      new GatewayMetrics(std::make_unique<Registry>(), std::move(sources)));
  const std::string& path = metrics->sources_.store_path;
  if (!path.empty() && path != ":memory:") {
    absl::StatusOr<std::unique_ptr<StoreProbe>> probe = StoreProbe::Open(path);
    if (!probe.ok()) return probe.status();
    metrics->probe_ = *std::move(probe);
  }
  metrics->RegisterGauges();
  return metrics;
}

GatewayMetrics::GatewayMetrics(std::unique_ptr<Registry> registry,
                               GatewayGaugeSources sources)
    : registry_(std::move(registry)),
      counters_(*registry_),
      sources_(std::move(sources)) {}

GatewayMetrics::~GatewayMetrics() { Stop(); }

void GatewayMetrics::RegisterGauges() {
  Registry& registry = *registry_;
  const GatewayGaugeSources* sources = &sources_;
  registry.AddGauge("equilink_uptime_seconds",
                    "Seconds since the gateway started.",
                    [sources]() -> std::optional<double> {
                      return SecondsBetween(sources->started, sources->clock());
                    });
  if (const audit::AuditLog* audit = sources_.audit; audit != nullptr) {
    registry.AddCounterFunction(
        "equilink_audit_entries_appended_total",
        "Audit log entries durably appended since the gateway started.",
        [audit] { return audit->entries_appended(); });
    registry.AddGauge(
        "equilink_audit_checkpoint_age_seconds",
        "Seconds since the newest signed audit checkpoint (absent while the "
        "log has none).",
        [audit, sources]() -> std::optional<double> {
          std::optional<absl::Time> last = audit->last_checkpoint_time();
          if (!last.has_value()) return std::nullopt;
          return SecondsBetween(*last, sources->clock());
        });
  }
  if (sources_.unindexed_records) {
    registry.AddGauge(
        "equilink_store_unindexed_records",
        "Records committed whose keys are not indexed yet.",
        [count = sources_.unindexed_records]() {
          return std::optional<double>(static_cast<double>(count()));
        });
  }
  if (sources_.longest_index_slice) {
    registry.AddGauge(
        "equilink_store_longest_index_slice_seconds",
        "The longest index transaction since start; commits queued behind "
        "one wait for it.",
        [longest = sources_.longest_index_slice]() {
          return std::optional<double>(absl::ToDoubleSeconds(longest()));
        });
  }
  if (probe_ == nullptr) return;
  StoreProbe* probe = probe_.get();
  registry.AddGauge("equilink_records_stored",
                    "Current records held in the store.",
                    [probe]() -> std::optional<double> {
                      absl::StatusOr<uint64_t> records = probe->RecordsStored();
                      if (!records.ok()) return std::nullopt;
                      return static_cast<double>(*records);
                    });
  const std::string path = sources_.store_path;
  registry.AddGauge(
      "equilink_store_size_bytes",
      "Bytes on disk of the store file and its write-ahead log.",
      [path]() -> std::optional<double> {
        std::error_code error;
        const uintmax_t main = std::filesystem::file_size(path, error);
        if (error) return std::nullopt;
        const uintmax_t wal = std::filesystem::file_size(path + "-wal", error);
        return static_cast<double>(main + (error ? 0 : wal));
      });
  if (!sources_.linkage_enabled) return;
  registry.AddGauge(
      "equilink_linkage_unlinked_records",
      "Records stored but not linked yet (the linkage worker's backlog).",
      [probe]() -> std::optional<double> {
        absl::StatusOr<LinkageBacklog> backlog = probe->UnlinkedRecords();
        if (!backlog.ok()) return std::nullopt;
        return static_cast<double>(backlog->records);
      });
  registry.AddGauge(
      "equilink_linkage_oldest_unlinked_age_seconds",
      "Seconds since the oldest record not linked yet was stored (0 when "
      "none waits).",
      [probe, sources]() -> std::optional<double> {
        absl::StatusOr<LinkageBacklog> backlog = probe->UnlinkedRecords();
        if (!backlog.ok()) return std::nullopt;
        if (backlog->records == 0) return 0.0;
        return std::max(
            0.0, SecondsBetween(backlog->oldest_stored, sources->clock()));
      });
}

absl::Status GatewayMetrics::Serve(const v1::MetricsConfig& config) {
  if (config.listen_address().empty() || responder_ != nullptr) {
    return absl::OkStatus();
  }
  HttpResponderOptions options;
  options.listen_address = config.listen_address();
  options.allow_non_loopback = config.allow_non_loopback();
  const Registry* registry = registry_.get();
  options.render = [registry] { return registry->Render(); };
  absl::StatusOr<std::unique_ptr<HttpResponder>> responder =
      HttpResponder::Start(std::move(options));
  if (!responder.ok()) return responder.status();
  responder_ = *std::move(responder);
  EQ_LOG(kInfo, "metrics endpoint listening on port %d (plaintext%s)",
         responder_->port(),
         config.allow_non_loopback() ? ", non-loopback allowed" : ", loopback");
  return absl::OkStatus();
}

void GatewayMetrics::Stop() {
  if (responder_ != nullptr) responder_->Stop();
}

}  // namespace equilink::metrics
