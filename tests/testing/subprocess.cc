#include "tests/testing/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "tests/testing/temp_dir.h"

namespace equilink::testing {

absl::StatusOr<Subprocess> Subprocess::Start(
    const std::vector<std::string>& argv, const std::string& log_path,
    const std::vector<std::string>& extra_env) {
  std::vector<char*> args;
  for (const std::string& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  // Built before fork: the child may only call async-signal-safe functions.
  std::vector<char*> env;
  for (char** variable = environ; *variable != nullptr; ++variable) {
    env.push_back(*variable);
  }
  for (const std::string& variable : extra_env) {
    env.push_back(const_cast<char*>(variable.c_str()));
  }
  env.push_back(nullptr);
  int log_fd = -1;
  if (!log_path.empty()) {
    log_fd =
        open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log_fd < 0)
      return absl::InternalError(absl::StrCat("cannot open ", log_path));
  }
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    if (log_fd >= 0) {
      dup2(log_fd, STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
    }
    execve(args[0], args.data(), env.data());
    _exit(127);
  }
  if (log_fd >= 0) close(log_fd);
  return Subprocess(pid);
}

Subprocess::Subprocess(Subprocess&& other) noexcept : pid_(other.pid_) {
  other.pid_ = -1;
}

Subprocess& Subprocess::operator=(Subprocess&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    pid_ = other.pid_;
    other.pid_ = -1;
  }
  return *this;
}

Subprocess::~Subprocess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void Subprocess::Signal(int signal) const {
  if (pid_ > 0) kill(pid_, signal);
}

absl::StatusOr<ExitInfo> Subprocess::Wait(absl::Duration timeout) {
  if (pid_ <= 0) return absl::FailedPreconditionError("no child process");
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int status = 0;
    struct rusage usage {};
    const pid_t done = wait4(pid_, &status, WNOHANG, &usage);
    if (done == pid_) {
      pid_ = -1;
      ExitInfo info;
      if (WIFEXITED(status)) info.exit_code = WEXITSTATUS(status);
      if (WIFSIGNALED(status)) info.signal = WTERMSIG(status);
      info.peak_rss_kb = usage.ru_maxrss;
      return info;
    }
    if (absl::Now() > deadline)
      return absl::DeadlineExceededError("child still running");
    absl::SleepFor(absl::Milliseconds(5));
  }
}

long Subprocess::PeakRssKb() const {
  std::ifstream status(absl::StrCat("/proc/", pid_, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view view(line);
    if (absl::ConsumePrefix(&view, "VmHWM:")) {
      view = absl::StripAsciiWhitespace(view);
      absl::ConsumeSuffix(&view, " kB");
      long kb = 0;
      if (absl::SimpleAtoi(view, &kb)) return kb;
    }
  }
  return 0;
}

absl::StatusOr<int> WaitForPortFile(const std::string& path,
                                    absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    int port = 0;
    std::string text(absl::StripAsciiWhitespace(ReadFileOrEmpty(path)));
    if (absl::SimpleAtoi(text, &port) && port > 0) return port;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return absl::DeadlineExceededError(absl::StrCat("no port in ", path));
}

int RunShell(const std::string& command) {
  const int status = std::system(command.c_str());
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

}  // namespace equilink::testing
