#ifndef EQUILINK_CLIENT_COMMANDS_KEYGEN_COMMAND_H_
#define EQUILINK_CLIENT_COMMANDS_KEYGEN_COMMAND_H_

#include <string>

#include "absl/status/status.h"

namespace equilink::client {

// `equilink keygen`: creates a new 256-bit linkage key file (mode 0600) for a
// linkage domain. One provider makes it and shares it with the domain's other
// providers out of band; the gateway never receives it. Refuses to overwrite an
// existing file.
absl::Status RunKeygen(const std::string& key_id, const std::string& out_path);

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_COMMANDS_KEYGEN_COMMAND_H_
