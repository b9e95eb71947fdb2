#include "common/log/log.h"

#include <atomic>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace equilink::log {
namespace {

std::atomic<int> min_severity{static_cast<int>(Severity::kInfo)};
std::atomic<int> format{static_cast<int>(Format::kText)};

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

// Length of the valid UTF-8 sequence at the start of `s`, or 0 when it is not
// one (overlong forms and surrogates included), so JSON output is always
// valid UTF-8.
size_t Utf8SequenceLength(absl::string_view s) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  size_t length;
  uint32_t code;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code = lead & 0x07;
  } else {
    return 0;
  }
  if (s.size() < length) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i) & 0x3F);
  }
  if ((length == 3 && (code < 0x800 || (code >= 0xD800 && code <= 0xDFFF))) ||
      (length == 4 && (code < 0x10000 || code > 0x10FFFF))) {
    return 0;
  }
  return length;
}

// Control characters as escapes; in JSON also quote and backslash, and bytes
// that are not UTF-8 as U+FFFD.
void AppendEscaped(absl::string_view message, bool json, std::string* out) {
  for (size_t i = 0; i < message.size();) {
    const char c = message[i];
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out->append("\\n");
    } else if (c == '\r') {
      out->append("\\r");
    } else if (c == '\t') {
      out->append(json ? "\\t" : "\t");
    } else if (u < 0x20 || u == 0x7F) {
      absl::StrAppend(out, json ? "\\u00" : "\\x",
                      absl::Hex(u, absl::kZeroPad2));
    } else if (json && (c == '"' || c == '\\')) {
      out->push_back('\\');
      out->push_back(c);
    } else if (json && u >= 0x80) {
      const size_t length = Utf8SequenceLength(message.substr(i));
      if (length == 0) {
        out->append("\\ufffd");
        ++i;
      } else {
        out->append(message.data() + i, length);
        i += length;
      }
      continue;
    } else {
      out->push_back(c);
    }
    ++i;
  }
}

}  // namespace

void SetMinSeverity(Severity severity) {
  min_severity.store(static_cast<int>(severity));
}

Severity MinSeverity() { return static_cast<Severity>(min_severity.load()); }

void SetFormat(Format new_format) {
  format.store(static_cast<int>(new_format));
}

std::string FormatLine(Format line_format, Severity severity,
                       absl::string_view time, const char* file, int line,
                       absl::string_view message) {
  const char* base = std::strrchr(file, '/');
  base = base == nullptr ? file : base + 1;
  std::string out;
  out.reserve(message.size() + 96);
  if (line_format == Format::kJson) {
    // File names and severities are the project's own, so only the message
    // needs escaping.
    absl::StrAppend(&out, "{\"time\":\"", time, "\",\"severity\":\"",
                    SeverityName(severity), "\",\"file\":\"", base,
                    "\",\"line\":", line, ",\"message\":\"");
    AppendEscaped(message, /*json=*/true, &out);
    out.append("\"}\n");
  } else {
    absl::StrAppend(&out, time, " ", SeverityName(severity), " ", base, ":",
                    line, "] ");
    AppendEscaped(message, /*json=*/false, &out);
    out.push_back('\n');
  }
  return out;
}

void Write(Severity severity, const char* file, int line,
           absl::string_view message) {
  const std::string time = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                            absl::UTCTimeZone());
  const std::string out = FormatLine(static_cast<Format>(format.load()),
                                     severity, time, file, line, message);
  std::fwrite(out.data(), 1, out.size(), stderr);
}

}  // namespace equilink::log
