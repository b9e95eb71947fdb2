#include "common/fault/crash_point.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"

namespace equilink::fault {
namespace {

struct Arming {
  bool armed = false;
  std::string point;
  int64_t at_hit = 0;
  std::atomic<int64_t> hits{0};
};

// Read once; a malformed value arms nothing (the campaign checks that its
// kills happen).
Arming& TheArming() {
  static Arming* arming = [] {
    auto* parsed = new Arming();
    const char* value = std::getenv("EQUILINK_CRASH_AT");
    if (value == nullptr) return parsed;
    const absl::string_view text(value);
    const size_t colon = text.rfind(':');
    if (colon == absl::string_view::npos) return parsed;
    int64_t at_hit = 0;
    if (!absl::SimpleAtoi(text.substr(colon + 1), &at_hit) || at_hit < 1) {
      return parsed;
    }
    parsed->point = std::string(text.substr(0, colon));
    parsed->at_hit = at_hit;
    parsed->armed = true;
    return parsed;
  }();
  return *arming;
}

}  // namespace

void CrashPoint(const char* point) {
  Arming& arming = TheArming();
  if (!arming.armed || arming.point != point) return;
  if (arming.hits.fetch_add(1) + 1 == arming.at_hit) {
    kill(getpid(), SIGKILL);
  }
}

const std::vector<std::string>& KnownCrashPoints() {
  static const auto* points = new std::vector<std::string>{
      "store.commit.before", "store.commit.after", "store.index.before",
      "audit.append.before", "audit.append.after", "linkage.write.before",
      "linkage.write.after",
  };
  return *points;
}

}  // namespace equilink::fault
