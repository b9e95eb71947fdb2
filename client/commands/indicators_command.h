#ifndef EQUILINK_CLIENT_COMMANDS_INDICATORS_COMMAND_H_
#define EQUILINK_CLIENT_COMMANDS_INDICATORS_COMMAND_H_

// `equilink indicators`: an ICS partner asks the gateway for framework
// indicators over a period (docs/FRAMEWORK.md) and prints them as a terminal
// table, CSV (the Fingertips column layout) or JSON. What comes back has
// already passed the agreement's disclosure control: suppressed figures are
// "*".

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/commands/governance_connection.h"
#include "equilink/v1/indicators.pb.h"

namespace equilink::client {

enum class IndicatorFormat { kTable, kCsv, kJson };

struct IndicatorsOptions {
  GatewayConnection gateway;
  std::string purpose_id;
  std::vector<std::string> indicator_ids;  // empty: every permitted one
  std::string period_first_day;            // YYYY-MM-DD
  std::string period_last_day;
  std::string request_id;
  IndicatorFormat format = IndicatorFormat::kTable;
  // The table shows only these category types ("IMD quintile"), plus the
  // whole-ICS rows; empty: every row.
  std::vector<std::string> category_types;
};

// "table", "csv" or "json"; InvalidArgument naming the value otherwise.
absl::StatusOr<IndicatorFormat> ParseIndicatorFormat(const std::string& text);

// Calls the gateway and returns the formatted output. The gateway's refusal
// as its status (PermissionDenied "E2: ...").
absl::StatusOr<std::string> RunIndicators(const IndicatorsOptions& options);

// The formatting alone, for a response already received.
std::string FormatIndicators(const v1::IndicatorResponse& response,
                             const IndicatorsOptions& options);

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_COMMANDS_INDICATORS_COMMAND_H_
