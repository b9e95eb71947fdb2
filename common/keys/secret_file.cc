#include "common/keys/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/posix_file.h"

namespace equilink {
namespace {

absl::Status TooLarge(absl::string_view role, absl::string_view path) {
  return absl::InvalidArgumentError(
      absl::StrCat(role, " ", path, " is too large to be a key file"));
}

}  // namespace

absl::StatusOr<SecretBytes> ReadSecretFile(const std::string& path,
                                           absl::string_view role,
                                           size_t max_bytes) {
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0)
    return ErrnoStatus(absl::StrCat(role, " ", path), "cannot open", errno);
  // fstat on the open descriptor, so the mode checked is the mode of the file
  // actually read, even if the path is swapped in between.
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) {
    return ErrnoStatus(absl::StrCat(role, " ", path), "stat", errno);
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(role, " ", path, " is not a regular file"));
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s %s has mode %04o, which gives group or other users access; it "
        "must be 0600 or stricter (chmod 600)",
        role, path, st.st_mode & 07777));
  }
  // Refused before reading, so a wrong path cannot pull a large file into
  // memory.
  if (static_cast<size_t>(st.st_size) > max_bytes) return TooLarge(role, path);
  // One byte of headroom: the file may grow after fstat, and a read that
  // fills the buffer is how that shows.
  SecretBytes buffer(max_bytes + 1);
  size_t used = 0;
  while (used < buffer.size()) {
    const ssize_t n = ::read(fd.get(), buffer.UnsafeMutableData() + used,
                             buffer.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(absl::StrCat(role, " ", path), "read", errno);
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  if (used > max_bytes) return TooLarge(role, path);
  return SecretBytes(buffer.UnsafeSecretView().substr(0, used));
}

absl::Status WriteNewSecretFile(const std::string& path,
                                absl::string_view bytes,
                                absl::string_view role) {
  // O_EXCL: never overwrite (and so never destroy) an existing key. The mode
  // is fixed at creation, so the key is never readable by others, even
  // briefly.
  ScopedFd fd(
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == EEXIST) {
      return absl::AlreadyExistsError(absl::StrCat(
          role, " ", path, " already exists; refusing to overwrite it"));
    }
    return ErrnoStatus(absl::StrCat(role, " ", path), "cannot create", err);
  }
  absl::Status status = absl::OkStatus();
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd.get(), bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      status = ErrnoStatus(absl::StrCat(role, " ", path), "write", errno);
      break;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  if (status.ok() && ::fsync(fd.get()) != 0) {
    status = ErrnoStatus(absl::StrCat(role, " ", path), "fsync", errno);
  }
  // close can report a deferred write error, so it is checked, not left to
  // the destructor.
  if (status.ok() && ::close(fd.Release()) != 0) {
    status = ErrnoStatus(absl::StrCat(role, " ", path), "close", errno);
  }
  if (!status.ok()) ::unlink(path.c_str());
  return status;
}

}  // namespace equilink
