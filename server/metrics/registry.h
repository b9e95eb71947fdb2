#ifndef EQUILINK_SERVER_METRICS_REGISTRY_H_
#define EQUILINK_SERVER_METRICS_REGISTRY_H_

// Counters and gauges rendered in the Prometheus text exposition format
// (version 0.0.4). Counters are atomics bumped where the event happens, so a
// hot path pays one relaxed fetch_add; gauges are functions read only when
// the metrics are scraped.
//
// No identifier can reach a metric: names, help text and label values are
// fixed when a metric is registered (a label value must be a short code such
// as a rule id, checked at registration), and a counter family maps any value
// it was not registered with to "other" instead of creating a series. So the
// set of series is bounded and holds no caller-supplied text.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace equilink::metrics {

class Counter {
 public:
  void Increment(uint64_t n = 1) {
    value_.fetch_add(n, std::memory_order_relaxed);
  }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// Counters of one metric told apart by one label with a fixed set of values.
class CounterFamily {
 public:
  // The counter for `value`, or the "other" counter when `value` is not one of
  // the registered values. Linear in the (small) number of values.
  Counter& Get(absl::string_view value);

  const std::string& label() const { return label_; }

 private:
  friend class Registry;
  CounterFamily(std::string label, std::vector<std::string> values);

  const std::string label_;
  const std::vector<std::string> values_;  // the last one is "other"
  std::deque<Counter> counters_;           // one per value; never moves
};

class Registry {
 public:
  // A gauge's current value; nullopt leaves the sample out of this scrape
  // (e.g. no checkpoint has been signed yet, or the store could not be read).
  using GaugeFunction = std::function<std::optional<double>()>;

  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Each Add* aborts (EQ_CHECK) on a name that is not a valid metric name
  // ([a-zA-Z_:][a-zA-Z0-9_:]*), a name registered twice, or a label value
  // that is not 1-32 characters of [A-Za-z0-9_.-]: all are programming
  // errors. The returned pointers live as long as the registry. Thread-safe.
  Counter* AddCounter(absl::string_view name, absl::string_view help);
  // `values` must not contain "other", which is added.
  CounterFamily* AddCounterFamily(absl::string_view name,
                                  absl::string_view help,
                                  absl::string_view label,
                                  std::vector<std::string> values);
  // A counter kept elsewhere (e.g. an atomic in the audit log), read on
  // scrape. `read` must be monotonic and thread-safe.
  void AddCounterFunction(absl::string_view name, absl::string_view help,
                          std::function<uint64_t()> read);
  void AddGauge(absl::string_view name, absl::string_view help,
                GaugeFunction read);

  // Every metric in registration order, with # HELP and # TYPE lines.
  // Gauge functions run on the calling thread. Thread-safe.
  std::string Render() const;

 private:
  enum class Type { kCounter, kGauge };
  struct Metric {
    std::string name;
    std::string help;
    Type type;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<CounterFamily> family;
    std::function<uint64_t()> counter_function;
    GaugeFunction gauge;
  };
  Metric& AddMetric(absl::string_view name, absl::string_view help, Type type)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::deque<Metric> metrics_ ABSL_GUARDED_BY(mu_);
};

// A sample value as the exposition format writes it: integers without a
// fraction, NaN and +Inf/-Inf by name, anything else with up to 17
// significant digits.
std::string FormatSampleValue(double value);

// Help text with backslash and newline escaped, as # HELP lines require.
std::string EscapeHelp(absl::string_view help);

}  // namespace equilink::metrics

#endif  // EQUILINK_SERVER_METRICS_REGISTRY_H_
