#ifndef EQUILINK_COMMON_STATUS_POSIX_FILE_H_
#define EQUILINK_COMMON_STATUS_POSIX_FILE_H_

// What code that handles files through POSIX calls shares (key files,
// backups): a descriptor closed on every return path, and errno mapped to a
// canonical status whose message names the file and the step, never content.

#include <unistd.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace equilink {

class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(ScopedFd&& other) noexcept : fd_(other.Release()) {}
  ~ScopedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// "<subject>: <what>: <strerror>", as NotFound (ENOENT), AlreadyExists
// (EEXIST), PermissionDenied (EACCES, EPERM), ResourceExhausted (ENOSPC,
// EDQUOT) or Unavailable.
absl::Status ErrnoStatus(absl::string_view subject, absl::string_view what,
                         int err);

}  // namespace equilink

#endif  // EQUILINK_COMMON_STATUS_POSIX_FILE_H_
