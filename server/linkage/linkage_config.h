#ifndef EQUILINK_SERVER_LINKAGE_LINKAGE_CONFIG_H_
#define EQUILINK_SERVER_LINKAGE_LINKAGE_CONFIG_H_

#include "absl/status/statusor.h"
#include "equilink/v1/gateway_config.pb.h"
#include "server/linkage/linkage_worker.h"

namespace equilink::linkage {

// The worker's options from the gateway configuration (defaults filled in).
// InvalidArgument, naming the setting, for model settings the engine cannot
// use.
absl::StatusOr<LinkageWorkerOptions> LinkageWorkerOptionsFromConfig(
    const v1::GatewayConfig& config);

}  // namespace equilink::linkage

#endif  // EQUILINK_SERVER_LINKAGE_LINKAGE_CONFIG_H_
