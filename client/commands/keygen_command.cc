#include "client/commands/keygen_command.h"

#include "common/keys/linkage_key.h"
#include "common/status/status_macros.h"

namespace equilink::client {

absl::Status RunKeygen(const std::string& key_id, const std::string& out_path) {
  EQ_ASSIGN_OR_RETURN(LinkageKey key, LinkageKey::Generate(key_id));
  return key.WriteToFile(out_path);
}

}  // namespace equilink::client
