#ifndef EQUILINK_SERVER_CONFIG_GATEWAY_CONFIG_H_
#define EQUILINK_SERVER_CONFIG_GATEWAY_CONFIG_H_

// Reading and checking the gateway's configuration file (text-format
// equilink.v1.GatewayConfig). One schema, validated by the code that reads it:
// a config that would start a gateway with a missing certificate or an
// impossible limit is refused before anything listens.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "equilink/v1/gateway_config.pb.h"

namespace equilink::config {

// Parses `text`, fills defaults for unset fields, and validates.
// InvalidArgument names the field and the rule that failed (or the parser's
// line and column).
absl::StatusOr<v1::GatewayConfig> ParseGatewayConfig(absl::string_view text);

// Reads and parses a config file. Relative paths inside the file are resolved
// against the directory the file is in.
absl::StatusOr<v1::GatewayConfig> LoadGatewayConfig(const std::string& path);

// The roles an organisation may hold.
bool IsKnownRole(absl::string_view role);

// Fills every unset field with its default, as ParseGatewayConfig does, for
// callers (tests, benchmarks) that build a GatewayConfig in code.
void ApplyGatewayConfigDefaults(v1::GatewayConfig& config);

}  // namespace equilink::config

#endif  // EQUILINK_SERVER_CONFIG_GATEWAY_CONFIG_H_
