#include "server/metrics/registry.h"

#include <cmath>
#include <utility>

#include "absl/memory/memory.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/check.h"

namespace equilink::metrics {
namespace {

constexpr char kOther[] = "other";

bool IsMetricName(absl::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    const bool ok = absl::ascii_isalpha(c) || c == '_' || c == ':' ||
                    (i > 0 && absl::ascii_isdigit(c));
    if (!ok) return false;
  }
  return true;
}

// Label values are codes the project chose (rule ids, decisions), so nothing
// ever needs escaping; anything else is refused rather than escaped.
bool IsLabelValue(absl::string_view value) {
  if (value.empty() || value.size() > 32) return false;
  for (char c : value) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (!absl::ascii_isalnum(u) && c != '_' && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

}  // namespace

CounterFamily::CounterFamily(std::string label, std::vector<std::string> values)
    : label_(std::move(label)), values_(std::move(values)) {
  counters_.resize(values_.size());
}

Counter& CounterFamily::Get(absl::string_view value) {
  for (size_t i = 0; i + 1 < values_.size(); ++i) {
    if (values_[i] == value) return counters_[i];
  }
  return counters_.back();
}

Registry::Metric& Registry::AddMetric(absl::string_view name,
                                      absl::string_view help, Type type) {
  EQ_CHECK(IsMetricName(name));
  for (const Metric& metric : metrics_) EQ_CHECK(metric.name != name);
  Metric& metric = metrics_.emplace_back();
  metric.name = std::string(name);
  metric.help = std::string(help);
  metric.type = type;
  return metric;
}

Counter* Registry::AddCounter(absl::string_view name, absl::string_view help) {
  absl::MutexLock lock(&mu_);
  Metric& metric = AddMetric(name, help, Type::kCounter);
  metric.counter = std::make_unique<Counter>();
  return metric.counter.get();
}

CounterFamily* Registry::AddCounterFamily(absl::string_view name,
                                          absl::string_view help,
                                          absl::string_view label,
                                          std::vector<std::string> values) {
  EQ_CHECK(IsMetricName(label));
  for (const std::string& value : values) {
    EQ_CHECK(IsLabelValue(value));
    EQ_CHECK(value != kOther);
  }
  values.emplace_back(kOther);
  absl::MutexLock lock(&mu_);
  Metric& metric = AddMetric(name, help, Type::kCounter);
  metric.family = absl::WrapUnique(
      new CounterFamily(std::string(label), std::move(values)));
  return metric.family.get();
}

void Registry::AddCounterFunction(absl::string_view name,
                                  absl::string_view help,
                                  std::function<uint64_t()> read) {
  absl::MutexLock lock(&mu_);
  AddMetric(name, help, Type::kCounter).counter_function = std::move(read);
}

void Registry::AddGauge(absl::string_view name, absl::string_view help,
                        GaugeFunction read) {
  absl::MutexLock lock(&mu_);
  AddMetric(name, help, Type::kGauge).gauge = std::move(read);
}

std::string Registry::Render() const {
  absl::MutexLock lock(&mu_);
  std::string out;
  for (const Metric& metric : metrics_) {
    absl::StrAppend(&out, "# HELP ", metric.name, " ", EscapeHelp(metric.help),
                    "\n# TYPE ", metric.name, " ",
                    metric.type == Type::kCounter ? "counter" : "gauge", "\n");
    if (metric.counter != nullptr) {
      absl::StrAppend(&out, metric.name, " ", metric.counter->value(), "\n");
    } else if (metric.family != nullptr) {
      const CounterFamily& family = *metric.family;
      for (size_t i = 0; i < family.values_.size(); ++i) {
        absl::StrAppend(&out, metric.name, "{", family.label_, "=\"",
                        family.values_[i], "\"} ", family.counters_[i].value(),
                        "\n");
      }
    } else if (metric.counter_function) {
      absl::StrAppend(&out, metric.name, " ", metric.counter_function(), "\n");
    } else if (metric.gauge) {
      if (std::optional<double> value = metric.gauge()) {
        absl::StrAppend(&out, metric.name, " ", FormatSampleValue(*value),
                        "\n");
      }
    }
  }
  return out;
}

std::string FormatSampleValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 9.007199254740992e15) {
    return absl::StrFormat("%.0f", value);
  }
  return absl::StrFormat("%.17g", value);
}

std::string EscapeHelp(absl::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace equilink::metrics
