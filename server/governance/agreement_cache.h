#ifndef EQUILINK_SERVER_GOVERNANCE_AGREEMENT_CACHE_H_
#define EQUILINK_SERVER_GOVERNANCE_AGREEMENT_CACHE_H_

// The agreements in force today, for the ingest path, which must not query
// SQLite for every batch (AgreementRegistry::EffectiveActive re-reads and
// re-hashes every stored version). The snapshot is reloaded when:
//  - the registry's generation moves (a Create or Transition through it);
//  - the day changes in the agreements' time zone (an agreement's start or
//    expiry date takes effect at midnight, Europe/London);
//  - it is older than max_age, so changes made through another connection to
//    the file (a second registry, an operator's tool) are seen soon too.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "equilink/v1/agreement.pb.h"
#include "server/governance/agreement_registry.h"

namespace equilink::governance {

// Europe/London, the zone agreement dates are written in; UTC (with a logged
// warning) when the system has no time zone database.
absl::TimeZone AgreementTimeZone();

// The agreements ACTIVE on `day`, immutable once published.
struct AgreementSnapshot {
  absl::CivilDay day;
  std::vector<v1::Agreement> agreements;
  // SHA-256 of each version's canonical bytes (32 raw bytes, for the audit
  // entry), keyed by agreement id and version.
  absl::flat_hash_map<std::pair<std::string, uint32_t>, std::string>
      version_hashes;

  const std::string& VersionHash(const std::string& agreement_id,
                                 uint32_t version) const;
  const v1::Agreement* Find(const std::string& agreement_id,
                            uint32_t version) const;
};

class AgreementCache {
 public:
  struct Options {
    absl::TimeZone time_zone = AgreementTimeZone();
    std::function<absl::Time()> clock = [] { return absl::Now(); };
    absl::Duration max_age = absl::Seconds(5);
  };

  // `registry` is not owned and must outlive the cache.
  explicit AgreementCache(AgreementRegistry* registry)
      : AgreementCache(registry, Options()) {}
  AgreementCache(AgreementRegistry* registry, Options options);

  // The snapshot for today; reloads when it is stale (see above). Errors of
  // EffectiveActive (DataLoss for a tampered agreement) are returned, so the
  // caller fails closed. Thread-safe; concurrent callers share one reload.
  absl::StatusOr<std::shared_ptr<const AgreementSnapshot>> Current();

  // Reloads that happened, for tests and to confirm the ingest path does not
  // query per batch.
  uint64_t reloads() const;

 private:
  AgreementRegistry* const registry_;
  const Options options_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const AgreementSnapshot> snapshot_ ABSL_GUARDED_BY(mu_);
  uint64_t loaded_generation_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time loaded_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  uint64_t reloads_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace equilink::governance

#endif  // EQUILINK_SERVER_GOVERNANCE_AGREEMENT_CACHE_H_
