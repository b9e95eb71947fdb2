#ifndef EQUILINK_SERVER_GOVERNANCE_IMD_LOCAL_AUTHORITY_LOOKUP_H_
#define EQUILINK_SERVER_GOVERNANCE_IMD_LOCAL_AUTHORITY_LOOKUP_H_

// LocalAuthorityLookup (submission_policy.h) from the English Indices of
// Deprivation 2019 File 1 CSV the gateway ships
// (deploy/data/imd2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz):
// LSOA 2011 code -> local authority district 2019 code, for rule S9.
//
// The file is read by the framework's area lookup (server/framework), which
// the indicators' deprivation breakdowns use too.

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/framework/area_lookup.h"
#include "server/governance/submission_policy.h"

namespace equilink::governance {

class ImdLocalAuthorityLookup final : public LocalAuthorityLookup {
 public:
  // Reads `path` (gzip or plain CSV) as framework::AreaLookup::LoadImd
  // does, with its errors (the file and the 1-based line of a malformed
  // line or a duplicate LSOA; NotFound for a file that cannot be opened).
  static absl::StatusOr<std::unique_ptr<ImdLocalAuthorityLookup>> Load(
      const std::string& path);

  std::optional<std::string> LocalAuthorityOf(
      absl::string_view lsoa_code) const override;

  size_t size() const { return areas_->size(); }

 private:
  explicit ImdLocalAuthorityLookup(std::unique_ptr<framework::AreaLookup> areas)
      : areas_(std::move(areas)) {}

  // Immutable after Load, so concurrent reads need no lock.
  const std::unique_ptr<const framework::AreaLookup> areas_;
};

}  // namespace equilink::governance

#endif  // EQUILINK_SERVER_GOVERNANCE_IMD_LOCAL_AUTHORITY_LOOKUP_H_
