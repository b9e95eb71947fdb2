#ifndef EQUILINK_CLIENT_COMMANDS_GOVERNANCE_COMMANDS_H_
#define EQUILINK_CLIENT_COMMANDS_GOVERNANCE_COMMANDS_H_

// The governance lead's and the auditor's commands:
//
//   equilink agreements create --file=F
//   equilink agreements show --id=ID [--version=N]
//   equilink agreements list
//   equilink agreements approve|activate|suspend|resume|terminate
//       --id=ID --version=N [--reason=TEXT]
//   equilink orgs register --code=C --name=N --roles=a,b
//       [--certificate_sha256=H]
//   equilink orgs suspend|reactivate --code=C --reason=TEXT
//   equilink orgs list
//   equilink optout upload --nhs_numbers=F --linkage_key=K --description=D
//   equilink audit list [--after=N]
//   equilink audit checkpoints            (JSON lines, for publishing)
//   equilink audit verify [--audit_db=F] [--public_key=PEM]
//       [--checkpoints=J]
//   equilink register export --format=csv|json [--out=F]
//
// each with the connection flags of `equilink submit` (--gateway --ca --cert
// --key). A refusal prints the gateway's status message, which names the
// rule that refused it.

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "client/commands/governance_connection.h"

namespace equilink::client {

// The flags the governance commands read; main.cc fills it.
struct GovernanceFlags {
  GatewayConnection gateway;
  std::string file;
  std::string id;
  uint32_t version = 0;
  std::string reason;
  std::string code;
  std::string name;
  std::string roles;  // comma-separated
  std::string certificate_sha256;
  std::string nhs_numbers;
  std::string linkage_key;
  std::string description;
  uint64_t after = 0;
  std::string audit_db;
  std::string public_key;
  std::string checkpoints;
  std::string format = "csv";
  std::string out;
};

// True for the command groups RunGovernanceCommand serves: agreements, orgs,
// optout, audit, register.
bool IsGovernanceCommand(absl::string_view group);

// Runs `equilink <words[0]> <words[1]>`. Writes results to `out` and errors
// to `err`; returns the process exit code: 0 success, 1 refused or failed,
// 2 usage, 4 audit verify found tampering.
int RunGovernanceCommand(const std::vector<std::string>& words,
                         const GovernanceFlags& flags, std::ostream& out,
                         std::ostream& err);

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_COMMANDS_GOVERNANCE_COMMANDS_H_
