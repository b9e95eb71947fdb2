#include "server/governance/imd_local_authority_lookup.h"

#include <utility>

namespace equilink::governance {

absl::StatusOr<std::unique_ptr<ImdLocalAuthorityLookup>>
ImdLocalAuthorityLookup::Load(const std::string& path) {
  absl::StatusOr<std::unique_ptr<framework::AreaLookup>> areas =
      framework::AreaLookup::LoadImd(path);
  if (!areas.ok()) return areas.status();
  return std::unique_ptr<ImdLocalAuthorityLookup>(
      new ImdLocalAuthorityLookup(*std::move(areas)));
}

std::optional<std::string> ImdLocalAuthorityLookup::LocalAuthorityOf(
    absl::string_view lsoa_code) const {
  const framework::Area* area = areas_->Find(lsoa_code);
  if (area == nullptr) return std::nullopt;
  return area->local_authority_code;
}

}  // namespace equilink::governance
