#ifndef EQUILINK_TESTS_TESTING_SUBPROCESS_H_
#define EQUILINK_TESTS_TESTING_SUBPROCESS_H_

// A child process for integration tests and benchmark tools: the real
// equilink-gateway binary, killed with SIGKILL or stopped with SIGTERM at
// chosen moments.

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace equilink::testing {

struct ExitInfo {
  int exit_code = -1;  // when it exited normally
  int signal = 0;      // when a signal ended it
  // ru_maxrss of the child; it counts the forked copy of the parent before
  // exec, so for an exec'd program poll PeakRssKb() instead.
  long peak_rss_kb = 0;
};

class Subprocess {
 public:
  // Starts `argv[0]` with `argv`, stdout and stderr appended to `log_path` (or
  // inherited when empty), in this process's environment plus `extra_env`
  // ("NAME=value" each).
  static absl::StatusOr<Subprocess> Start(
      const std::vector<std::string>& argv, const std::string& log_path,
      const std::vector<std::string>& extra_env = {});

  Subprocess() = default;  // no child
  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&& other) noexcept;
  // Kills the child with SIGKILL if it is still running.
  ~Subprocess();

  pid_t pid() const { return pid_; }
  // Sends `signal` (SIGTERM, SIGKILL, ...).
  void Signal(int signal) const;
  // Waits for the child to end, at most `timeout`; DeadlineExceeded when it
  // does not.
  absl::StatusOr<ExitInfo> Wait(absl::Duration timeout);
  // The child's current peak RSS (VmHWM) in KiB while it runs, 0 when unknown.
  long PeakRssKb() const;

 private:
  explicit Subprocess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
};

// Polls until `path` holds a positive integer (a port file), at most `timeout`.
absl::StatusOr<int> WaitForPortFile(const std::string& path,
                                    absl::Duration timeout);

// Runs a command line through /bin/sh; its exit code, or -1 when it did not
// exit normally.
int RunShell(const std::string& command);

}  // namespace equilink::testing

#endif  // EQUILINK_TESTS_TESTING_SUBPROCESS_H_
