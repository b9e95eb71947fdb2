#ifndef EQUILINK_SERVER_AUDIT_ENTRY_RULES_H_
#define EQUILINK_SERVER_AUDIT_ENTRY_RULES_H_

// What a caller may put in an audit entry. The schema has no field for a
// personal identifier or a token; these rules keep one from being smuggled
// into the free-text and id fields, and are a backstop, not a licence to pass
// data and rely on them.

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "equilink/v1/audit.pb.h"

namespace equilink::audit {

// OK when `entry` may be appended. kInvalidArgument when:
//  - sequence, time_unix_micros, previous_hash or entry_hash is set (the log
//    assigns them);
//  - decision is unspecified, or action or principal is missing;
//  - organisation_code, role, action, rule_id, agreement_id or request_id is
//    not 0-64 characters of [A-Za-z0-9._:-];
//  - principal.person is neither empty nor urn:equilink:person:<id> with an
//    id of 1-64 characters [a-z0-9._-];
//  - agreement_version_hash is neither empty nor 32 bytes;
//  - reason is over 256 characters, is not printable ASCII, or holds
//    something shaped like an identifier or token: ten or more digits in a
//    run of digits and spaces (an NHS number), or a run of 20 or more
//    [A-Za-z0-9+/=_-] characters that includes a digit (hex or base64).
// The message names the field and the rule, never the content.
absl::Status ValidateNewEntry(const equilink::v1::AuditEntry& entry);

// True when `id` may stand in an id field (request_id, rule_id, ...): 0-64
// characters of [A-Za-z0-9._:-]. A service checks a caller's id with it
// before citing it, so a bad id is left out rather than failing the append.
bool IsAuditId(absl::string_view id);

}  // namespace equilink::audit

#endif  // EQUILINK_SERVER_AUDIT_ENTRY_RULES_H_
