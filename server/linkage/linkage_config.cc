#include "server/linkage/linkage_config.h"

#include "absl/strings/str_cat.h"
#include "server/linkage/model/fellegi_sunter.h"

namespace equilink::linkage {

absl::StatusOr<LinkageWorkerOptions> LinkageWorkerOptionsFromConfig(
    const v1::GatewayConfig& config) {
  const v1::LinkageConfig& linkage = config.linkage();
  if (absl::Status valid = ValidateModelSettings(linkage.model());
      !valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("linkage.model: ", valid.message()));
  }
  LinkageWorkerOptions options;
  options.store_path = config.store().sqlite_path();
  if (linkage.batch_records() > 0) {
    options.batch_records = linkage.batch_records();
  }
  if (linkage.estimate_after_records() > 0) {
    options.estimate_after_records = linkage.estimate_after_records();
  }
  if (linkage.estimate_after_pairs() > 0) {
    options.estimate_after_pairs = linkage.estimate_after_pairs();
  }
  options.engine.threads =
      linkage.threads() > 0 ? static_cast<int>(linkage.threads()) : 2;
  options.engine.model_settings = linkage.model();
  options.engine.one_record_per_person_sources.assign(
      linkage.one_record_per_person_organisations().begin(),
      linkage.one_record_per_person_organisations().end());
  return options;
}

}  // namespace equilink::linkage
