#ifndef EQUILINK_SERVER_GOVERNANCE_AGREEMENT_FILE_H_
#define EQUILINK_SERVER_GOVERNANCE_AGREEMENT_FILE_H_

// Reading agreements from the files governance leads write (text format or
// JSON of equilink.v1.Agreement) and reducing one to the canonical bytes whose
// SHA-256 is the "agreement version hash" the audit log cites. Parsing does
// not validate: call ValidateAgreement (agreement_validator.h) before use, so
// a draft can be loaded, inspected and fixed.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "equilink/v1/agreement.pb.h"

namespace equilink::governance {

// Parses protobuf text format. Unknown fields are an error, so a misspelt
// field cannot silently drop a condition. InvalidArgument carries the
// parser's line and column.
absl::StatusOr<v1::Agreement> ParseAgreementText(absl::string_view text);

// Parses proto3 JSON (field names in either lowerCamel or original form).
// Unknown fields are an error, as for text format.
absl::StatusOr<v1::Agreement> ParseAgreementJson(absl::string_view json);

// Reads `path`: JSON when the name ends in ".json", text format otherwise.
// NotFound when the file cannot be read; parse errors are InvalidArgument and
// name the path.
absl::StatusOr<v1::Agreement> LoadAgreementFile(const std::string& path);

// The agreed content as deterministic protobuf bytes. `status` is cleared
// first because it is state, not content: suspending an agreement must not
// change which version the audit log says authorised earlier actions. The same
// message gives the same bytes whichever file format it came from. (Protobuf's
// deterministic mode is stable for one schema and library; a hash is
// recomputed only by this code, against the stored bytes.)
std::string CanonicalAgreementBytes(const v1::Agreement& agreement);

// Lowercase hex SHA-256 of CanonicalAgreementBytes: 64 characters.
std::string AgreementVersionHash(const v1::Agreement& agreement);
// The same hash of bytes already in canonical form (as stored), without
// re-serialising them: the registry checks stored bytes with it.
std::string VersionHashOfCanonicalBytes(absl::string_view canonical);

}  // namespace equilink::governance

#endif  // EQUILINK_SERVER_GOVERNANCE_AGREEMENT_FILE_H_
