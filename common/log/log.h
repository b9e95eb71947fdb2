#ifndef EQUILINK_COMMON_LOG_LOG_H_
#define EQUILINK_COMMON_LOG_LOG_H_

// A tiny logger: one line per event on stderr (journald picks it up), as
// `<UTC timestamp> <severity> <file>:<line>] <message>`, or, in JSON-lines
// mode, one JSON object per line with the keys time, severity, file, line and
// message (docs/OPERATIONS.md, "Metrics and logs"). In either format a line
// is one event: a line break or other control character in a message is
// escaped, never written raw. absl::log is not in Debian bookworm's absl, and
// glog's LOG macros would collide with it after an upgrade, so this is our
// own.
//
// The rule for every caller: a log line never holds an identifier, a token, a
// key, or record content. Log counts, codes, ids the project itself chose
// (submission ids, key ids, organisation codes) and statuses built by project
// code.
//
// Thread-safe: each line is written with one fwrite call.

#include <string>

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace equilink::log {

enum class Severity { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };
enum class Format { kText = 0, kJson = 1 };

// Lines below this severity are dropped. Default kInfo. Safe to call at any
// time.
void SetMinSeverity(Severity severity);
Severity MinSeverity();

// Default kText. Safe to call at any time.
void SetFormat(Format format);

// One log line, newline included, as Write would emit it at `time`.
std::string FormatLine(Format format, Severity severity, absl::string_view time,
                       const char* file, int line, absl::string_view message);

void Write(Severity severity, const char* file, int line,
           absl::string_view message);

}  // namespace equilink::log

// EQ_LOG(kInfo, "stored %d records", n);
#define EQ_LOG(severity, ...)                                               \
  do {                                                                      \
    if (::equilink::log::Severity::severity >=                              \
        ::equilink::log::MinSeverity()) {                                   \
      ::equilink::log::Write(::equilink::log::Severity::severity, __FILE__, \
                             __LINE__, ::absl::StrFormat(__VA_ARGS__));     \
    }                                                                       \
  } while (0)

#endif  // EQUILINK_COMMON_LOG_LOG_H_
