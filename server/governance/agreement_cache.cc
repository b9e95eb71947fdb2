#include "server/governance/agreement_cache.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "common/log/log.h"
#include "server/governance/agreement_file.h"

namespace equilink::governance {

absl::TimeZone AgreementTimeZone() {
  absl::TimeZone zone;
  if (absl::LoadTimeZone("Europe/London", &zone)) return zone;
  EQ_LOG(kWarning,
         "time zone Europe/London is not available (install tzdata); "
         "agreement dates are read in UTC");
  return absl::UTCTimeZone();
}

const std::string& AgreementSnapshot::VersionHash(
    const std::string& agreement_id, uint32_t version) const {
  static const std::string* const kNone = new std::string();
  auto it = version_hashes.find(std::make_pair(agreement_id, version));
  return it == version_hashes.end() ? *kNone : it->second;
}

const v1::Agreement* AgreementSnapshot::Find(const std::string& agreement_id,
                                             uint32_t version) const {
  for (const v1::Agreement& agreement : agreements) {
    if (agreement.agreement_id() == agreement_id &&
        agreement.version() == version) {
      return &agreement;
    }
  }
  return nullptr;
}

AgreementCache::AgreementCache(AgreementRegistry* registry, Options options)
    : registry_(registry), options_(std::move(options)) {}

absl::StatusOr<std::shared_ptr<const AgreementSnapshot>>
AgreementCache::Current() {
  const absl::Time now = options_.clock();
  const absl::CivilDay today = absl::ToCivilDay(now, options_.time_zone);
  absl::MutexLock lock(&mu_);
  // Read before the query: a change committed during the reload then leaves
  // the generation ahead of what was loaded and the next call reloads again.
  const uint64_t generation = registry_->generation();
  if (snapshot_ != nullptr && snapshot_->day == today &&
      loaded_generation_ == generation && now - loaded_at_ < options_.max_age) {
    return snapshot_;
  }
  absl::StatusOr<std::vector<v1::Agreement>> active =
      registry_->EffectiveActive(today);
  if (!active.ok()) return active.status();
  auto snapshot = std::make_shared<AgreementSnapshot>();
  snapshot->day = today;
  snapshot->agreements = *std::move(active);
  for (const v1::Agreement& agreement : snapshot->agreements) {
    // Canonical bytes leave the status out, so this is the stored hash.
    snapshot->version_hashes[{agreement.agreement_id(), agreement.version()}] =
        absl::HexStringToBytes(AgreementVersionHash(agreement));
  }
  snapshot_ = std::move(snapshot);
  loaded_generation_ = generation;
  loaded_at_ = now;
  ++reloads_;
  return snapshot_;
}

uint64_t AgreementCache::reloads() const {
  absl::MutexLock lock(&mu_);
  return reloads_;
}

}  // namespace equilink::governance
