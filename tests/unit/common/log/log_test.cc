#include "common/log/log.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace equilink::log {
namespace {

constexpr char kTime[] = "2026-01-02T03:04:05.678Z";

TEST(LogFormatTest, TextKeepsThePrefixAndOneLinePerEvent) {
  EXPECT_EQ(FormatLine(Format::kText, Severity::kWarning, kTime,
                       "/src/server/api/x.cc", 12, "stored 3 records"),
            "2026-01-02T03:04:05.678Z WARN x.cc:12] stored 3 records\n");
  // A line break in a message (a status from a library, say) must not start
  // what a reader would take for a new event.
  EXPECT_EQ(FormatLine(Format::kText, Severity::kInfo, kTime, "x.cc", 1,
                       "a\nb\r\x01"),
            "2026-01-02T03:04:05.678Z INFO x.cc:1] a\\nb\\r\\x01\n");
}

TEST(LogFormatTest, JsonIsOneObjectPerLine) {
  EXPECT_EQ(FormatLine(Format::kJson, Severity::kError, kTime, "dir/y.cc", 7,
                       "cannot \"open\" C:\\x\n\tnext"),
            "{\"time\":\"2026-01-02T03:04:05.678Z\",\"severity\":\"ERROR\","
            "\"file\":\"y.cc\",\"line\":7,\"message\":\"cannot \\\"open\\\" "
            "C:\\\\x\\n\\tnext\"}\n");
}

TEST(LogFormatTest, JsonKeepsUtf8AndReplacesInvalidBytes) {
  const std::string line = FormatLine(Format::kJson, Severity::kInfo, kTime,
                                      "y.cc", 1, "caf\xC3\xA9 \xFF\xC3");
  EXPECT_THAT(line, ::testing::HasSubstr("\"message\":\"caf\xC3\xA9 "
                                         "\\ufffd\\ufffd\"}"));
}

}  // namespace
}  // namespace equilink::log
