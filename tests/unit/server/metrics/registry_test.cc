#include "server/metrics/registry.h"

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/metrics/gateway_metrics.h"

namespace equilink::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Every line of `text` is a # HELP or # TYPE line or a sample in the
// Prometheus text format 0.0.4, and every sample follows the TYPE of its
// metric.
void ExpectValidExposition(const std::string& text) {
  ASSERT_FALSE(text.empty());
  ASSERT_EQ(text.back(), '\n');
  std::string current;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.empty()) continue;
    if (absl::StartsWith(line, "# HELP ")) continue;
    if (absl::StartsWith(line, "# TYPE ")) {
      const std::vector<std::string> parts = absl::StrSplit(line, ' ');
      ASSERT_EQ(parts.size(), 4u) << line;
      EXPECT_THAT(parts[3], ::testing::AnyOf("counter", "gauge"));
      current = parts[2];
      continue;
    }
    EXPECT_THAT(std::string(line), ::testing::MatchesRegex(
                                       "[a-zA-Z_:][a-zA-Z0-9_:]*"
                                       "(\\{[a-zA-Z_]+=\"[A-Za-z0-9_.-]+\"\\})?"
                                       " [-+0-9.eE]+|[a-z_]+ (NaN|[+-]Inf)"));
    EXPECT_TRUE(absl::StartsWith(line, current)) << line;
  }
}

TEST(RegistryTest, RendersCountersWithHelpAndType) {
  Registry registry;
  Counter* counter = registry.AddCounter("equilink_things_total", "Things.");
  counter->Increment();
  counter->Increment(41);
  EXPECT_EQ(registry.Render(),
            "# HELP equilink_things_total Things.\n"
            "# TYPE equilink_things_total counter\n"
            "equilink_things_total 42\n");
}

TEST(RegistryTest, FamilyRendersEveryRegisteredValueAndOther) {
  Registry registry;
  CounterFamily* family = registry.AddCounterFamily(
      "equilink_refusals_total", "Refusals.", "rule", {"S2", "S7"});
  family->Get("S7").Increment(3);
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("equilink_refusals_total{rule=\"S2\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("equilink_refusals_total{rule=\"S7\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("equilink_refusals_total{rule=\"other\"} 0\n"));
  ExpectValidExposition(text);
}

TEST(RegistryTest, UnregisteredLabelValueCountsAsOtherAndNeverAppears) {
  Registry registry;
  CounterFamily* family = registry.AddCounterFamily(
      "equilink_refusals_total", "Refusals.", "rule", {"S2"});
  // Whatever a caller passes, nothing but the registered values and "other"
  // can become a series.
  family->Get("9434765919").Increment();
  family->Get("rule \"S2\"\nx").Increment();
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("equilink_refusals_total{rule=\"other\"} 2\n"));
  EXPECT_THAT(text, Not(HasSubstr("9434765919")));
  ExpectValidExposition(text);
}

TEST(RegistryTest, GaugesAreReadOnScrapeAndLeftOutWhenUnknown) {
  Registry registry;
  double value = 1.5;
  registry.AddGauge("equilink_age_seconds", "Age.",
                    [&value]() -> std::optional<double> { return value; });
  registry.AddGauge("equilink_unknown", "Unknown.",
                    []() -> std::optional<double> { return std::nullopt; });
  EXPECT_THAT(registry.Render(), HasSubstr("equilink_age_seconds 1.5\n"));
  value = 7;
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("equilink_age_seconds 7\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE equilink_unknown gauge\n"));
  EXPECT_THAT(text, Not(HasSubstr("\nequilink_unknown ")));
  ExpectValidExposition(text);
}

TEST(RegistryTest, CounterFunctionIsReadOnScrape) {
  Registry registry;
  uint64_t appended = 5;
  registry.AddCounterFunction("equilink_appended_total", "Appended.",
                              [&appended] { return appended; });
  EXPECT_THAT(registry.Render(), HasSubstr("equilink_appended_total 5\n"));
}

TEST(RegistryTest, HelpIsEscaped) {
  Registry registry;
  registry.AddCounter("equilink_x_total", "line one\nback\\slash");
  EXPECT_THAT(registry.Render(),
              HasSubstr("# HELP equilink_x_total line one\\nback\\\\slash\n"));
}

TEST(RegistryDeathTest, RefusesBadNamesAndFreeTextLabelValues) {
  EXPECT_DEATH(Registry().AddCounter("bad name", "x"), "check failed");
  EXPECT_DEATH(Registry().AddCounter("9starts_with_digit", "x"),
               "check failed");
  EXPECT_DEATH(
      Registry().AddCounterFamily("equilink_x_total", "x", "rule", {"a b"}),
      "check failed");
  EXPECT_DEATH(
      Registry().AddCounterFamily("equilink_x_total", "x", "rule", {"other"}),
      "check failed");
  EXPECT_DEATH(
      {
        Registry registry;
        registry.AddCounter("equilink_x_total", "x");
        registry.AddCounter("equilink_x_total", "x");
      },
      "check failed");
}

TEST(FormatSampleValueTest, FollowsTheExpositionFormat) {
  EXPECT_EQ(FormatSampleValue(0), "0");
  EXPECT_EQ(FormatSampleValue(12345678), "12345678");
  EXPECT_EQ(FormatSampleValue(0.25), "0.25");
  EXPECT_EQ(FormatSampleValue(std::nan("")), "NaN");
  EXPECT_EQ(FormatSampleValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatSampleValue(-std::numeric_limits<double>::infinity()),
            "-Inf");
}

TEST(GatewayMetricsTest, EveryMetricIsPrefixedAndTheTextIsValid) {
  absl::StatusOr<std::unique_ptr<GatewayMetrics>> metrics =
      GatewayMetrics::Create({});
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  GatewayCounters& counters = (*metrics)->counters();
  counters.batches_received->Increment(3);
  counters.batches_rejected->Get("S7").Increment();
  counters.records_rejected->Get(RecordRejectLabel(2)).Increment(4);
  counters.extract_pulls->Get(DecisionOf(absl::StatusCode::kOk)).Increment();
  const std::string text = (*metrics)->Render();
  ExpectValidExposition(text);
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, "#")) {
      const std::vector<absl::string_view> parts = absl::StrSplit(line, ' ');
      EXPECT_TRUE(absl::StartsWith(parts[2], "equilink_")) << line;
    } else {
      EXPECT_TRUE(absl::StartsWith(line, "equilink_")) << line;
    }
  }
  EXPECT_THAT(text, HasSubstr("equilink_batches_received_total 3\n"));
  EXPECT_THAT(text,
              HasSubstr("equilink_batches_rejected_total{rule=\"S7\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("equilink_records_rejected_total{reason="
                              "\"malformed_token\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("equilink_extract_pulls_total{decision="
                              "\"allowed\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("equilink_uptime_seconds "));
}

TEST(GatewayMetricsTest, DecisionsAreBounded) {
  EXPECT_EQ(DecisionOf(absl::StatusCode::kOk), "allowed");
  EXPECT_EQ(DecisionOf(absl::StatusCode::kPermissionDenied), "denied");
  EXPECT_EQ(DecisionOf(absl::StatusCode::kFailedPrecondition), "denied");
  EXPECT_EQ(DecisionOf(absl::StatusCode::kUnavailable), "error");
  EXPECT_EQ(DecisionOf(absl::StatusCode::kInternal), "error");
  EXPECT_EQ(RecordRejectLabel(8), "duplicate_in_batch");
  EXPECT_EQ(RecordRejectLabel(12345), "other");
}

}  // namespace
}  // namespace equilink::metrics
