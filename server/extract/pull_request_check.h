#ifndef EQUILINK_SERVER_EXTRACT_PULL_REQUEST_CHECK_H_
#define EQUILINK_SERVER_EXTRACT_PULL_REQUEST_CHECK_H_

// The checks on a PullRequest's own shape that come before any agreement is
// consulted: what the policy library (governance/extract_policy.h) leaves to
// the extract service, which knows that Pull releases records and which of a
// record's fields are its keys. Apart from the service so they can be tested
// and fuzzed without gRPC.

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "equilink/v1/extract.pb.h"

namespace equilink::extract {

struct PullRequestRefusal {
  std::string rule;    // "REQUEST", "E2", "E3" or "E4"
  std::string reason;  // fixed text; a field is named only once it is known
};

// True when `id` may be cited as the audit entry's request_id: 0-64
// characters of [A-Za-z0-9._:-], the alphabet of every audit id field
// (server/audit/entry_rules.h).
bool IsValidPullRequestId(absl::string_view id);

// The record's own keys (tokens of the providers' linkage domain), never
// released whatever an agreement's whitelist says.
bool IsRecordKeyField(absl::string_view field);

// The first broken rule of REQUEST (a citable request id), E2 (purpose and
// dataset given), E3 (record level asked for) and E4 (every requested field
// a PseudonymisedRecord field and not a key), or nullopt. A reason never
// holds text the caller made up: a field is named only after it is found in
// the record type.
std::optional<PullRequestRefusal> CheckPullRequestShape(
    const v1::PullRequest& request);

}  // namespace equilink::extract

#endif  // EQUILINK_SERVER_EXTRACT_PULL_REQUEST_CHECK_H_
