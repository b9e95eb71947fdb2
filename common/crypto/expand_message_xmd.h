#ifndef EQUILINK_COMMON_CRYPTO_EXPAND_MESSAGE_XMD_H_
#define EQUILINK_COMMON_CRYPTO_EXPAND_MESSAGE_XMD_H_

// RFC 9380 expand_message_xmd with SHA-256: the uniform-bytes expander under
// hash_to_field, and so under every hash into P-256 in hash_to_curve.h. The
// message is usually an identifier; intermediate digests are cleansed.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace equilink {

// expand_message_xmd (RFC 9380 section 5.3.1) with SHA-256, writing
// out.size() uniform bytes. A DST longer than 255 bytes is first hashed as
// section 5.3.3 says. InvalidArgument if the DST is empty or out.size() is 0
// or above 8160 (255 SHA-256 blocks).
absl::Status ExpandMessageXmdSha256(absl::string_view msg,
                                    absl::string_view dst,
                                    absl::Span<uint8_t> out);

// Convenience form returning the bytes as a string.
absl::StatusOr<std::string> ExpandMessageXmdSha256(absl::string_view msg,
                                                   absl::string_view dst,
                                                   size_t len_in_bytes);

}  // namespace equilink

#endif  // EQUILINK_COMMON_CRYPTO_EXPAND_MESSAGE_XMD_H_
