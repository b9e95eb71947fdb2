#ifndef EQUILINK_CLIENT_COMMANDS_OPTOUT_COMMAND_H_
#define EQUILINK_CLIENT_COMMANDS_OPTOUT_COMMAND_H_

// `equilink optout upload`: the national data opt-out list, turned into the
// same keyed NHS-number tokens `equilink submit` puts in records, on the
// governance user's machine, so no NHS number ever reaches the gateway.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/commands/governance_connection.h"
#include "common/keys/linkage_key.h"
#include "equilink/v1/governance.pb.h"

namespace equilink::client {

// Reads `path`: either one NHS number per line, or a CSV with a header row
// holding an `nhs_number` column (any case). Every number must pass the
// NHS Data Dictionary's modulus 11 check; otherwise InvalidArgument naming the
// row numbers of the bad lines (as a spreadsheet counts them), never their
// contents, and nothing is tokenised. Returns one 32-byte token per row, in
// file order: HMAC-SHA256 under the linkage key's NHS-number subkey, exactly
// as RecordPseudonymiser makes nhs_number_token.
absl::StatusOr<std::vector<std::string>> ReadOptOutTokens(
    const std::string& path, const LinkageKey& key);

struct OptOutUploadOptions {
  GatewayConnection gateway;
  std::string nhs_numbers_path;
  std::string linkage_key_path;
  std::string description;
  size_t tokens_per_chunk = 10000;
};

// Reads, checks and tokenises the list, then streams it to the gateway, which
// replaces its current list with it. Returns the stored list's description.
absl::StatusOr<v1::OptOutListInfo> RunOptOutUpload(
    const OptOutUploadOptions& options);

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_COMMANDS_OPTOUT_COMMAND_H_
