#include "server/governance/retention_purge.h"

#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/status/status_macros.h"
#include "server/governance/agreement_cache.h"

namespace equilink::governance {

absl::StatusOr<RetentionPeriod> ParseRetentionPeriod(absl::string_view iso) {
  const absl::Status malformed = absl::InvalidArgumentError(
      "retention period must be an ISO 8601 duration of years, months, weeks "
      "and days, e.g. P7Y, P18M or P90D");
  if (iso.size() < 3 || iso[0] != 'P') return malformed;
  RetentionPeriod period;
  absl::string_view rest = iso.substr(1);
  // Designators must come in this order, each at most once.
  constexpr absl::string_view kOrder = "YMWD";
  size_t next_designator = 0;
  while (!rest.empty()) {
    size_t digits = 0;
    while (digits < rest.size() &&
           absl::ascii_isdigit(static_cast<unsigned char>(rest[digits]))) {
      ++digits;
    }
    if (digits == 0 || digits > 4 || digits == rest.size()) return malformed;
    int value = 0;
    if (!absl::SimpleAtoi(rest.substr(0, digits), &value)) return malformed;
    const size_t designator = kOrder.find(rest[digits], next_designator);
    if (designator == absl::string_view::npos) return malformed;
    next_designator = designator + 1;
    switch (kOrder[designator]) {
      case 'Y':
        period.years = value;
        break;
      case 'M':
        period.months = value;
        break;
      case 'W':
        period.days += 7 * value;
        break;
      case 'D':
        period.days += value;
        break;
    }
    rest.remove_prefix(digits + 1);
  }
  return period;
}

absl::Time RetentionEnds(absl::Time received, const RetentionPeriod& period,
                         absl::TimeZone zone) {
  const absl::CivilSecond start = absl::ToCivilSecond(received, zone);
  const absl::CivilSecond end(
      start.year() + period.years, start.month() + period.months,
      start.day() + period.days, start.hour(), start.minute(), start.second());
  return absl::FromCivil(end, zone);
}

absl::StatusOr<v1::PurgeReport> PurgeExpiredRecords(
    store::Store& store, AgreementRegistry& agreements, absl::Time now,
    bool dry_run) {
  const absl::TimeZone zone = AgreementTimeZone();
  EQ_ASSIGN_OR_RETURN(std::vector<store::BatchRetention> batches,
                      store.ListRetainedBatches());
  // nullopt: the version is not in the registry, so the batch is kept.
  std::map<std::pair<std::string, uint32_t>, std::optional<RetentionPeriod>>
      periods;
  std::vector<store::BatchKey> expired;
  std::set<std::string> deciding_agreements;
  uint64_t records = 0;
  for (const store::BatchRetention& batch : batches) {
    if (batch.agreement_id.empty()) continue;
    const auto key =
        std::make_pair(batch.agreement_id, batch.agreement_version);
    auto it = periods.find(key);
    if (it == periods.end()) {
      absl::StatusOr<StoredAgreement> stored =
          agreements.Get(batch.agreement_id, batch.agreement_version);
      std::optional<RetentionPeriod> period;
      if (stored.ok()) {
        absl::StatusOr<RetentionPeriod> parsed =
            ParseRetentionPeriod(stored->agreement.retention().period());
        if (!parsed.ok()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "agreement ", batch.agreement_id, " version ",
              batch.agreement_version, ": ", parsed.status().message()));
        }
        period = *parsed;
      } else if (absl::IsNotFound(stored.status())) {
        EQ_LOG(kWarning,
               "retention: agreement %s version %d admitted stored batches "
               "but is not in the registry; they are kept",
               batch.agreement_id, batch.agreement_version);
      } else {
        return stored.status();
      }
      it = periods.emplace(key, period).first;
    }
    if (!it->second.has_value()) continue;
    const absl::Time received =
        absl::FromUnixMillis(batch.committed_at_unix_ms);
    if (RetentionEnds(received, *it->second, zone) > now) continue;
    expired.push_back(
        {batch.organisation_code, batch.submission_id, batch.sequence});
    deciding_agreements.insert(batch.agreement_id);
    records += batch.live_records + batch.quarantined_records;
  }
  v1::PurgeReport report;
  report.set_batches_affected(expired.size());
  for (const std::string& id : deciding_agreements)
    report.add_agreement_ids(id);
  if (dry_run) {
    report.set_records_removed(records);
    return report;
  }
  EQ_ASSIGN_OR_RETURN(const uint64_t removed, store.PurgeBatchRecords(expired));
  report.set_records_removed(removed);
  return report;
}

absl::StatusOr<v1::PurgeReport> PurgeExpiredRecordsAudited(
    store::Store& store, AgreementRegistry& agreements, audit::AuditLog& audit,
    const v1::AuditPrincipal& principal, absl::Time now, bool dry_run) {
  EQ_ASSIGN_OR_RETURN(v1::PurgeReport planned,
                      PurgeExpiredRecords(store, agreements, now,
                                          /*dry_run=*/true));
  v1::AuditEntry entry;
  *entry.mutable_principal() = principal;
  entry.set_action("retention.purge");
  entry.set_decision(v1::AUDIT_ALLOW);
  entry.set_reason(absl::StrCat(dry_run ? "dry run: " : "",
                                "retention ended for ",
                                planned.records_removed(), " records in ",
                                planned.batches_affected(), " batches"));
  if (planned.agreement_ids_size() == 1) {
    entry.set_agreement_id(planned.agreement_ids(0));
  }
  absl::StatusOr<v1::AuditEntry> appended = audit.Append(entry);
  if (!appended.ok()) {
    return absl::UnavailableError(
        absl::StrCat("the audit log cannot be written, so nothing is purged (",
                     appended.status().message(), ")"));
  }
  if (dry_run) return planned;
  return PurgeExpiredRecords(store, agreements, now, /*dry_run=*/false);
}

}  // namespace equilink::governance
