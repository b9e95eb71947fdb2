#ifndef EQUILINK_COMMON_KEYS_SECRET_FILE_H_
#define EQUILINK_COMMON_KEYS_SECRET_FILE_H_

// Reading and writing files that hold key material (the linkage key, the audit
// signing key). A leaked key cannot be revoked from the pseudonyms or
// signatures already made with it, so these refuse files others could read
// and never overwrite an existing key.
//
// `role` names the file in error messages ("key file", "signing key file") so
// an operator knows which of several key files is wrong. Messages give the
// role, the path and the rule; never the file's content.

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/crypto/secret_bytes.h"

namespace equilink {

// The whole of the file at `path`. FailedPrecondition when it is not a regular
// file or is readable or writable by group or others (it must be 0600 or
// stricter); InvalidArgument when it is over `max_bytes`; NotFound /
// PermissionDenied / Unavailable from the OS.
absl::StatusOr<SecretBytes> ReadSecretFile(const std::string& path,
                                           absl::string_view role,
                                           size_t max_bytes);

// Creates `path` with mode 0600, writes `bytes` and fsyncs it. AlreadyExists
// when `path` exists; on any other failure the file is removed again, so no
// half-written key is left behind.
absl::Status WriteNewSecretFile(const std::string& path,
                                absl::string_view bytes,
                                absl::string_view role);

}  // namespace equilink

#endif  // EQUILINK_COMMON_KEYS_SECRET_FILE_H_
