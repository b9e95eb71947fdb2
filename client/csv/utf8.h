#ifndef EQUILINK_CLIENT_CSV_UTF8_H_
#define EQUILINK_CLIENT_CSV_UTF8_H_

#include "absl/strings/string_view.h"

namespace equilink::client {

// True when `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF). ASCII runs are checked eight bytes at a
// time, so the common all-ASCII export costs little.
bool IsValidUtf8(absl::string_view text);

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_CSV_UTF8_H_
