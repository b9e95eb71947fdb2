#include "common/log/log.h"

#include <atomic>
#include <cstdio>
#include <cstring>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace equilink::log {
namespace {

std::atomic<int> min_severity{static_cast<int>(Severity::kInfo)};

const char* SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kDebug:
      return "DEBUG";
    case Severity::kInfo:
      return "INFO";
    case Severity::kWarning:
      return "WARN";
    case Severity::kError:
      return "ERROR";
  }
  return "?";
}

}  // namespace

void SetMinSeverity(Severity severity) {
  min_severity.store(static_cast<int>(severity));
}

Severity MinSeverity() { return static_cast<Severity>(min_severity.load()); }

void Write(Severity severity, const char* file, int line,
           absl::string_view message) {
  const char* base = std::strrchr(file, '/');
  base = base == nullptr ? file : base + 1;
  std::string out =
      absl::StrFormat("%s %s %s:%d] %s\n",
                      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                       absl::UTCTimeZone()),
                      SeverityName(severity), base, line, message);
  std::fwrite(out.data(), 1, out.size(), stderr);
}

}  // namespace equilink::log
